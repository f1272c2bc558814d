"""Training and its cache: a hit reloads identical weights; a corrupt entry is retrained."""

import numpy as np

from cnnbook import cache
from cnnbook.models import get
from cnnbook.profiles import get_profile
from cnnbook.trained import STATE, ensure_trained


def test_train_then_hit_then_corrupt_entry_is_retrained(tmp_path, capsys):
    spec, smoke = get("mnist_dense"), get_profile("smoke")
    first = ensure_trained(spec, smoke, tmp_path, progress=False)
    assert not first.cache_hit
    assert first.metrics["test_accuracy"] > 0.5  # synthetic classes are learnable: far above 0.1
    assert len(first.metrics["history"]["test_accuracy"]) == spec.config("smoke").epochs

    second = ensure_trained(spec, smoke, tmp_path, progress=False)
    assert second.cache_hit and second.cache_dir == first.cache_dir
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(first.model(x)), np.asarray(second.model(x)))

    state = first.cache_dir / STATE
    state.write_bytes(state.read_bytes()[:-10] + b"0123456789")
    third = ensure_trained(spec, smoke, tmp_path, progress=False)
    assert not third.cache_hit
    assert "corrupt cache entry" in capsys.readouterr().err
    cache.read_entry(third.cache_dir)  # the rebuilt entry is whole again
    np.testing.assert_array_equal(np.asarray(first.model(x)), np.asarray(third.model(x)))  # fixed seeds


def test_cache_key_changes_with_the_settings():
    from cnnbook.trained import describe

    spec = get("mnist_keras")
    smoke, default = describe(spec, get_profile("smoke")), describe(spec, get_profile("default"))
    assert cache.content_key(smoke) != cache.content_key(default)
    assert smoke["data_checksum"] != default["data_checksum"]


def test_a_build_killed_during_training_leaves_nothing_and_the_next_one_trains(tmp_path, monkeypatch):
    import cnnbook.train

    spec, smoke = get("mnist_dense"), get_profile("smoke")
    real = cnnbook.train.train_and_evaluate

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # what Ctrl-C (or a dying CI job) does half-way through an epoch

    monkeypatch.setattr(cnnbook.train, "train_and_evaluate", killed)
    try:
        ensure_trained(spec, smoke, tmp_path, progress=False)
    except KeyboardInterrupt:
        pass
    assert list(tmp_path.iterdir()) == []  # no entry, not even a partial one

    monkeypatch.setattr(cnnbook.train, "train_and_evaluate", real)
    again = ensure_trained(spec, smoke, tmp_path, progress=False)
    assert not again.cache_hit and cache.is_complete(again.cache_dir)


def test_an_entry_whose_weights_do_not_fit_the_model_is_retrained(tmp_path, capsys):
    from safetensors.numpy import save as save_tensors

    from cnnbook.trained import CONFIG, EVAL, METRICS

    spec, smoke = get("mnist_dense"), get_profile("smoke")
    first = ensure_trained(spec, smoke, tmp_path, progress=False)
    files = cache.read_entry(first.cache_dir)
    files.pop("manifest.json", None)
    files[STATE] = save_tensors({"dense.kernel": np.zeros((3, 3), np.float32)})  # whole, but not this network's
    cache.write_entry(first.cache_dir, {k: files[k] for k in (STATE, EVAL, CONFIG, METRICS)})
    again = ensure_trained(spec, smoke, tmp_path, progress=False)
    assert not again.cache_hit and "do not fit mnist_dense" in capsys.readouterr().err
