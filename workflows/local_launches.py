"""Jobs that a killed local nasx left RUNNING in a real database.

Every worker nasx starts on this machine is named ``nasx-<host>-<pid>`` (``-<worker>`` for the
workers of ``--workers N``). When ``nasx run --launchpad FILE`` starts again, a RUNNING launch of
its own workflow whose worker ran on this host, in a process that no longer exists, cannot finish:
it is put back with FireWorks' own ``detect_lostruns(rerun=True)``, and a job that had finished
just before the kill gets its bookkeeping completed (``refresh``), so the same command resumes.
Launches of cluster workers (other names or other hosts) are never touched; whether those still
run is for ``nasx status --launchpad FILE`` to tell.

A nasx that lost its database while it held FireWorks' lock on the workflow (the ``locked``
field, set for the milliseconds of each update) leaves it set: every later update would wait
FireWorks' 5 minutes (WFLOCK_EXPIRATION_SECS) and fail. ``release_stale_lock`` lifts it.
"""

from __future__ import annotations

import os
import socket
import time

PREFIX = "nasx"
SETTLE_S = 2.0
"""How long a workflow lock may last before it counts as stale when no live worker has a job
of the workflow running (an update holds it for milliseconds)."""
BUSY_S = 30.0
"""The same when live (or other machines') workers have jobs of it running."""


def local_worker_name(*parts: str) -> str:
    """The FireWorks worker name of this process (``parts`` name a worker among several)."""
    return "-".join([PREFIX, socket.gethostname(), str(os.getpid()), *parts])


def pid_alive(pid: int) -> bool:
    """A process of this id exists on this machine (also another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def dead_local_worker(name: str, host: str | None = None) -> int | None:
    """The pid of the nasx process that ran worker ``name`` on ``host`` (default: this machine)
    if that process is gone; None for a live one, another machine's, or a cluster worker."""
    start = f"{PREFIX}-{host or socket.gethostname()}-"
    if not name.startswith(start):
        return None
    pid = name[len(start) :].split("-", 1)[0]
    if not pid.isdigit() or pid_alive(int(pid)):
        return None
    return int(pid)


def recover_dead_local_launches(lp, fw_ids: list[int]) -> list[int]:
    """Put back the RUNNING jobs among ``fw_ids`` whose local nasx worker is gone, and refresh
    those whose job had finished when nasx was killed (FireWorks' "inconsistent" state); returns
    the ids of the jobs put back."""
    host = socket.gethostname()
    fw_ids = list(fw_ids)
    running = lp.launches.find(
        {"fw_id": {"$in": fw_ids}, "state": "RUNNING"}, {"launch_id": 1, "fworker": 1}
    )
    dead = [
        launch["launch_id"]
        for launch in running
        if dead_local_worker(_worker(launch), host) is not None
    ]
    _, lost, _ = lp.detect_lostruns(
        expiration_secs=0,
        rerun=True,
        refresh=True,
        query={"fw_id": {"$in": fw_ids}},
        launch_query={"launch_id": {"$in": dead}},  # never empty: {} would match every launch
    )
    return list(lost)


def release_stale_lock(lp, fw_ids: list[int]) -> bool:
    """Unlock the workflow of ``fw_ids`` if FireWorks' lock on it outlasts ``SETTLE_S`` (no live
    worker runs any of its jobs) or ``BUSY_S``; True if it was unlocked here."""
    query = {"nodes": fw_ids[0], "locked": {"$exists": True}}
    host, start = socket.gethostname(), time.monotonic()
    while lp.workflows.find_one(query, {"_id": 1}) is not None:
        running = lp.launches.find(
            {"fw_id": {"$in": list(fw_ids)}, "state": "RUNNING"}, {"fworker.name": 1}
        )
        live = [r for r in running if dead_local_worker(_worker(r), host) is None]
        if time.monotonic() - start >= (BUSY_S if live else SETTLE_S):
            lp.workflows.update_one(query, {"$unset": {"locked": True}})
            return True
        time.sleep(0.2)
    return False


def _worker(launch: dict) -> str:
    return str((launch.get("fworker") or {}).get("name", ""))
