"""Captures begun while the next networks train: in a worker process of the lowest priority."""

import json
import multiprocessing
import os
import shutil

import pytest

from cnnbook import build as b
from cnnbook import cache
from cnnbook.profiles import get_profile


def _policy_after(set_priority) -> int:
    set_priority()
    return os.sched_getscheduler(0)


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_a_capture_worker_runs_only_on_idle_cores():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_policy_after, (b._lowest_priority,)) == os.SCHED_IDLE


def test_only_a_real_profile_captures_while_training():
    assert b.EarlyCaptures.enabled(get_profile("default"))
    assert not b.EarlyCaptures.enabled(get_profile("smoke"))


def test_a_capture_begun_while_training_is_the_one_the_capture_stage_writes(tmp_path, monkeypatch):
    profile, nets = get_profile("smoke"), ["mnist_dense"]
    paths = b.Paths(tmp_path)
    checksums = b.stage_data(profile, nets)
    monkeypatch.setattr(b.EarlyCaptures, "enabled", staticmethod(lambda profile: True))
    timer = b.Timer()
    with b.EarlyCaptures(profile, paths, checksums) as early:
        with timer.stage("train"):
            trained = b.stage_train(profile, nets, paths, checksums, False, timer, after_each=early)
        assert set(early.jobs) == {"mnist_dense"}  # queued as soon as it was trained
        with timer.stage("capture"):
            captured = b.stage_capture(profile, trained, paths, timer, early=early.jobs)
    assert list(timer.details["capture"]) == ["mnist_dense (begun while training)"]
    manifest = json.loads((paths.build / "captured.json").read_text())
    assert manifest["networks"]["mnist_dense"]["capture"] == str(captured["mnist_dense"].relative_to(paths.build))
    in_worker = cache.read_entry(captured["mnist_dense"])  # complete, every checksum right

    # The capture stage alone, in this process, writes the same entry (a trained network: no early one).
    shutil.rmtree(paths.capture)
    again = b.stage_capture(profile, trained, paths)
    assert again["mnist_dense"] == captured["mnist_dense"]
    here = cache.read_entry(again["mnist_dense"])
    assert sorted(here) == sorted(in_worker)
    assert json.loads(here["network.json"]) == json.loads(in_worker["network.json"])


def test_a_network_found_in_the_cache_is_captured_by_the_capture_stage(tmp_path, monkeypatch):
    profile, nets = get_profile("smoke"), ["mnist_dense"]
    paths = b.Paths(tmp_path)
    checksums = b.stage_data(profile, nets)
    b.stage_train(profile, nets, paths, checksums, False)
    monkeypatch.setattr(b.EarlyCaptures, "enabled", staticmethod(lambda profile: True))
    with b.EarlyCaptures(profile, paths, checksums) as early:
        b.stage_train(profile, nets, paths, checksums, False, after_each=early)
        assert early.jobs == {} and early._pool is None  # nothing new to capture: no worker started
