"""``nasx run --workers N``: N ordinary FireWorks workers (``rapidfire``) in processes of this
machine, one BLAS/OpenMP/torch thread each, watched by the owner process.

A worker gets its LaunchPad either from the owner's DataServer (embedded store, see
``shared_store``) or from the user's ``my_launchpad.yaml`` (a real database, with FireWorks'
heartbeat). It runs only the jobs of its run directory, in ``launches/<worker>/``, loads the
model once (the calculators cache it per process) and dies with the owner. A worker that dies
has its job put back and is replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import re
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from nasx.workflows.allocator import keep_freed_memory
from nasx.workflows.garbage import freeze_survivors

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
POLL_SECONDS = 0.1
"""How often an idle worker asks for a job, and the owner looks at its workers."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), the default number of workers."""
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs; picklable. Exactly one of ``address`` / ``launchpad_file``."""

    name: str
    run_dir: str
    launch_dir: str
    log_path: str
    address: tuple[str, int] | None = None
    launchpad_file: str | None = None


def fworker_for(name: str, run_dir: str):
    """A FireWorks worker that runs only the jobs of ``run_dir`` (whatever their category),
    a committee's models/<name>/ below it included."""
    from fireworks import FWorker

    below = {"$regex": f"^{re.escape(run_dir.rstrip('/'))}(/|$)"}
    return FWorker(name=name, query={"spec._tasks.run_dir": below})


class _StopWhenAsked:
    """The worker's LaunchPad, which has no job left for it once the owner sets ``stop``."""

    def __init__(self, launchpad, stop) -> None:
        self._launchpad, self._stop = launchpad, stop

    def __getattr__(self, name: str):
        return getattr(self._launchpad, name)

    def run_exists(self, fworker=None) -> bool:
        return not self._stop.is_set() and self._launchpad.run_exists(fworker)

    def future_run_exists(self, fworker=None) -> bool:
        return not self._stop.is_set() and self._launchpad.future_run_exists(fworker)

    def checkout_fw(self, fworker, launch_dir, fw_id=None, host=None, ip=None, state="RUNNING"):
        if self._stop.is_set():
            return None, None
        freeze_survivors()  # the Rocket asks for its job here: between two jobs
        return self._launchpad.checkout_fw(fworker, launch_dir, fw_id, host, ip, state)


def worker_main(spec: WorkerSpec, stop) -> None:
    """The body of a worker process: rapidfire until the run has no more work for it, or the
    owner sets ``stop`` (a multiprocessing Event; the running job is finished first)."""
    for variable in THREAD_VARIABLES:  # before numpy or torch start a thread pool
        os.environ[variable] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the owner decides what a Ctrl-C stops
    _die_with_parent()
    keep_freed_memory()
    from fireworks.core.rocket_launcher import rapidfire
    from fireworks.fw_config import DS_PASSWORD, FWData
    from fireworks.utilities.fw_utilities import DataServer

    from nasx.workflows.launch_context import quiet_fireworks

    if spec.address is not None:
        DataServer.register_launchpad()
        server = DataServer(address=spec.address, authkey=DS_PASSWORD)
        server.connect()
        launchpad = server.LaunchPad()
        FWData().MULTIPROCESSING = True  # no heartbeat thread: the owner sees its own workers
        FWData().Running_IDs = {}
    else:
        from fireworks import LaunchPad

        launchpad = LaunchPad.from_file(spec.launchpad_file)
    directory = Path(spec.launch_dir)
    directory.mkdir(parents=True, exist_ok=True)
    os.chdir(directory)
    with (
        quiet_fireworks(Path(spec.log_path)) as log,
        contextlib.redirect_stderr(log),
        contextlib.redirect_stdout(log),  # a model's own chatter; the owner prints progress
    ):
        rapidfire(
            _StopWhenAsked(launchpad, stop),
            fworker_for(spec.name, spec.run_dir),
            m_dir=str(directory),
            nlaunches=0,
            sleep_time=POLL_SECONDS,
            strm_lvl="ERROR",
        )


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when its parent dies (kill -9 of the owner);
    elsewhere a thread notices the parent is gone."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        if libc.prctl(1, signal.SIGKILL) == 0 and os.getppid() == parent:  # PR_SET_PDEATHSIG
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class WorkerPool:
    """The owner's view of its worker processes: start, replace the dead, stop."""

    def __init__(self, n: int, make_spec, max_replacements: int | None = None) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded owner
        self.stop = self._context.Event()
        self._make_spec = make_spec
        self._n = n
        self._count = 0
        self.max_replacements = 2 * n + 2 if max_replacements is None else max_replacements
        self.replaced = 0
        self.processes: dict[str, multiprocessing.process.BaseProcess] = {}

    def start(self) -> None:
        for _ in range(self._n - len(self.alive())):
            self._start_one()

    def _start_one(self) -> None:
        self._count += 1
        spec: WorkerSpec = self._make_spec(f"worker-{self._count}")
        process = self._context.Process(target=worker_main, args=(spec, self.stop), name=spec.name)
        process.start()
        self.processes[spec.name] = process

    def alive(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.is_alive()]

    def reap(self) -> list[str]:
        """Names of workers that died (not a normal end) since the last call; forgotten here."""
        dead = []
        for name, process in list(self.processes.items()):
            if process.is_alive():
                continue
            process.join()
            del self.processes[name]
            if process.exitcode != 0:
                dead.append(name)
        return dead

    def replace(self, count: int) -> bool:
        """Start ``count`` new workers in place of dead ones; False once the budget is spent."""
        for _ in range(count):
            if self.replaced >= self.max_replacements:
                return False
            self.replaced += 1
            self._start_one()
        return True

    def kill(self) -> None:
        for process in self.processes.values():
            if process.is_alive():
                process.kill()
        for process in self.processes.values():
            process.join()
