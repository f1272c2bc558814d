"""How fast the explorers' JavaScript forward pass runs in headless Chromium (issue: ≤ 20 ms for Tiny VGG).

    .venv/bin/python benchmarks/explorer_speed.py [build/site] [--runs 50]

Opens each explorer page of a built site from disk, then times in the page, per network: the forward
pass alone (`cnnbook.forward`, every intermediate kept) and the explorer's whole update (forward pass
and redrawing every layer), on the page's first test image, after a few warm-up runs. Prints the
median and the fastest run in milliseconds. Timings depend on the machine and its load: compare
only numbers from one run.
"""

import argparse
import shutil
import statistics
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WARMUP = 5

TIMING = """([name, runs]) => {
  const explorer = cnnbook.explorers[name];
  const x = explorer.state.input;
  const forward = [], update = [];
  for (let i = 0; i < runs + %d; i++) {
    let t = performance.now();
    cnnbook.forward(explorer.manifest, explorer.weights[explorer.state.variant], x);
    const f = performance.now() - t;
    t = performance.now();
    explorer.run(x);  // the forward pass again, and every layer's canvases repainted
    const u = performance.now() - t;
    if (i >= %d) { forward.push(f); update.push(u); }
  }
  return { forward, update };
}""" % (WARMUP, WARMUP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="build/site", type=Path)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    pages = sorted(p for p in (args.site / "explorers").glob("*.html") if p.stem != "sandbox")
    if not pages:
        raise SystemExit(f"no explorer pages under {args.site / 'explorers'}: build the book first (make book)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    print(f"{'network':<12} {'forward median':>15} {'fastest':>8} {'update median':>14} {'fastest':>8}  (ms, {args.runs} runs)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        for page_file in pages:
            page = browser.new_page()
            page.goto(page_file.resolve().as_uri())
            name = page_file.stem
            page.wait_for_selector(f'.cnnbook-explorer[data-network="{name}"][data-ready="1"]', timeout=30_000)
            times = page.evaluate(TIMING, [name, args.runs])
            f, u = times["forward"], times["update"]
            print(f"{name:<12} {statistics.median(f):>15.2f} {min(f):>8.2f} {statistics.median(u):>14.2f} {min(u):>8.2f}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
