"""Tests for cnnbook.data.locations: where data lives and the offline switch."""

from pathlib import Path

import pytest

from cnnbook.data.locations import data_dir, dataset_dir, offline


def test_data_dir_prefers_cnnbook_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "/elsewhere")
    assert data_dir() == tmp_path
    assert dataset_dir("mnist") == tmp_path / "mnist"


def test_data_dir_falls_back_to_xdg_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNBOOK_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_dir() == tmp_path / "cnnbook"


def test_data_dir_defaults_to_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNBOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir() == Path(tmp_path) / ".cache" / "cnnbook"


@pytest.mark.parametrize("value", ["1", "true", "yes", "TRUE", " Yes ", "on", "ON", "y"])
def test_offline_true(monkeypatch, value):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    assert offline()


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "OFF", "n"])
def test_offline_false(monkeypatch, value):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    assert not offline()


def test_offline_unset(monkeypatch):
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    assert not offline()


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "offline"])
def test_offline_refuses_what_is_neither_yes_nor_no(monkeypatch, value):
    from cnnbook.errors import DataError

    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    with pytest.raises(DataError, match=f"CNNBOOK_OFFLINE='{value}' is neither on nor off: set it to 1"):
        offline()
