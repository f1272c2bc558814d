"""Tests for cnnbook.data.download: verified, atomic downloads from a list of mirrors."""

import hashlib
import socket

import pytest

from cnnbook.data import download
from cnnbook.data.download import fetch, sha256_file
from cnnbook.errors import DataError

PAYLOAD = b"pretend this is a gzipped IDX file\n" * 1000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture(autouse=True)
def online(monkeypatch):
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)


@pytest.fixture
def dest(tmp_path):
    """Where the file should end up: a fresh folder, so leftovers are easy to spot."""
    return tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz"


def mirror_file(tmp_path, data=PAYLOAD):
    """A file:// URL serving `data`."""
    path = tmp_path / "mirror" / "train-images-idx3-ubyte.gz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path.as_uri()


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/x.gz"


def test_sha256_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(PAYLOAD)
    assert sha256_file(path) == PAYLOAD_SHA


def test_existing_good_file_is_kept_without_network(dest):
    dest.parent.mkdir(parents=True)
    dest.write_bytes(PAYLOAD)
    assert fetch(["http://invalid.invalid/never-used"], dest, PAYLOAD_SHA) == dest
    assert dest.read_bytes() == PAYLOAD


def test_existing_bad_file_offline_names_both_hashes(monkeypatch, dest):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"damaged")
    actual = hashlib.sha256(b"damaged").hexdigest()
    with pytest.raises(DataError) as info:
        fetch(["http://invalid.invalid/x"], dest, PAYLOAD_SHA)
    message = str(info.value)
    assert str(dest) in message and PAYLOAD_SHA in message and actual in message
    assert "Delete" in message
    assert dest.read_bytes() == b"damaged"  # offline: the user's file is not touched


def test_existing_bad_file_online_is_replaced(tmp_path, dest):
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"damaged")
    fetch([mirror_file(tmp_path)], dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


def test_missing_offline_names_path_and_source(monkeypatch, dest):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    url = "https://example.org/mnist/train-images-idx3-ubyte.gz"
    with pytest.raises(DataError) as info:
        fetch([url], dest, PAYLOAD_SHA)
    message = str(info.value)
    assert str(dest) in message and url in message and "CNNBOOK_DATA_DIR" in message
    assert not dest.parent.exists()  # offline: nothing created


def test_file_url_download(tmp_path, dest):
    assert fetch([mirror_file(tmp_path)], dest, PAYLOAD_SHA, desc="test") == dest
    assert dest.read_bytes() == PAYLOAD
    assert list(dest.parent.iterdir()) == [dest]  # the temporary file was renamed, not copied


def test_http_download_falls_through_to_working_mirror(server, dest):
    srv, base = server
    srv.files["/good/train-images-idx3-ubyte.gz"] = PAYLOAD
    name = "train-images-idx3-ubyte.gz"
    urls = [closed_port_url(), base + "missing/" + name, base + "good/" + name]
    fetch(urls, dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD
    assert list(dest.parent.iterdir()) == [dest]


def test_mirror_with_wrong_bytes_leaves_nothing(server, dest):
    srv, base = server
    srv.files["/bad.gz"] = b"these are not the bytes you are looking for"
    wrong = hashlib.sha256(srv.files["/bad.gz"]).hexdigest()
    with pytest.raises(DataError) as info:
        fetch([base + "bad.gz"], dest, PAYLOAD_SHA)
    message = str(info.value)
    assert base + "bad.gz" in message and wrong in message and PAYLOAD_SHA in message
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no .part file either


def test_all_mirrors_failing_lists_what_was_tried(server, dest):
    _, base = server
    urls = [base + "nope.gz", closed_port_url()]
    with pytest.raises(DataError) as info:
        fetch(urls, dest, PAYLOAD_SHA)
    message = str(info.value)
    assert all(url in message for url in urls) and str(dest) in message
    assert list(dest.parent.iterdir()) == []


def test_unknown_scheme_is_a_failed_mirror(tmp_path, dest):
    fetch(["nonsense://x", mirror_file(tmp_path)], dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD


def test_interrupt_removes_temporary_file(monkeypatch, dest):
    class Response:
        headers = {"Content-Length": "100"}
        calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, size):
            Response.calls += 1
            if Response.calls > 1:
                raise KeyboardInterrupt  # Ctrl-C in the middle of a download
            return b"x" * 50

    monkeypatch.setattr(download.urllib.request, "urlopen", lambda *a, **k: Response())
    with pytest.raises(KeyboardInterrupt):
        fetch(["http://example.invalid/x.gz"], dest, PAYLOAD_SHA)
    assert list(dest.parent.iterdir()) == []
