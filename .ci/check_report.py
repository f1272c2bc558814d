"""Fail CI when build/report.json shows a network below its accuracy floor, or a page of the
real site (build/site, beside the report) is heavier than the page budget."""

import json
import sys
from pathlib import Path

from cnnbook.site.weight import PAGE_BUDGET, over_budget, page_weights

# The sources' published accuracies, less a small margin; Tiny VGG must beat CNN Explainer's 68.8%;
# the PyTorch tutorial's CNN and LeNet-5 as their issue asks; AlexNet at 67×67 as its issue asks.
FLOORS = {"mnist_keras": 0.990, "mnist_dense": 0.975, "tiny_vgg": 0.70, "mnist_torch": 0.990, "lenet": 0.985,
          "alexnet": 0.89}
# Time targets of the issues, reported (machines differ too much for a hard limit in CI): AlexNet's
# training within 8 minutes, the whole cold build within 25.
TRAIN_TARGETS = {"alexnet": 8 * 60}
BUILD_TARGET = 25 * 60


def main(path: str) -> int:
    report = json.load(open(path))
    failed = False
    for name, floor in FLOORS.items():
        net = report["networks"].get(name)
        if net is None:
            print(f"FAIL {name}: not in {path}")
            failed = True
            continue
        ok = net["test_accuracy"] >= floor
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: test accuracy {net['test_accuracy']:.4f} (floor {floor}), "
              f"{net['params']:,} params, {net['train_seconds']:.1f}s, cached {net['cache_hit']}")
    for name, seconds in TRAIN_TARGETS.items():
        net = report["networks"].get(name, {})
        if not net.get("cache_hit", True):
            took = net["train_seconds"]
            print(f"{'ok  ' if took <= seconds else 'SLOW'} {name}: trained in {took:.1f}s (target {seconds}s), "
                  f"{net['train_images_per_second']:.1f} images/s")
    total = report["total_seconds"]
    print(f"{'ok  ' if total <= BUILD_TARGET else 'SLOW'} build: {total:.1f}s (target {BUILD_TARGET}s for a cold "
          f"build), {report['pages']} pages, {report['site_bytes']:,} bytes")
    site = Path(path).parent / "site"
    heaviest = max(page_weights(site).items(), key=lambda item: item[1])
    heavy = over_budget(site)
    for page, weight in heavy.items():
        print(f"FAIL page {page}: {weight:,} bytes (budget {PAGE_BUDGET:,})")
    print(f"{'ok  ' if not heavy else 'FAIL'} page weight: heaviest {heaviest[0]} at {heaviest[1]:,} bytes")
    return 1 if failed or heavy else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
