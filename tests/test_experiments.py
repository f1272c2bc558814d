"""Experiments: run through the training cache, by the build and by a notebook outside a build."""

import json

from cnnbook import experiments
from cnnbook.manifests import RESULTS_FILE
from cnnbook.models.mnist_dense import MnistDense


def _tiny(monkeypatch):
    tiny = experiments.Experiment(
        name="tiny", base="mnist_dense",
        variants=(experiments.Variant("dense", "the dense baseline", MnistDense),),
        seeds=(0, 1), train_samples={"smoke": 200, "default": 200, "full": 200}, epochs={"smoke": 1, "default": 1,
                                                                                         "full": 1})
    monkeypatch.setitem(experiments.EXPERIMENTS, "tiny", tiny)
    return tiny


def test_an_experiment_outside_a_build_runs_once_into_the_user_cache(tmp_path, monkeypatch, capsys):
    from cnnbook import book

    _tiny(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CNNBOOK_BUILD_DIR", raising=False)
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    monkeypatch.setenv("CNNBOOK_CACHE_DIR", str(tmp_path / "cache"))
    result = book.experiment("tiny")
    assert [r["seed"] for r in result["runs"]] == [0, 1]
    assert all(r["train_samples"] == 200 and r["params"] == 407_050 for r in result["runs"])
    assert result["runs"][0]["test_accuracy"] != result["runs"][1]["test_accuracy"]  # two seeds, two networks
    assert result["recipe"] == {"optimizer": "rmsprop", "learning_rate": 1e-3, "batch_size": 128, "schedule": None}
    assert "running the experiment tiny once" in capsys.readouterr().out
    stored = json.loads((tmp_path / "cache" / "smoke" / "build" / RESULTS_FILE).read_text())
    assert stored["tiny"] == result
    again = book.experiment("tiny")  # now read back, not run
    assert again == result and "running the experiment" not in capsys.readouterr().out
    table = book.experiment_table("tiny")
    assert table.rows[0][-1] == "{{report.experiments.tiny.dense.seconds_per_epoch}}"


def test_an_unknown_experiment_names_the_known_ones():
    import pytest

    from cnnbook.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="one_more_conv"):
        experiments.get("nope")


def test_a_changed_experiment_is_run_again_outside_a_build(tmp_path, monkeypatch, capsys):
    import dataclasses

    from cnnbook import book

    tiny = _tiny(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CNNBOOK_BUILD_DIR", raising=False)
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    monkeypatch.setenv("CNNBOOK_CACHE_DIR", str(tmp_path / "cache"))
    assert len(book.experiment("tiny")["runs"]) == 2
    monkeypatch.setitem(experiments.EXPERIMENTS, "tiny", dataclasses.replace(tiny, seeds=(0, 1, 2)))
    capsys.readouterr()
    assert len(book.experiment("tiny")["runs"]) == 3  # one more seed: run again, seeds 0 and 1 from the cache
    assert "running the experiment tiny once" in capsys.readouterr().out


def test_a_changed_recipe_changes_the_experiments_definition(monkeypatch):
    import dataclasses

    from cnnbook.models import registry
    from cnnbook.profiles import get_profile

    experiment, profile = experiments.get("one_more_conv"), get_profile("smoke")
    before = experiments.definition(experiment, profile)
    base = registry.get(experiment.base)
    slower = dataclasses.replace(base.config("smoke"), learning_rate=base.config("smoke").learning_rate / 2)
    changed = dataclasses.replace(base, train={**base.train, "smoke": slower})
    get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: changed if name == experiment.base else get(name))
    assert experiments.definition(experiment, profile) != before


def test_the_experiment_runs_at_a_constant_rate_whatever_its_base_networks_schedule():
    from cnnbook.models import registry
    from cnnbook.profiles import get_profile

    experiment = experiments.get("one_more_conv")
    assert registry.get(experiment.base).config("default").schedule == "cosine"
    run = experiments.variant_spec(experiment, experiment.variants[1], get_profile("default"), 0).config("default")
    assert run.schedule is None and not run.test_every_epoch and run.optimizer == "adam"
