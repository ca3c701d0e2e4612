"""Faults injected into `nasx run` (stub, the small set of tests/small_set.py): Ctrl-C during start-up, and kill -9 at
seeded random times followed by a rerun. NASX_FAULT_TRIALS=50 runs more kill -9 trials (CI runs one; a new seed each time with NASX_FAULT_SEED)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from nasx.layout import RunDirectory
from tests.workflows.test_resume import assert_resumed_equals, command

TRIALS = int(
    os.environ.get("NASX_FAULT_TRIALS", "1")
)  # one per CI run; test_resume kills at fixed points
SEED = int(os.environ.get("NASX_FAULT_SEED", "11"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, small_cifs) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    subprocess.run(command(out, small_cifs), check=True, capture_output=True)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.3, 0.6])  # start-up lasts about 1 s
def test_ctrl_c_during_start_up_is_one_line_and_changes_nothing(delay_s, tmp_path, small_cifs):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        command(out, small_cifs), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err == "nasx: interrupted before the first job; nothing was changed\n"
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_kill_9_at_a_seeded_random_time_then_resume(trial, tmp_path, small_cifs, uninterrupted):
    """Killed after a random number of finished jobs (0 = during start-up), then run again:
    results.json byte-identical, no finished job recomputed (journal.jsonl)."""
    total = len(RunDirectory(uninterrupted).journal_entries())
    finished = random.Random(SEED * 1000 + trial).randrange(0, total - 1)
    out = tmp_path / "run"
    proc = subprocess.Popen(
        command(out, small_cifs), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while len(RunDirectory(out).journal_entries()) < finished and proc.poll() is None:
        assert time.time() < deadline
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert_resumed_equals(out, uninterrupted, small_cifs)
