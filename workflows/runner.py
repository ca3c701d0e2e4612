"""Run a study's workflow locally: add (or find) it on a LaunchPad and launch its jobs here.

With one worker, jobs run one at a time in this process through FireWorks' ``launch_rocket``;
with more, in worker processes (``parallel``). With the embedded store the LaunchPad is written
to disk after every job. Interrupting (Ctrl-C, kill -9) and
running the same command again resumes: finished jobs stay finished, the job that was running
is run again (and returns its outputs at once if it had written them).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fireworks import Workflow
from fireworks.core.launchpad import LockedWorkflowError
from pymongo.errors import PyMongoError

from nasx.layout import RunDirectory
from nasx.redaction import redact
from nasx.settings import AnalysisOptions, RunSettings
from nasx.structures import PhaseSet
from nasx.workflows.allocator import keep_freed_memory
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.claims import claim_run_dir, workflow_of_run_dir
from nasx.workflows.database import server_lost
from nasx.workflows.graph import RUN_DIR_KEY, build_workflow
from nasx.workflows.launch_context import (
    in_directory,
    interruptible,
    no_ping_thread,
    quiet_fireworks,
)
from nasx.workflows.local_launches import (
    local_worker_name,
    recover_dead_local_launches,
    release_stale_lock,
)
from nasx.workflows.priorities import PRIORITY_KEY, order_key
from nasx.workflows.progress import Progress
from nasx.workflows.submission import check_or_write_settings
from nasx.workflows.tasks import ANALYSIS_KEY


class RunFailed(RuntimeError):
    """Some jobs failed; everything finished is kept and a rerun retries the failed ones."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))  # a job's error may quote a connection string


@dataclass
class RunSummary:
    run_dir: Path
    workflow_id: int
    jobs_launched: int
    seconds: float


def run_study(
    phase_set: PhaseSet,
    calculator: Calculator,
    settings: RunSettings,
    run_dir: Path,
    launchpad=None,
    progress: bool | Callable[[str], None] = True,
    workers: int = 1,
    launchpad_file: Path | None = None,
    command: str = "",
) -> RunSummary:
    """Compute ``phase_set`` into ``run_dir`` on ``launchpad`` (None: the embedded store in
    ``run_dir``; a real database needs its ``launchpad_file`` for ``workers`` > 1) with
    ``workers`` processes. Resumes an interrupted run; on a finished run only redoes the analysis.
    ``command`` (what started it) is recorded in run.json for ``nasx status``."""
    run_dir = Path(run_dir).resolve()
    settings = settings.for_calculator(calculator.translation_invariant)
    return run_workflow(
        run_dir,
        lambda: check_or_write_settings(
            RunDirectory(run_dir), phase_set, calculator, settings, command
        ),
        lambda: build_workflow(phase_set, calculator, settings, run_dir),
        settings.analysis,
        launchpad=launchpad,
        progress=progress,
        workers=workers,
        launchpad_file=launchpad_file,
    )


