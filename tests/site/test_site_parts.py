"""Site helpers: maths as MathML, the offline scanner, the report tokens."""

from cnnbook.site.plugin import CnnbookPlugin
from cnnbook.site.mathml import replace_math, to_mathml
from cnnbook.site.offline import external_references


def test_math_becomes_mathml_with_whole_numbers():
    html = '<p><span class="arithmatex">\\(3 \\cdot 3 \\cdot 32 \\cdot 64 + 64 = 18{,}496\\)</span></p>'
    out = replace_math(html)
    assert "<math" in out and "arithmatex" not in out
    assert "<mn>18,496</mn>" in out
    assert 'display="block"' in to_mathml("a+b", "block")


def test_offline_scanner_finds_fetching_references_only(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="https://example.org/">a link is fine</a>'
        '<script src="https://cdn.example.org/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/f.css">'
        '<img src="local.png"><style>@import "https://x.org/a.css";</style>')
    (tmp_path / "s.css").write_text("body{background:url(https://x.org/bg.png)}")
    found = "\n".join(external_references(tmp_path))
    assert "cdn.example.org/x.js" in found and "fonts.example.org" in found
    assert "x.org/a.css" in found and "x.org/bg.png" in found
    assert "example.org/\'" not in found and "local.png" not in found


def test_report_tokens_are_filled_from_the_report():
    plugin = CnnbookPlugin()
    plugin.report = {"networks": {"n": {"train_seconds": 12.345, "cache_hit": True}}}
    text = "{{report.networks.n.train_seconds}} s, cached {{report.networks.n.cache_hit}}, {{report.nope}}"
    assert plugin.on_page_markdown(text) == "12.3 s, cached yes, n/a"


def test_a_dirty_builds_search_index_takes_the_rendered_pages_in_their_places():
    from cnnbook.site.plugin import merged_index

    previous = {"config": {"lang": ["en"]}, "docs": [
        {"location": "a.html", "text": "old a"}, {"location": "b.html", "text": "old b"},
        {"location": "b.html#part", "text": "old b part"}, {"location": "c.html", "text": "c"}]}
    rendered = {"config": {"lang": ["en"]}, "docs": [
        {"location": "b.html", "text": "new b"}, {"location": "b.html#other", "text": "new b other"}]}
    assert [e["text"] for e in merged_index(previous, rendered)["docs"]] == ["old a", "new b", "new b other", "c"]
    added = {"config": {}, "docs": [{"location": "d.html", "text": "d"}]}
    assert [e["location"] for e in merged_index(previous, added)["docs"]][-1] == "d.html"
