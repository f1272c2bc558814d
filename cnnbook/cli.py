"""The `cnnbook` command: build, train, info, serve, new-chapter, clean."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from cnnbook.profiles import PROFILES


def _profile_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default=os.environ.get("PROFILE", "default"),
                   help=f"one of {', '.join(PROFILES)} (default: $PROFILE or 'default')")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cnnbook", description="Build the CNN textbook: train the networks, "
                                  "render every layer, publish the static site.")
    sub = top.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="data, training, pages and site (only what changed)")
    _profile_arg(b)
    b.add_argument("--no-progress", action="store_true", help="no progress bars")
    b.add_argument("--book", metavar="DIR", help="the folder of chapter sources (default: ./book); "
                   "the output goes to ./build")
    b.add_argument("--network", action="append", metavar="NAME",
                   help="build only this network (repeat for more; default: every network of the book)")

    n = sub.add_parser("new-chapter", help="write book/NN-NAME.md, a chapter to start from, with one working cell")
    n.add_argument("name", help="a short name, e.g. pooling (becomes the file name and the title)")
    n.add_argument("--book", metavar="DIR", default="book", help="the folder of chapter sources (default: ./book)")

    t = sub.add_parser("train", help="train one network (or load it from the cache) and print its metrics")
    t.add_argument("network", help="a registered network, e.g. mnist_keras")
    _profile_arg(t)

    sub.add_parser("info", help="the networks, profiles, data and cache this checkout knows")

    s = sub.add_parser("serve", help="build, then preview on 127.0.0.1:8000, rebuilding edited chapters")
    _profile_arg(s)
    s.add_argument("--addr", default="127.0.0.1:8000", help="address to serve on (default 127.0.0.1:8000)")

    sub.add_parser("clean", help="remove build/")
    return top


# Commands that may train a network: they run with large buffers on huge pages (`cnnbook.hugepages`).
TRAINING_COMMANDS = ("build", "train", "serve")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if argv is None and args.command in TRAINING_COMMANDS:  # the real command line, not a test's call
        from cnnbook.hugepages import restart_with_huge_pages

        restart_with_huge_pages()
    from cnnbook.errors import KNOWN_ERRORS

    try:
        status = _run(args)
        sys.stdout.flush()  # inside the try: a closed pipe is found here, not at exit
        return status
    except KNOWN_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the next build starts clean from what was completed", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`cnnbook info | head -1`): stop quietly, as other tools do.
        # Point stdout at /dev/null so Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args) -> int:
    root = Path.cwd()
    if args.command == "build":
        from cnnbook.build import build

        build(args.profile, root, progress=not args.no_progress, networks=args.network, book=args.book)
    elif args.command == "train":
        _train(args.network, args.profile, root)
    elif args.command == "info":
        _info(root)
    elif args.command == "serve":
        from cnnbook.serve import serve

        serve(args.profile, root, args.addr)
    elif args.command == "new-chapter":
        from cnnbook.pages.source import new_chapter

        print(f"wrote {new_chapter(Path(args.book), args.name)}")
    elif args.command == "clean":
        _clean(root / "build")
    return 0


def _clean(build: Path) -> None:
    """Remove build/, saying what happened (nothing to remove is not an error)."""
    from cnnbook.errors import BuildError

    if not build.exists() and not build.is_symlink():
        print(f"nothing to remove: {build} does not exist")
        return
    if not build.is_dir() or build.is_symlink():
        raise BuildError(f"{build} is not a folder that a build made; remove it yourself if you mean to")
    from cnnbook.build import Paths, build_lock

    with build_lock(Paths(build.parent)):  # never under a running build: it waits for the build to end
        shutil.rmtree(build)
    print(f"removed {build}")


def _train(name: str, profile_name: str, root: Path) -> None:
    from cnnbook.build import Paths
    from cnnbook.models import registry
    from cnnbook.profiles import get_profile
    from cnnbook.trained import ensure_trained

    from cnnbook.build import build_lock

    spec, profile = registry.get(name), get_profile(profile_name)
    with build_lock(Paths(root)):  # the cache is shared with builds: one writer at a time
        t = ensure_trained(spec, profile, Paths(root).cache)
    m = t.metrics
    if not spec.trained:
        print(f"{name}: {m['params']:,} parameters, never trained (the seeded random weights) → {t.cache_dir}")
        return
    print(f"{name}: {m['params']:,} parameters, test accuracy {m['test_accuracy']:.4f}, "
          f"{m['train_seconds']:.1f} s ({'cached' if t.cache_hit else 'trained now'}) → {t.cache_dir}")


def _info(root: Path) -> None:
    from cnnbook.data.locations import data_dir, offline
    from cnnbook.models import build_model, count_params, registry

    print(f"data dir: {data_dir()}  (CNNBOOK_DATA_DIR; offline: {'yes' if offline() else 'no'})")
    print(f"build dir: {root / 'build'}")
    print("profiles: " + "; ".join(f"{p.name} ({p.description})" for p in PROFILES.values()))
    print("networks:")
    for name in registry.names():
        spec = registry.get(name)
        print(f"  {name:<12} {count_params(build_model(name)):>10,} params  {spec.dataset or 'no dataset':<14} {spec.title}")
