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
    assert "train-images-idx3-ubyte.gz" in err and str(tmp_path / "data" / "mnist") in err
    assert not (tmp_path / "build" / "site").exists()


def test_info_lists_networks(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "mnist_keras" in out and "93,322" in out
