"""Where a study stands: its jobs by kind and state, what failed and why, what runs where, lost
runs, and the command that resumes or recovers it. Read-only: nothing here changes a LaunchPad.

Sources: a run directory's embedded store (``nasx run``), or a MongoDB LaunchPad (``nasx
submit`` for workers, or ``nasx run --launchpad``). Lost runs are FireWorks' own: RUNNING jobs
whose launch sent no heartbeat for ``lost_after_s`` (FireWorks pings every hour and calls a run
lost after four), RUNNING jobs of a ``nasx run`` on this machine whose process has ended, or, in
a run directory that no nasx process owns, every RUNNING job.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nasx.errors import NasxInputError
from nasx.wording import counted
from nasx.workflows.graph import RUN_DIR_KEY
from nasx.workflows.local_launches import dead_local_worker

COMPLETE, NEEDS_ACTION, IN_PROGRESS = 0, 1, 4
"""Exit status of ``nasx status``: every job completed; a job failed or was lost (the printed
command recovers it); jobs are running, ready or waiting and nothing needs doing but waiting."""

KINDS = ("relax", "setup", "forces", "born", "phonons", "follow", "analysis", "committee")
STATES = ("COMPLETED", "RUNNING", "RESERVED", "READY", "WAITING", "FIZZLED", "DEFUSED", "PAUSED")


@dataclass(frozen=True)
class FailedJob:
    fw_id: int
    name: str
    error: str  # last line of the job's traceback


@dataclass(frozen=True)
class RunningJob:
    fw_id: int
    name: str
    worker: str
    host: str
    age_s: float  # since the job started
    silent_s: float  # since its last heartbeat
    lost: bool
    ended_pid: int | None = None  # a local nasx worker whose process has ended (so: lost)


@dataclass
class WorkflowStatus:
    workflow_id: int
    name: str
    run_dir: str
    submitted: bool  # by nasx submit (workers run it), else by nasx run
    counts: dict[str, Counter] = field(default_factory=dict)  # kind -> state -> jobs
    failed: list[FailedJob] = field(default_factory=list)
    running: list[RunningJob] = field(default_factory=list)
    inconsistent: list[int] = field(default_factory=list)  # RUNNING, but the launch ended
    duplicate_of: int | None = None  # the workflow to keep of two in one run directory
    command: str = ""  # what started it (run.json), to run again

    @property
    def total(self) -> Counter:
        return sum(self.counts.values(), Counter())

    @property
    def lost(self) -> list[RunningJob]:
        return [job for job in self.running if job.lost]

    @property
    def ended(self) -> list[RunningJob]:
        """Lost because the nasx process on this machine that ran them has ended."""
        return [job for job in self.running if job.ended_pid is not None]

    @property
    def code(self) -> int:
        total = self.total
        if self.failed or self.lost or self.inconsistent or self.duplicate_of is not None:
            return NEEDS_ACTION
        return COMPLETE if total["COMPLETED"] == sum(total.values()) else IN_PROGRESS


@dataclass
class StudyStatus:
    source: str
    workflows: list[WorkflowStatus]
    launchpad_file: str | None  # None: a run directory's embedded store
    owner: str | None = None  # embedded store: the nasx process that holds the directory
    lost_after_s: float = 0.0

    @property
    def code(self) -> int:
        codes = {w.code for w in self.workflows}
        if self.owner is not None and codes != {COMPLETE}:
            return IN_PROGRESS  # a nasx run is still at it: it retries nothing until it ends
        return next((c for c in (NEEDS_ACTION, IN_PROGRESS) if c in codes), COMPLETE)


def from_launchpad(
    lp, source: str, launchpad_file: str | None, workflow_id: int | None, lost_after_s: float
) -> StudyStatus:
    """The nasx workflows on ``lp`` (only the one holding job ``workflow_id``, if given)."""
    query = {f"metadata.{RUN_DIR_KEY}": {"$exists": True}}
    if workflow_id is not None:
        query["nodes"] = workflow_id
    documents = sorted(
        lp.workflows.find(query, {"nodes": 1, "name": 1, "metadata": 1}),
        key=lambda w: min(w["nodes"]),
    )
    if not documents:
        which = f"no nasx workflow holds job {workflow_id}" if workflow_id else "no nasx workflow"
        raise NasxInputError(source, f"holds {which}")
    _, lost_fw_ids, inconsistent = lp.detect_lostruns(expiration_secs=lost_after_s)  # read-only
    workflows = [
        _workflow(lp, w, set(lost_fw_ids), set(inconsistent), launchpad_file is None)
        for w in documents
    ]
    if launchpad_file is not None:  # an embedded store has one owner: never two of a run
        _mark_duplicates(workflows)
    return StudyStatus(source, workflows, launchpad_file, lost_after_s=lost_after_s)


def _mark_duplicates(workflows: list[WorkflowStatus]) -> None:
    """Workflows that share a run directory (two runs that added it at once, before nasx claimed
    run directories): all but the one with the most finished jobs (else the oldest) are to go.
    Their jobs wrote the same files, which the one kept finds and reuses."""
    by_dir: dict[str, list[WorkflowStatus]] = {}
    for workflow in workflows:
        by_dir.setdefault(workflow.run_dir, []).append(workflow)
    for group in by_dir.values():
        keep = max(group, key=lambda w: (w.total["COMPLETED"], -w.workflow_id))
        for workflow in group:
            if workflow is not keep:
                workflow.duplicate_of = keep.workflow_id


def from_run_directory(run_dir: Path) -> StudyStatus:
    """A run directory's embedded store, read without disturbing the run that may own it."""
    from nasx.workflows.launchpad import LOCK_NAME, STORE_NAME, open_launchpad

    run_dir = Path(run_dir)
    if not (run_dir / STORE_NAME).is_file():
        hint = (
            "its workflow is on a MongoDB LaunchPad: nasx status --launchpad my_launchpad.yaml"
            if (run_dir / "run.json").is_file()
            else "not a nasx run directory (no run.json, no launchpad.json)"
        )
        raise NasxInputError(run_dir, hint)
    owner = owner_of(run_dir / LOCK_NAME)
    status = from_launchpad(open_launchpad(run_dir), str(run_dir), None, None, lost_after_s=0)
    status.owner = owner
    for workflow in status.workflows:  # no owner: whatever is RUNNING was interrupted
        workflow.running = [
            RunningJob(**{**job.__dict__, "lost": owner is None}) for job in workflow.running
        ]
    return status


