"""Interrupt a run (kill -9, Ctrl-C) and start it again: nothing finished is lost or recomputed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nasx.layout import RunDirectory
from tests.small_set import MIN_LENGTH


def command(out: Path, structures: Path, workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "nasx",
        "run",
        "--calculator",
        "stub",
        "--out",
        str(out),
        "--quiet",
        "--workers",
        str(workers),
        "--structures",
        str(structures),
        *MIN_LENGTH,
    ]


def start_and_stop_after(
    out: Path, structures: Path, finished_jobs: int, sig: int, workers: int = 1
) -> subprocess.CompletedProcess:
    """Start a run and send ``sig`` to it once the journal shows ``finished_jobs`` jobs."""
    proc = subprocess.Popen(
        command(out, structures, workers), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while len(RunDirectory(out).journal_entries()) < finished_jobs:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, small_cifs) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    subprocess.run(command(out, small_cifs), check=True, capture_output=True)
    return out


def assert_resumed_equals(out: Path, reference: Path, structures: Path, workers: int = 1) -> None:
    resumed = subprocess.run(command(out, structures, workers), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "results.json").read_text() == (reference / "results.json").read_text().replace(
        str(reference), str(out)
    )
    journal = RunDirectory(out).journal_entries()
    # the analysis is redone by design whenever a finished run is started again
    computed = [e["job"] for e in journal if e["computed"] and e["job"] != "analysis"]
    assert len(computed) == len(set(computed)), "a finished job was computed again"
    expected = {
        e["job"]
        for e in RunDirectory(reference).journal_entries()
        if e["computed"] and e["job"] != "analysis"
    }
    assert set(computed) == expected
    assert journal[-1]["job"] == "analysis" and journal[-1]["computed"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_then_resume(tmp_path, small_cifs, uninterrupted, workers):
    out = tmp_path / "run"
    killed = start_and_stop_after(out, small_cifs, 8, signal.SIGKILL, workers=workers)
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "results.json").exists()
    assert_resumed_equals(out, uninterrupted, small_cifs, workers)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_then_resume(tmp_path, small_cifs, uninterrupted, workers):
    out = tmp_path / "run"
    stopped = start_and_stop_after(out, small_cifs, 5, signal.SIGINT, workers=workers)
    assert stopped.returncode == 130
    assert "Run the same command again to resume" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert_resumed_equals(out, uninterrupted, small_cifs, workers)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_second_run_on_the_same_directory_is_refused(tmp_path, small_cifs, workers):
    out = tmp_path / "run"
    first = subprocess.Popen(
        command(out, small_cifs, workers), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.time() + 60
        while not RunDirectory(out).journal_entries():
            assert time.time() < deadline and first.poll() is None
            time.sleep(0.02)
        second = subprocess.run(
            command(out, small_cifs, 2), capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2
        assert f"another nasx run (pid {first.pid}) is using this directory" in second.stderr
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
