"""The run directory's lock: one nasx process per directory, and no run.lock left behind."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nasx.workflows.launchpad import LOCK_NAME, RunDirectoryBusy, lock_run_directory
from nasx.workflows.status import owner_of


def test_a_finished_run_leaves_no_lock_file(stub_run):
    assert not (stub_run / LOCK_NAME).exists()


def test_the_lock_refuses_a_second_owner_and_goes_with_the_first(tmp_path):
    with lock_run_directory(tmp_path) as lock:
        assert (tmp_path / LOCK_NAME).read_text() == str(__import__("os").getpid())
        with pytest.raises(RunDirectoryBusy, match="another nasx run"):
            lock_run_directory(tmp_path)
    assert not (tmp_path / LOCK_NAME).exists()
    lock.close()  # twice is harmless
    with lock_run_directory(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()


def test_a_lock_file_left_by_a_killed_run_blocks_nothing(tmp_path):
    script = (
        "import os, sys; from pathlib import Path; "
        "from nasx.workflows.launchpad import lock_run_directory; "
        "lock_run_directory(Path(sys.argv[1])); os._exit(9)"  # as kill -9: no close
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert (tmp_path / LOCK_NAME).exists()
    assert owner_of(tmp_path / LOCK_NAME) is None
    with lock_run_directory(tmp_path):
        assert owner_of(tmp_path / LOCK_NAME) is not None
    assert owner_of(tmp_path / LOCK_NAME) is None
