"""Jobs that a killed local nasx left RUNNING in a real database.

Every worker nasx starts on this machine is named ``nasx-<host>-<pid>`` (``-<worker>`` for the
workers of ``--workers N``). When ``nasx run --launchpad FILE`` starts again, a RUNNING launch of
its own workflow whose worker ran on this host, in a process that no longer exists, cannot finish:
it is put back with FireWorks' own ``detect_lostruns(rerun=True)``, and a job that had finished
just before the kill gets its bookkeeping completed (``refresh``), so the same command resumes.
Launches of cluster workers (other names or other hosts) are never touched; whether those still
run is for ``nasx status --launchpad FILE`` to tell.
"""

from __future__ import annotations

import os
import socket

PREFIX = "nasx"


def local_worker_name(*parts: str) -> str:
    """The FireWorks worker name of this process (``parts`` name a worker among several)."""
    return "-".join([PREFIX, socket.gethostname(), str(os.getpid()), *parts])


def _dead_local(name: str, host: str) -> bool:
    start = f"{PREFIX}-{host}-"
    if not name.startswith(start):
        return False
    pid = name[len(start) :].split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


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
        if _dead_local(str((launch.get("fworker") or {}).get("name", "")), host)
    ]
    _, lost, _ = lp.detect_lostruns(
        expiration_secs=0,
        rerun=True,
        refresh=True,
        query={"fw_id": {"$in": fw_ids}},
        launch_query={"launch_id": {"$in": dead}},  # never empty: {} would match every launch
    )
    return list(lost)