def owner_of(lock: Path) -> str | None:
    """The pid of the nasx process that holds the run directory's lock, or None."""
    try:
        handle = open(lock)  # noqa: SIM115 - closed below
    except FileNotFoundError:  # removed by the run that held it, when it ended
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "?"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _workflow(
    lp, document: dict, lost: set[int], inconsistent: set[int], embedded: bool
) -> WorkflowStatus:
    fields = {"fw_id": 1, "name": 1, "state": 1, "spec.nasx_kind": 1, "launches": 1}
    jobs = list(lp.fireworks.find({"fw_id": {"$in": document["nodes"]}}, fields))
    status = WorkflowStatus(
        min(document["nodes"]),
        document["name"],
        document["metadata"][RUN_DIR_KEY],
        submitted="nasx_fingerprint" in document["metadata"],
        command=_command(Path(document["metadata"][RUN_DIR_KEY])),
    )
    for job in jobs:
        kind = job.get("spec", {}).get("nasx_kind", "other")
        status.counts.setdefault(kind, Counter())[job["state"]] += 1
    now = dt.datetime.now(dt.UTC)
    for job in sorted(jobs, key=lambda j: j["fw_id"]):
        if job["state"] not in ("FIZZLED", "RUNNING") or not job.get("launches"):
            continue
        launch = lp.launches.find_one({"launch_id": max(job["launches"])})
        if launch is None:
            continue
        if job["state"] == "FIZZLED":
            status.failed.append(FailedJob(job["fw_id"], job["name"], _last_error(launch)))
        elif job["fw_id"] in inconsistent:
            status.inconsistent.append(job["fw_id"])
        else:
            started, beat = _running_times(launch, now)
            worker = (launch.get("fworker") or {}).get("name", "?")
            ended = None if embedded else dead_local_worker(worker)
            status.running.append(
                RunningJob(
                    job["fw_id"],
                    job["name"],
                    "this machine (nasx run)" if embedded else worker,
                    launch.get("host") or "?",
                    (now - started).total_seconds(),
                    (now - beat).total_seconds(),
                    job["fw_id"] in lost or ended is not None,
                    ended,
                )
            )
    return status


def _last_error(launch: dict) -> str:
    stored = (launch.get("action") or {}).get("stored_data") or {}
    trace = (stored.get("_exception") or {}).get("_stacktrace", "")
    lines = [line.strip() for line in trace.splitlines() if line.strip()]
    return lines[-1] if lines else "no reason recorded"


