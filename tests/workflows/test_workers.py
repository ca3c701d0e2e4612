"""``nasx run --workers N``: the same results as one worker, jobs spread over N processes that
each load their model once, a killed worker's job put back, the option checked before any job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nasx.cli import main
from nasx.layout import MODELS_DIR, RunDirectory
from nasx.workflows.launchpad import open_launchpad
from tests.small_set import MIN_LENGTH


def argv(structures: Path, out: Path, workers: int) -> list[str]:
    return [
        "run", "--calculator", "stub", "--structures", str(structures), *MIN_LENGTH,
        "--out", str(out), "--quiet", "--workers", str(workers),
    ]  # fmt: skip


def normalised(out: Path) -> str:
    return (out / "results.json").read_text().replace(str(out), "RUN")


@pytest.fixture(scope="module")
def cifs(small_cifs) -> Path:
    return small_cifs


@pytest.fixture(scope="module")
def one_worker(stub_committee) -> Path:
    """The one-worker stub run of the small set: the committee's (the same run, which
    test_committee.py needs anyway; its results.json is the same byte for byte)."""
    return stub_committee / MODELS_DIR / "stub"


@pytest.mark.slow
def test_two_workers_give_the_one_worker_results_byte_for_byte(one_worker, cifs, tmp_path):
    out = tmp_path / "run"
    assert main(argv(cifs, out, 2)) == 0
    assert normalised(out) == normalised(one_worker)
    journal = RunDirectory(out).journal_entries()
    assert len(journal) == len(RunDirectory(one_worker).journal_entries())
    assert all(e["computed"] for e in journal)
    pids = {e["pid"] for e in journal}
    # jobs ran in at most two worker processes, never in this one: each process (and the
    # model it caches, chgnet_r2scan._model) serves many jobs
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert open_launchpad(out).fireworks.distinct("state") == ["COMPLETED"]


@pytest.mark.slow
def test_a_killed_worker_has_its_job_put_back_and_is_replaced(one_worker, cifs, tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "nasx", *argv(cifs, out, 2)]
    owner = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(RunDirectory(out).journal_entries()) < 3:
        assert owner.poll() is None and time.time() < deadline
        time.sleep(0.02)
    worker = next(p for p in _children(owner.pid) if p != owner.pid)
    os.kill(worker, signal.SIGKILL)
    _, stderr = owner.communicate(timeout=120)
    assert owner.returncode == 0, stderr
    assert normalised(out) == normalised(one_worker)
    computed = [e["job"] for e in RunDirectory(out).journal_entries() if e["computed"]]
    assert len(computed) == len(set(computed)), "a finished job was computed again"


def _children(pid: int) -> list[int]:
    """Worker processes of ``pid`` (the spawn start method also runs a resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"resource_tracker" not in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.parametrize(
    ("workers", "env", "message"),
    [
        ("0", None, "--workers: 0 is not ≥ 1"),
        ("two", None, "--workers: 'two' is not a whole number"),
        (None, "0", "NASX_WORKERS: 0 is not ≥ 1"),
    ],
)
def test_bad_workers_are_refused_before_any_job(
    tmp_path, capsys, monkeypatch, workers, env, message
):
    out = tmp_path / "run"
    if env is not None:
        monkeypatch.setenv("NASX_WORKERS", env)
    extra = ["--workers", workers] if workers is not None else []
    assert main(["run", "--calculator", "stub", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err.splitlines()[0]
    assert not out.exists()


def test_the_default_is_the_usable_cores(monkeypatch):
    from nasx.api import default_workers

    monkeypatch.delenv("NASX_WORKERS")
    assert default_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("NASX_WORKERS", "3")
    assert default_workers() == 3
