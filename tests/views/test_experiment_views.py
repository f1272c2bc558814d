"""An experiment's runs summarised per variant."""

import pytest

from cnnbook.views import experiments


RESULT = {"seeds": [0, 1, 2], "variants": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}],
          "runs": [{"variant": "a", "seed": s, "params": 10, "test_accuracy": acc} for s, acc in
                   zip([0, 1, 2], [0.9, 0.92, 0.94])] +
                  [{"variant": "b", "seed": s, "params": 20, "test_accuracy": 0.95} for s in [0, 1, 2]]}


def test_summary_means_and_spreads():
    a, b = experiments.summarize(RESULT)
    assert a["mean"] == pytest.approx(0.92) and a["spread"] == pytest.approx(0.04)
    assert a["sd"] == pytest.approx(0.02) and b["sd"] == 0.0 and b["params"] == 20


def test_table_has_a_column_per_seed_and_the_timing_placeholder():
    table = experiments.experiment_table(RESULT, lambda key: f"<{key}>")
    assert table.headers == ["Variant", "Parameters", "seed 0", "seed 1", "seed 2", "Mean ± sd",
                             "Training s / epoch"]
    assert table.rows[0] == ["A", "10", "0.9000", "0.9200", "0.9400", "0.9200 ± 0.0200", "<a>"]
