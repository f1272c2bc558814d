"""The package on its own: a wheel installed into a fresh venv builds a book from any folder."""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import REPO


def test_a_wheel_in_a_fresh_venv_builds_a_one_chapter_book(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNNBOOK_BUILD_DIR")}
    # The wheel, as `make dist` makes it.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--wheel-dir", str(tmp_path / "dist"), str(REPO)], env=env, check=True)
    (wheel,) = (tmp_path / "dist").glob("cnnbook-*.whl")

    # A fresh venv. Its dependencies are this environment's (no downloads in a test); cnnbook is the wheel's.
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               env=env, capture_output=True, text=True, check=True).stdout.strip())
    deps = tmp_path / "deps"  # this environment's packages, less its own (editable) cnnbook
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.lower().startswith(("cnnbook", "__editable__")) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "deps.pth").write_text(f"{deps}\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", str(wheel)], env=env, check=True)

    project = tmp_path / "somewhere"  # no repository here: only chapter sources
    project.mkdir()
    where = subprocess.run([python, "-c", "import cnnbook; print(cnnbook.__file__)"], cwd=project, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(fresh))  # the installed package, not the checkout
    cnnbook = fresh / "bin" / "cnnbook"
    made = subprocess.run([cnnbook, "new-chapter", "first steps", "--book", "chapters"], cwd=project, env=env,
                          capture_output=True, text=True, check=True).stdout
    assert made.strip() == "wrote chapters/01-first-steps.md"
    built = subprocess.run([cnnbook, "build", "--profile", "smoke", "--no-progress", "--book", "chapters",
                            "--network", "mnist_keras"], cwd=project, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    site_dir = project / "build" / "site"
    page = (site_dir / "01-first-steps.html").read_text()
    assert "93,322" in page and "<table" in page  # the cells ran: the parameter count and the summary table
    assert (site_dir / "atlas" / "mnist_keras.html").is_file()
    assert (site_dir / "assets" / "iframe-worker" / "shim.js").is_file()
