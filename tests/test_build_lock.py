"""Two builds at once in one folder: the second waits for the first, and one whole site is left."""

import re
import subprocess
import sys

from conftest import make_project

BUILD = "from cnnbook.build import build; build('smoke', {root!r}, progress=False, networks=['mnist_dense'])"


def test_two_concurrent_builds_leave_one_complete_site(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# Home\n\nNo code.\n")
    root = make_project(tmp_path / "p", book=book)
    code = BUILD.format(root=str(root))
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sum("waiting for it to finish" in out for out in outputs) == 1, outputs
    site = root / "build" / "site"
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    assert "index.html" in pages and "atlas/mnist_dense.html" in pages
    assert not list((root / "build").glob(".site-*"))  # no temporary folder left behind
    # Whole: every image the atlas shows is in the site.
    page = site / "atlas" / "mnist_dense.html"
    images = re.findall(r'<img[^>]*src="([^"]+)"', page.read_text())
    assert len(images) >= 5 and all((page.parent / src).resolve().is_file() for src in images)
