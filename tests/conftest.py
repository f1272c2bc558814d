"""Shared fixtures: a whole smoke build of the book in a temporary project folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def make_project(root: Path, book: Path | None = None) -> Path:
    """A project folder with the repo's mkdocs.yml and chapters (or `book`), building into root/build."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(book or REPO / "book", root / "book")
    os.symlink(REPO / "cnnbook", root / "cnnbook")  # mkdocs.yml names its hooks file by path
    return root


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory):
    """One cold smoke build of the whole book: (project root, report)."""
    from cnnbook.build import build

    root = make_project(tmp_path_factory.mktemp("smoke") / "project")
    report = build("smoke", root, progress=False)
    return root, report