def run_workflow(
    run_dir: Path,
    prepare: Callable[[], None],
    build: Callable[[], Workflow],
    analysis: AnalysisOptions,
    launchpad=None,
    progress: bool | Callable[[str], None] = True,
    workers: int = 1,
    launchpad_file: Path | None = None,
) -> RunSummary:
    """Run the workflow of ``run_dir`` (``build`` makes it the first time) after ``prepare``
    has checked or written its run.json; ``analysis`` goes to every analysis job."""
    from nasx.workflows.launchpad import EmbeddedStore, lock_run_directory
    from nasx.workflows.parallel import launch_parallel

    store = EmbeddedStore(run_dir) if launchpad is None else None
    lock = lock_run_directory(run_dir) if store is None else None  # one nasx run per directory
    lp = store.launchpad if store else launchpad
    persist = store.persist if store else (lambda: None)
    persist_soon = store.persist_soon if store else (lambda: None)
    try:
        prepare()
        workflow_id = _find_or_add_workflow(lp, build, run_dir, store)
        if store:
            store.recover_lost_runs()
        else:
            fw_ids = [fw["fw_id"] for fw in _workflow_fws(lp, workflow_id)]
            release_stale_lock(lp, fw_ids)  # left by a run that lost its database
            recover_dead_local_launches(lp, fw_ids)
        _prepare_rerun(lp, workflow_id, analysis)
        persist()
        start = time.perf_counter()
        if workers > 1:
            launched = _parallel(
                launch_parallel,
                lp,
                lambda: _workflow_fws(lp, workflow_id),
                run_dir,
                workers,
                progress,
                store=store,
                launchpad_file=launchpad_file,
            )
        else:
            launched = _launch_all(
                lp, workflow_id, persist, persist_soon, progress, ping=store is None
            )
        failed = _failed_jobs(lp, workflow_id)
        unfinished = [fw for fw in _workflow_fws(lp, workflow_id) if fw["state"] != "COMPLETED"]
        if unfinished and not failed:
            raise RunFailed(
                "the workflow stopped with jobs that can neither run nor failed: "
                + ", ".join(f"{fw['name']} ({fw['state']})" for fw in unfinished[:10])
                + (
                    "; run the same command again to recover them"
                    if store
                    else f"; if no worker runs them any more, `nasx status --launchpad {launchpad_file}` "
                    "lists them and `lpad detect_lostruns --time 0 --rerun` puts them back"
                )
            )
        if failed:
            raise RunFailed(
                "jobs failed (finished work is kept; fix the cause and run the same command again):\n"
                + "\n".join(f"  {name}: {reason}" for name, reason in failed)
                + f"\n  tracebacks: {run_dir / 'launches' / 'jobs.log'}"
            )
        return RunSummary(run_dir, workflow_id, launched, time.perf_counter() - start)
    except PyMongoError as exc:  # the server went away, or refuses this file's login now
        raise RunFailed(server_lost(launchpad_file, exc, run_dir)) from None
    except LockedWorkflowError as exc:  # another process held the workflow for 5 minutes
        raise RunFailed(
            f"{exc} (FireWorks waited WFLOCK_EXPIRATION_SECS); if no other process is updating "
            f"it, run 'lpad -l {launchpad_file} admin unlock -i {str(exc).split()[-1]}', then "
            "the same command again"
        ) from None
    finally:
        if store:
            store.close()
        if lock:
            lock.close()


def _parallel(launch_parallel, *args, **kwargs) -> int:
    from nasx.workflows.parallel import WorkersFailed

    try:
        return launch_parallel(*args, **kwargs)
    except WorkersFailed as exc:
        raise RunFailed(str(exc)) from None


def _find_or_add_workflow(lp, build: Callable[[], Workflow], run_dir: Path, store) -> int:
    """The run directory's workflow: found by its path, or (embedded store) the store's own
    workflow of a directory that was copied or moved here, or added now. On a shared database
    the run directory is claimed first, so that two processes never both add it."""
    if store is None:
        workflow_id = claim_run_dir(lp, run_dir, lambda: min(lp.add_wf(build()).values()))[0]
        if _grown(lp, workflow_id, build):
            raise RunFailed(
                f"the database's workflow of {run_dir} (fw_id {workflow_id}) lacks jobs of this "
                "run's settings (--qha added or changed): delete it (lpad delete_wflows -i "
                f"{workflow_id}; finished work is reused from the files) and run again"
            )
        return workflow_id
    existing = workflow_of_run_dir(lp, run_dir)
    if existing is None:
        existing = store.adopt_moved_workflow(RUN_DIR_KEY)
    if existing is not None and _grown(lp, existing, build):
        with contextlib.redirect_stdout(io.StringIO()):  # FireWorks prints every launch id
            lp.delete_wf(existing)  # --qha added: a new graph, every finished job reused from files
        existing = None
    if existing is not None:
        return existing
    return min(lp.add_wf(build()).values())


def _grown(lp, workflow_id: int, build: Callable[[], Workflow]) -> bool:
    """Whether this run's graph has jobs the stored workflow never had (``--qha`` added to a
    finished run, or its volumes changed; the force jobs are added later and do not count)."""
    stored = {fw["name"] for fw in _workflow_fws(lp, workflow_id)}
    return any(fw.name not in stored for fw in build().fws)


def _workflow_fws(lp, workflow_id: int) -> list[dict]:
    """State, name and nasx spec keys of every job of the workflow (grows as detours are added)."""
    nodes = lp.workflows.find_one({"nodes": workflow_id}, {"nodes": 1})["nodes"]
    fields = {
        "fw_id": 1,
        "state": 1,
        "name": 1,
        "spec.nasx_kind": 1,
        f"spec.{ANALYSIS_KEY}": 1,
        f"spec.{PRIORITY_KEY}": 1,
    }
    return list(lp.fireworks.find({"fw_id": {"$in": nodes}}, fields))


