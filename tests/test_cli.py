"""The command line: help for every command, clear errors with a non-zero exit."""

import pytest

from cnnbook.cli import main


@pytest.mark.parametrize("command", [[], ["build"], ["train"], ["info"], ["serve"], ["clean"]])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: cnnbook" in capsys.readouterr().out


def test_unknown_profile_exits_2_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--profile", "quick"]) == 2
    assert "unknown profile 'quick'" in capsys.readouterr().err


def test_unknown_network_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "lenet5", "--profile", "smoke"]) == 2
    assert "unknown network 'lenet5'" in capsys.readouterr().err


def test_missing_data_offline_exits_2_and_names_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    assert main(["build", "--profile", "default"]) == 2
    err = capsys.readouterr().err
    # the datasets are checked in name order: Fashion-MNIST (AlexNet's) is the first one missing
    assert "train-images-idx3-ubyte.gz" in err and str(tmp_path / "data" / "fashion-mnist") in err
    assert not (tmp_path / "build" / "site").exists()


def test_info_lists_networks(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "mnist_keras" in out and "93,322" in out


def test_clean_says_when_there_was_nothing_to_remove(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["clean"]) == 0
    assert capsys.readouterr().out.startswith("nothing to remove:")
    (tmp_path / "build" / "docs").mkdir(parents=True)
    assert main(["clean"]) == 0
    assert capsys.readouterr().out.startswith("removed ") and not (tmp_path / "build").exists()


def test_info_into_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    # `cnnbook info | head -1`: the reader leaves after one line.
    with subprocess.Popen([sys.executable, "-m", "cnnbook", "info"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=tmp_path) as info:
        info.stdout.close()  # gone before the first line is written
        err = info.stderr.read().decode()
        assert info.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_serve_on_a_taken_port_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import socket

    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--profile", "smoke", "--addr", f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and f"--addr 127.0.0.1:{port + 1}" in err
    assert not (tmp_path / "build").exists()  # refused before building anything
    assert main(["serve", "--addr", "localhost"]) == 2
    assert "--addr 'localhost' is not HOST:PORT" in capsys.readouterr().err


def test_a_build_folder_that_is_a_file_or_read_only_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import os

    monkeypatch.chdir(tmp_path)
    (tmp_path / "build").write_text("not a folder")
    assert main(["build", "--profile", "smoke"]) == 2
    assert f"{tmp_path / 'build'} is a file, not a folder" in capsys.readouterr().err
    (tmp_path / "build").unlink()
    (tmp_path / "build").mkdir()
    (tmp_path / "build").chmod(0o555)
    try:
        if os.access(tmp_path / "build", os.W_OK):  # root ignores permissions: make it a mount-like failure
            monkeypatch.setattr("builtins.open", _refuse_writes(open))
        assert main(["build", "--profile", "smoke"]) == 2
        assert f"cannot write to {tmp_path / 'build'}" in capsys.readouterr().err
    finally:
        (tmp_path / "build").chmod(0o755)


def _refuse_writes(real_open):
    def fake(path, mode="r", *args, **kwargs):
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, mode, *args, **kwargs)

    return fake


def test_sigterm_to_serve_stops_its_mkdocs_child(tmp_path):
    import signal
    import socket
    import subprocess
    import sys
    import time

    from conftest import make_project

    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# Home\n")
    root = make_project(tmp_path / "p", book=book)
    (root / "build" / "docs").mkdir(parents=True)
    (root / "build" / "docs" / "index.md").write_text("# Home\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The preview without its first build (already done): only the server and its child matter here.
    code = ("import cnnbook.serve as s, pathlib\ns.build = lambda *a, **k: None\n"
            f"s.serve('smoke', pathlib.Path({str(root)!r}), addr='127.0.0.1:{port}')")
    with subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as serving:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert serving.poll() is None and time.monotonic() < deadline, "mkdocs serve never came up"
            time.sleep(0.2)
        serving.send_signal(signal.SIGTERM)
        serving.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _listening(port), "the mkdocs child outlived `cnnbook serve` and still holds the port"


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_huge_pages_join_the_tunables_already_set_once():
    from cnnbook.hugepages import SWITCH, TUNABLE, environment_with_huge_pages

    if environment_with_huge_pages({}) is None:
        pytest.skip("glibc's malloc tunables exist on Linux with glibc only")
    assert environment_with_huge_pages({"HOME": "/h"}) == {"HOME": "/h", "GLIBC_TUNABLES": TUNABLE}
    joined = environment_with_huge_pages({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert joined["GLIBC_TUNABLES"] == f"glibc.malloc.arena_max=2:{TUNABLE}"
    assert environment_with_huge_pages(joined) is None  # the restarted process goes on
    assert environment_with_huge_pages({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"}) is None  # the user's choice
    assert environment_with_huge_pages({SWITCH: "0"}) is None


@pytest.mark.parametrize("command", [["train", "lenet"], ["build", "--profile", "smoke"]])
def test_commands_that_train_restart_once_on_huge_pages(command, monkeypatch):
    import os
    import sys

    from cnnbook.hugepages import TUNABLE, environment_with_huge_pages

    if environment_with_huge_pages({}) is None:
        pytest.skip("glibc's malloc tunables exist on Linux with glibc only")
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.delenv("CNNBOOK_HUGE_PAGES", raising=False)
    monkeypatch.setattr(sys, "argv", ["cnnbook", *command])
    monkeypatch.setattr(sys, "orig_argv", [sys.executable, "/venv/bin/cnnbook", *command])

    class Restarted(Exception):
        pass

    def execve(path, args, env):
        raise Restarted(path, args, env)

    monkeypatch.setattr(os, "execve", execve)
    with pytest.raises(Restarted) as restarted:
        main()
    path, args, env = restarted.value.args
    assert (path, args) == (sys.executable, [sys.executable, "/venv/bin/cnnbook", *command])
    assert env["GLIBC_TUNABLES"] == TUNABLE
    from cnnbook.cli import TRAINING_COMMANDS

    assert "info" not in TRAINING_COMMANDS and "clean" not in TRAINING_COMMANDS
