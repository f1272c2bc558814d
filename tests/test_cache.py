"""Cache entries: atomic writes, corrupt entries detected, leftovers of killed builds removed."""

import json
import sys

import pytest

from cnnbook import cache


def test_write_and_read_back(tmp_path):
    where = cache.write_entry(tmp_path / "net-abc", {"a.bin": b"123", "config.json": b"{}"})
    assert cache.is_complete(where)
    assert cache.read_entry(where) == {"a.bin": b"123", "config.json": b"{}"}


def test_a_changed_file_is_corrupt(tmp_path):
    where = cache.write_entry(tmp_path / "net-abc", {"a.bin": b"123"})
    (where / "a.bin").write_bytes(b"124")
    with pytest.raises(cache.CorruptCacheError, match="a.bin"):
        cache.read_entry(where)


def test_a_missing_or_unreadable_manifest_is_corrupt(tmp_path):
    where = cache.write_entry(tmp_path / "net-abc", {"a.bin": b"123"})
    (where / cache.MANIFEST).write_text("{not json")
    with pytest.raises(cache.CorruptCacheError):
        cache.read_entry(where)


def test_interrupted_write_leaves_nothing(tmp_path):
    class Boom(dict):
        def items(self):
            yield "a.bin", b"1"
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.write_entry(tmp_path / "net-abc", Boom())
    assert list(tmp_path.iterdir()) == []


def test_partial_entries_of_killed_builds_are_removed(tmp_path):
    (tmp_path / ".tmp-123").mkdir()
    (tmp_path / ".tmp-123" / "state.safetensors").write_bytes(b"half")
    keep = cache.write_entry(tmp_path / "net-abc", {"a.bin": b"1"})
    assert cache.remove_partial(tmp_path) == [tmp_path / ".tmp-123"]
    assert list(tmp_path.iterdir()) == [keep]


def test_content_key_depends_on_every_part():
    base = {"code": "x", "config": {"lr": 0.001}, "data": "abc"}
    assert cache.content_key(base) == cache.content_key(json.loads(json.dumps(base)))
    for change in ({"code": "y"}, {"config": {"lr": 0.01}}, {"data": "abd"}):
        assert cache.content_key({**base, **change}) != cache.content_key(base)


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "report.json"
    cache.atomic_write(target, "first")
    cache.atomic_write(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_the_machine_names_the_accelerator_jax_computes_on(monkeypatch):
    import types

    import jax

    assert jax.default_backend() == "cpu" and "accelerator" not in cache.machine()  # these machines have none
    gpu = types.SimpleNamespace(default_backend=lambda: "gpu",
                                devices=lambda: [types.SimpleNamespace(device_kind="NVIDIA H200")])
    monkeypatch.setitem(sys.modules, "jax", gpu)
    machine = cache.machine()
    assert machine["accelerator"] == "NVIDIA H200" and machine["cpu"]  # the host is still named


def test_a_network_trained_on_an_accelerator_says_so():
    import types

    from cnnbook.views.summary import trained_on

    cpu = {"cpu": "Intel(R) Xeon(R) Processor", "vector_isa": "AVX-512"}
    assert trained_on(types.SimpleNamespace(config={"machine": cpu})) == "Intel(R) Xeon(R) Processor (AVX-512)"
    gpu = types.SimpleNamespace(config={"machine": {**cpu, "accelerator": "NVIDIA H200"}})
    assert trained_on(gpu) == "NVIDIA H200, on a host with Intel(R) Xeon(R) Processor (AVX-512)"
    assert trained_on(types.SimpleNamespace(config={})) == "not recorded"
