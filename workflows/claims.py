"""One workflow per study and per run directory on a shared LaunchPad, even when two nasx
processes (two ``nasx submit``, or ``nasx run --launchpad`` on two machines) add it at once.

Looking for a workflow and adding it are two steps, so two processes could both find nothing
and both add one. Before adding, a process claims a key (the run directory, or the study's
fingerprint) by inserting a document whose ``_id`` is that key into the ``nasx_claims``
collection of the same database: the server lets only one insert of an ``_id`` succeed (every
MongoDB, and FireWorks' embedded store, enforce it without an index). The winner adds the
workflow and records its first job id in the claim; the other waits for that workflow and uses it.

A claim whose workflow is gone (``lpad reset``, ``lpad delete_wflows``) is replaced, and so is
the claim of a process that died before its workflow was added: at once when it ran on this
machine, else (or if its pid lives on in another process) after ``WAIT_S``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from nasx.errors import NasxInputError
from nasx.workflows.graph import RUN_DIR_KEY
from nasx.workflows.local_launches import pid_alive

CLAIMS = "nasx_claims"
WAIT_S = 120.0
"""Longest wait for a workflow that another process claimed on another machine and is adding
(adding the 92 jobs of the Na–S study takes well under a second on a LAN)."""
POLL_S = 0.2
FINGERPRINT_KEY = "nasx_fingerprint"
"""Workflow metadata of ``nasx submit``: the study's fingerprint."""


def claim_run_dir(lp, run_dir: Path, add: Callable[[], int]) -> tuple[int, bool]:
    """``claim_workflow`` of the workflow that computes in ``run_dir``."""
    return claim_workflow(
        lp, f"{RUN_DIR_KEY}:{run_dir}", lambda: workflow_of_run_dir(lp, run_dir), add
    )


def claim_submission(
    lp, fingerprint: str, run_dir: Path, add: Callable[[], int], force: bool = False
) -> int:
    """Claim the study (``submission.fingerprint``; not with ``force``) and then its run directory,
    and ``add`` its workflow; NasxInputError if either already has one."""

    def add_in_run_dir() -> int:
        fw_id, new = claim_run_dir(lp, run_dir, add)
        if not new:
            raise NasxInputError(
                run_dir,
                f"already holds the workflow of fw_id {fw_id} on this LaunchPad; use another "
                "--out (or 'nasx status --launchpad FILE --workflow ID' to see where it stands)",
            )
        return fw_id

    if force:
        return add_in_run_dir()
    query = {f"metadata.{FINGERPRINT_KEY}": fingerprint}
    key = f"{FINGERPRINT_KEY}:{fingerprint}"
    fw_id, new = claim_workflow(lp, key, lambda: _first(lp, query), add_in_run_dir)
    if not new:
        previous = lp.workflows.find_one({"nodes": fw_id}, {"metadata": 1}) or {}
        raise NasxInputError(
            None,
            f"this study is already on the LaunchPad (workflow of fw_id {fw_id}, run directory "
            f"{previous.get('metadata', {}).get(RUN_DIR_KEY)}); use --force to add it again",
        )
    return fw_id


def workflow_of_run_dir(lp, run_dir: Path) -> int | None:
    """The first job id of the workflow of ``run_dir`` (the oldest, where an older nasx left two)."""
    return _first(lp, {f"metadata.{RUN_DIR_KEY}": str(run_dir)})


def _first(lp, query: dict) -> int | None:
    found = lp.workflows.find(query, {"nodes": 1})
    return min((min(w["nodes"]) for w in found), default=None)


def claim_workflow(
    lp, key: str, find: Callable[[], int | None], add: Callable[[], int], wait_s: float = WAIT_S
) -> tuple[int, bool]:
    """The first job id of the workflow of ``key``, and whether this process added it: ``find``
    looks for it; ``add`` adds it (called only by the process that holds the claim)."""
    from pymongo.errors import DuplicateKeyError

    claims = lp.db[CLAIMS]
    deadline = time.monotonic() + wait_s
    while True:
        found = find()
        if found is not None:
            return found, False
        token = uuid.uuid4().hex
        try:
            claims.insert_one({"_id": key, "token": token, "fw_id": None, **_claimant()})
        except DuplicateKeyError:
            claim = claims.find_one({"_id": key})
            if claim is None:
                continue  # released meanwhile
            found = find()  # after reading the claim: a workflow it names is visible now
            if found is not None:
                return found, False
            if _stale(claim, time.monotonic() >= deadline):
                claims.delete_one({"_id": key, "token": claim.get("token")})
            else:
                time.sleep(POLL_S)
            continue
        try:
            fw_id = add()
        except BaseException:
            claims.delete_one({"_id": key, "token": token})
            raise
        claims.update_one({"_id": key, "token": token}, {"$set": {"fw_id": fw_id}})
        return fw_id, True


def _claimant() -> dict:
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "claimed_on": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _stale(claim: dict, waited_enough: bool) -> bool:
    """The claim will never get its workflow: it names one that is gone, or its process died
    (on this machine), or (another machine) it has been waited for long enough."""
    if claim.get("fw_id") is not None:
        return True  # the workflow it names was not found after the claim was read
    pid = claim.get("pid")
    here = claim.get("host") == socket.gethostname() and isinstance(pid, int)
    return (here and not pid_alive(pid)) or waited_enough