def _running_times(launch: dict, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    entry = next((h for h in launch.get("state_history", []) if h["state"] == "RUNNING"), {})
    started = _time(entry.get("created_on")) or now
    return started, _time(entry.get("updated_on")) or started


def _time(value: object) -> dt.datetime | None:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def render(status: StudyStatus) -> str:
    """The report ``nasx status`` prints."""
    lines = []
    for workflow in status.workflows:
        total = workflow.total
        done, jobs = total["COMPLETED"], sum(total.values())
        lines.append(
            f"workflow {workflow.workflow_id}: {workflow.name}, {done}/{counted(jobs, 'job')} completed "
            f"(run directory {workflow.run_dir})"
        )
        for kind in [*KINDS, *sorted(set(workflow.counts) - set(KINDS))]:
            counts = workflow.counts.get(kind)
            if counts:
                states = ", ".join(f"{counts[s]} {s.lower()}" for s in STATES if counts[s])
                lines.append(f"  {kind:9} {states}")
        for job in workflow.failed:
            lines.append(f"  failed  {job.fw_id} {job.name}: {job.error}")
        for job in workflow.running:
            label = "lost   " if job.lost else "running"
            why = f" (its process {job.ended_pid} has ended)" if job.ended_pid is not None else ""
            lines.append(
                f"  {label} {job.fw_id} {job.name} on {job.worker}{why} ({job.host}), started "
                f"{_duration(job.age_s)} ago, last heartbeat {_duration(job.silent_s)} ago"
            )
        for fw_id in workflow.inconsistent:
            lines.append(f"  stale   {fw_id}: RUNNING, but its launch has ended")
        if workflow.duplicate_of is not None:
            lines.append(
                f"  duplicate of workflow {workflow.duplicate_of}: both compute in this run "
                "directory (added at once by two runs)"
            )
        lines += [f"  next: {step}" for step in _advice(status, workflow)]
    return "\n".join(lines)


def _command(run_dir: Path) -> str:
    """The command recorded in ``run_dir``'s run.json ('' if none can be read)."""
    try:
        command = json.loads((run_dir / "run.json").read_text()).get("command", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return command if isinstance(command, str) else ""


def _advice(status: StudyStatus, workflow: WorkflowStatus) -> list[str]:
    if workflow.code == COMPLETE:
        return [f"complete: {Path(workflow.run_dir) / 'report.md'}"]
    steps, lpad = [], f"lpad -l {status.launchpad_file}"
    if workflow.duplicate_of is not None:
        return [
            f"{lpad} delete_wflows -i {workflow.workflow_id} (stop its workers first; workflow "
            f"{workflow.duplicate_of} reuses every file it finished)"
        ]
    if status.launchpad_file is not None:  # a MongoDB: FireWorks' own repairs
        if workflow.failed and workflow.submitted:
            ids = ",".join(str(job.fw_id) for job in workflow.failed)
            steps.append(f"fix the cause, then {lpad} rerun_fws -i {ids}")
        if len(workflow.lost) > len(workflow.ended):  # expired heartbeats
            steps.append(f"{lpad} detect_lostruns --time {status.lost_after_s:g} --rerun")
        if workflow.inconsistent:
            steps.append(f"{lpad} detect_lostruns --refresh")
    if status.launchpad_file is None and status.owner is not None:
        steps.append(f"nasx run (pid {status.owner}) is working on it; check again later")
    elif status.launchpad_file is None or not workflow.submitted or workflow.ended:
        where = "" if status.launchpad_file is None else f" --launchpad {status.launchpad_file}"
        why = "failed jobs are retried" if workflow.failed else "finished jobs are kept"
        if workflow.ended:
            why = "jobs of an ended nasx are put back, " + why
        again = (
            f"run again: {workflow.command}"
            if workflow.command
            else f"run the command that made it again, with{where} --out {workflow.run_dir}"
        )
        steps.append(f"{again} ({why})")
    elif steps or workflow.total["READY"]:
        steps.append(
            "start workers for the ready jobs: qlaunch ... rapidfire, or rlaunch ... rapidfire "
            "(hpc_templates/README.md)"
        )
    return steps or ["jobs are running; check again later"]


def status_of(
    run_dir: Path | None, launchpad_file: Path | None, workflow_id: int | None, lost_after_s: float
) -> StudyStatus:
    """What ``nasx status`` reports: a run directory, or a LaunchPad file (checked first)."""
    if (run_dir is None) == (launchpad_file is None):
        raise NasxInputError(None, "give either RUN_DIR or --launchpad FILE")
    if run_dir is not None:
        if workflow_id is not None:
            raise NasxInputError(None, "--workflow needs --launchpad")
        return from_run_directory(run_dir)
    from nasx.workflows.launchpad import launchpad_from_file

    launchpad = launchpad_from_file(launchpad_file)
    return from_launchpad(
        launchpad, str(launchpad_file), str(launchpad_file), workflow_id, lost_after_s
    )
