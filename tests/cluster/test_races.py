"""Two nasx processes adding the same study to one database at the same instant make one
workflow: two ``nasx submit``, and two ``nasx run --launchpad`` on one ``--out`` (on one machine,
where the second is refused, and as if on two machines, where they share the workflow).

An embedded run and a ``--launchpad`` run on one ``--out`` exclude each other too.

Each trial releases two processes together (a barrier, after their imports and set-up), so the
find-then-add window is hit whenever it exists: before the fix, every trial made two workflows.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from fireworks import FiretaskBase, Firework, LaunchPad, Workflow, explicit_serialize

from nasx.cli import main
from nasx.errors import NasxInputError
from nasx.workflows.launchpad import lock_run_directory
from tests.small_set import MIN_LENGTH

TRIALS = 3  # with the barrier, every trial made two workflows before the fix (20 of 20)
BARRIER_TIMEOUT_S = 120.0
_barrier = None  # each worker process's handle on the trial barrier


@explicit_serialize
class Touch(FiretaskBase):
    """A job that leaves a file named by it and the process that ran it in the run directory."""

    def run_task(self, fw_spec: dict) -> None:
        Path(self["run_dir"], f"{self['job']}-by-{os.getpid()}").touch()


def _keep_barrier(barrier) -> None:
    global _barrier
    _barrier = barrier


def _submit(launchpad_file: str, out: str) -> str:
    """One ``nasx submit`` of the built-in study, released by the barrier."""
    from nasx.settings import RunSettings
    from nasx.structures import reference_set
    from nasx.workflows.calculators import CalculatorOptions, get_calculator
    from nasx.workflows.launchpad import launchpad_from_file
    from nasx.workflows.submission import submit_study

    phases = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m"])
    calculator = get_calculator("vasp", CalculatorOptions(phase_set=phases))
    lp = launchpad_from_file(Path(launchpad_file))
    _barrier.wait(BARRIER_TIMEOUT_S)
    try:
        submit_study(phases, calculator, RunSettings(), Path(out), lp)
    except NasxInputError as exc:
        return f"refused: {exc}"
    return "added"


def _run(launchpad_file: str, out: str, shared_lock: bool) -> str:
    """One ``nasx run --launchpad`` of a two-job workflow, released by the barrier;
    ``shared_lock``: as on one machine (the run directory's lock is seen by both)."""
    from nasx.settings import AnalysisOptions
    from nasx.workflows import launchpad as launchpads
    from nasx.workflows.graph import RUN_DIR_KEY
    from nasx.workflows.launchpad import launchpad_from_file
    from nasx.workflows.runner import RunFailed, run_workflow

    run_dir = Path(out).resolve()
    lock = launchpads.lock_run_directory
    if not shared_lock:  # two machines whose file system has no common locks
        launchpads.lock_run_directory = _no_lock
    lp = launchpad_from_file(Path(launchpad_file))

    def build() -> Workflow:
        jobs = [
            Firework(Touch(run_dir=str(run_dir), job=f"job{i}"), name=f"job{i}") for i in (1, 2)
        ]
        return Workflow(jobs, metadata={RUN_DIR_KEY: str(run_dir)})

    _barrier.wait(BARRIER_TIMEOUT_S)
    try:
        run_workflow(run_dir, lambda: None, build, AnalysisOptions(), launchpad=lp, progress=False)
    except NasxInputError as exc:
        return f"refused: {exc}"
    except RunFailed as exc:  # the other process was running the jobs
        return f"stopped: {exc}"
    finally:
        launchpads.lock_run_directory = lock
    return "ran"


def _no_lock(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    return open(os.devnull)  # closed by the run, as the lock would be


@pytest.fixture(scope="module")
def pair():
    """Two worker processes (spawned once: their imports are paid once) and their barrier."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    with ProcessPoolExecutor(2, context, initializer=_keep_barrier, initargs=(barrier,)) as pool:
        yield pool


def race(pool, function, *args) -> list[str]:
    futures = [pool.submit(function, *args) for _ in range(2)]
    return sorted(f.result(timeout=BARRIER_TIMEOUT_S + 60) for f in futures)


def fresh_launchpad(server, tmp_path: Path, name: str) -> Path:
    path = server.launchpad_file(tmp_path / f"{name}.yaml", name)
    lp = LaunchPad.from_file(str(path))
    lp.reset("", require_password=False)
    lp.connection.close()
    return path


def workflows_in(launchpad_file: Path) -> list[dict]:
    lp = LaunchPad.from_file(str(launchpad_file))
    try:
        return list(lp.workflows.find({}, {"nodes": 1, "metadata": 1}))
    finally:
        lp.connection.close()


@pytest.mark.slow
def test_two_submits_of_one_study_add_one_workflow(pair, server, database_name, tmp_path):
    for trial in range(TRIALS):
        lp = fresh_launchpad(server, tmp_path, f"{database_name}_{trial}")
        outcomes = race(pair, _submit, str(lp), str(tmp_path / f"out-{trial}"))
        assert outcomes[0] == "added", outcomes
        assert outcomes[1].startswith("refused: this study is already on the LaunchPad")
        assert len(workflows_in(lp)) == 1, f"trial {trial}: {outcomes}"


@pytest.mark.slow
@pytest.mark.parametrize("machines", ["one machine", "two machines"])
def test_two_runs_on_one_out_share_one_workflow(pair, server, database_name, tmp_path, machines):
    for trial in range(TRIALS):
        lp = fresh_launchpad(server, tmp_path, f"{database_name[:50]}_{trial}")
        out = tmp_path / f"out-{trial}"
        outcomes = race(pair, _run, str(lp), str(out), machines == "one machine")
        found = workflows_in(lp)
        assert len(found) == 1, f"trial {trial}: {len(found)} workflows; {outcomes}"
        assert len(found[0]["nodes"]) == 2
        assert outcomes[0] == "ran", outcomes
        if machines == "one machine":  # refused, unless it came after the first had finished
            assert outcomes[1] == "ran" or "another nasx run" in outcomes[1], outcomes
        else:  # both ran the one workflow, or one found the other running its last job
            assert outcomes[1] == "ran" or "neither run nor failed" in outcomes[1], outcomes
        for job in ("job1", "job2"):  # each job ran, by either process
            ran = len(list(out.glob(f"{job}-by-*")))
            # twice only where both took it at once: SecantusDB's findAndModify, with which
            # FireWorks checks a job out, is not atomic (MongoDB's is); on one machine, never
            assert ran == 1 or (ran == 2 and machines == "two machines"), (job, ran)


def test_an_embedded_and_a_launchpad_run_on_one_out_exclude_each_other(
    launchpad_file, small_set, tmp_path, capsys
):
    out = tmp_path / "out"
    study = ["--calculator", "stub", "--structures", str(small_set), *MIN_LENGTH, "--quiet"]
    with lock_run_directory(out):  # as a nasx run of either kind holds it while it runs
        for launchpad in ([], ["--launchpad", str(launchpad_file)]):
            capsys.readouterr()
            assert main(["run", *study, "--out", str(out), *launchpad]) == 2
            [line] = capsys.readouterr().err.splitlines()
            assert f"{out}: another nasx run (pid {os.getpid()}) is using this directory" in line
    assert workflows_in(launchpad_file) == [] and not (out / "run.json").exists()