def _prepare_rerun(lp, workflow_id: int, analysis_options: AnalysisOptions) -> None:
    """Retry failed or interrupted jobs; apply changed analysis options to the jobs they affect.
    A committee has one analysis job per model (rerunning one reruns the committee's too)."""
    options = analysis_options.as_dict()
    for fw in _workflow_fws(lp, workflow_id):
        if fw["state"] == "FIZZLED":
            lp.rerun_fw(fw["fw_id"])
    analyses = [
        fw for fw in _workflow_fws(lp, workflow_id) if fw["spec"].get("nasx_kind") == "analysis"
    ]
    for analysis in analyses:
        if analysis["state"] == "COMPLETED":
            lp.rerun_fw(analysis["fw_id"])  # a finished run: redo the analysis only
    changed = [a["fw_id"] for a in analyses if a["spec"].get(ANALYSIS_KEY) != options]
    if changed:
        lp.update_spec(changed, {ANALYSIS_KEY: options})  # unfinished jobs only


def _failed_jobs(lp, workflow_id: int) -> list[tuple[str, str]]:
    failed = []
    for fw in _workflow_fws(lp, workflow_id):
        if fw["state"] != "FIZZLED":
            continue
        launch = lp.launches.find_one({"fw_id": fw["fw_id"]}, sort=[("launch_id", -1)])
        trace = (
            ((launch or {}).get("action") or {})
            .get("stored_data", {})
            .get("_exception", {})
            .get("_stacktrace", "")
        )
        lines = [line for line in trace.strip().splitlines() if line.strip()]
        failed.append((fw["name"], lines[-1] if lines else "no reason recorded"))
    return failed


def _launch_all(
    lp,
    workflow_id: int,
    persist: Callable[[], None],
    persist_soon: Callable[[], None],
    progress: bool | Callable[[str], None],
    ping: bool = False,
) -> int:
    """Run the workflow's READY jobs here, one at a time; ``persist_soon`` after each, ``persist``
    when interrupted. ``ping``: keep FireWorks' heartbeat, so that on a shared MongoDB a long
    local job is not taken for a lost run (detect_lostruns)."""
    from fireworks import FWorker
    from fireworks.core.rocket_launcher import launch_rocket

    from nasx.workflows.garbage import freeze_survivors

    worker = FWorker(name=local_worker_name())
    keep_freed_memory()  # this process runs the models
    bar = Progress(enabled=progress)
    launched = 0
    launch_dir = (
        Path(lp.workflows.find_one({"nodes": workflow_id})["metadata"][RUN_DIR_KEY]) / "launches"
    )
    launch_dir.mkdir(parents=True, exist_ok=True)
    job_log = launch_dir / "jobs.log"
    with (
        interruptible() as interrupted,
        contextlib.nullcontext() if ping else no_ping_thread(),
        in_directory(launch_dir),
        quiet_fireworks(job_log) as log,
    ):
        while True:
            fws = _workflow_fws(lp, workflow_id)
            ready = sorted((fw for fw in fws if fw["state"] == "READY"), key=_order)
            if not ready:
                break
            bar.current(ready[0]["name"])
            bar.update(fws)
            freeze_survivors()
            try:
                # tracebacks and warnings of jobs go to jobs.log
                with contextlib.redirect_stderr(log):
                    launch_rocket(lp, worker, fw_id=ready[0]["fw_id"], strm_lvl="ERROR")
            except KeyboardInterrupt:  # second Ctrl-C inside FireWorks' bookkeeping
                persist()  # the next start recovers the job and refreshes the workflow
                raise
            launched += 1
            if interrupted():
                job = lp.fireworks.find_one({"fw_id": ready[0]["fw_id"]}, {"state": 1})
                if job["state"] == "FIZZLED":  # stopped inside the job: it simply did not finish
                    lp.rerun_fw(ready[0]["fw_id"])
                persist()
                raise KeyboardInterrupt
            persist_soon()
    bar.close(_workflow_fws(lp, workflow_id))
    return launched


def _order(fw: dict) -> tuple:
    """The order a worker of a pool would take them (``priorities``); a run made before
    priorities existed: relaxations first, so every force job (and the true total) is known early."""
    if PRIORITY_KEY in fw["spec"]:
        return (0, *order_key(fw))
    rank = {
        "relax": 0,
        "setup": 1,
        "forces": 2,
        "born": 2,
        "phonons": 3,
        "follow": 3,
        "analysis": 4,
        "committee": 5,
    }
    return (1, rank.get(fw["spec"].get("nasx_kind"), 5), fw["fw_id"])
