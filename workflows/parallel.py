"""The owner's side of ``nasx run --workers N`` (N ≥ 2): start the workers, show what they run,
put back the job of a worker that died and replace it, and stop on Ctrl-C.

Embedded store: the owner serves its LaunchPad to the workers (``shared_store``) and writes it
after every finished job. Real database: the workers are ordinary FireWorks workers on it.
First Ctrl-C: no new jobs, running ones finish. Second: the workers are killed, their jobs put
back (they are rerun on resume; outputs already written are reused), the store written.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from nasx.wording import counted
from nasx.workflows.launch_context import interruptible
from nasx.workflows.local_launches import local_worker_name
from nasx.workflows.progress import Progress
from nasx.workflows.workers import POLL_SECONDS, WorkerPool, WorkerSpec

VIEW_SECONDS = 1.0
"""How often the owner reads the workflow to show progress (each read locks the store for
10–20 ms of the 92-job Na–S study); dead workers are still noticed every ``POLL_SECONDS``."""


class WorkersFailed(RuntimeError):
    """Workers kept dying (more than the replacement budget)."""


def launch_parallel(
    lp,
    workflow_fws,
    run_dir: Path,
    workers: int,
    progress: bool | Callable[[str], None],
    store=None,
    launchpad_file: Path | None = None,
) -> int:
    """Run the workflow's jobs on ``workers`` processes; returns the jobs that finished here.
    ``workflow_fws()`` lists the workflow's jobs; ``store`` is the embedded store (None: ``lp``
    is the real database of ``launchpad_file``)."""
    from nasx.workflows.shared_store import SharedLaunchPad, serve

    launch_dir = run_dir / "launches"
    launch_dir.mkdir(parents=True, exist_ok=True)
    shared = SharedLaunchPad(store) if store is not None else None
    server = serve(shared) if shared is not None else None
    guard = shared.lock if shared is not None else contextlib.nullcontext()

    def spec(name: str) -> WorkerSpec:
        return WorkerSpec(
            name=local_worker_name(name),
            run_dir=str(run_dir),
            launch_dir=str(launch_dir / name),
            log_path=str(launch_dir / "jobs.log"),
            address=tuple(server.address) if server is not None else None,
            launchpad_file=str(launchpad_file) if launchpad_file is not None else None,
        )

    def snapshot() -> list[dict]:
        with guard:
            return workflow_fws()

    def put_back(names: list[str]) -> None:
        with guard:
            lp.detect_lostruns(
                expiration_secs=0,
                rerun=True,
                launch_query={"fworker.name": {"$in": names}, "state": "RUNNING"},
            )
        if shared is not None:
            shared.request_write()

    pool = WorkerPool(workers, spec)
    bar = Progress(enabled=progress)
    done_before = sum(fw["state"] == "COMPLETED" for fw in snapshot())
    next_view = 0.0
    try:
        with interruptible() as interrupted:
            try:
                pool.start()
                while True:
                    if interrupted():
                        pool.stop.set()
                    dead = pool.reap()
                    if dead:
                        put_back(dead)
                        if not pool.stop.is_set() and not pool.replace(len(dead)):
                            pool.stop.set()
                            pool.kill()
                            raise WorkersFailed(
                                f"{counted(pool.replaced, 'worker')} died; see {launch_dir / 'jobs.log'}"
                            )
                    if not pool.processes:
                        ready = any(fw["state"] == "READY" for fw in snapshot())
                        if ready and not pool.stop.is_set() and pool.replace(workers):
                            continue  # a job put back after the other workers had ended
                        break
                    if progress and time.monotonic() >= next_view:
                        fws = snapshot()  # reading the whole workflow costs the workers CPU
                        bar.running([fw["name"] for fw in fws if fw["state"] == "RUNNING"])
                        bar.update(fws)
                        next_view = time.monotonic() + VIEW_SECONDS
                    time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:  # the second Ctrl-C: stop now
                pool.kill()
                put_back(list(pool.processes))
                raise
            if interrupted():
                raise KeyboardInterrupt
    finally:
        pool.kill()
        if server is not None:
            server.listener.close()
        if shared is not None:
            shared.close()
    fws = workflow_fws()
    bar.close(fws)
    return sum(fw["state"] == "COMPLETED" for fw in fws) - done_before
