"""The process plumbing around running jobs here: Ctrl-C handling, quiet FireWorks logging, no
heartbeat thread, and the launch directory as working directory."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from nasx import interrupts


@contextlib.contextmanager
def interruptible() -> Iterator[Callable[[], bool]]:
    """First Ctrl-C: finish the current job, then stop cleanly. Second: stop at once (the job is
    recorded as failed and rerun on resume)."""
    if interrupts.requested():  # Ctrl-C between the checks and here: stop before any job
        raise KeyboardInterrupt
    flag = {"hits": 0}
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        flag["hits"] += 1
        if flag["hits"] > 1:
            raise KeyboardInterrupt
        sys.stderr.write("\nnasx: stopping after the current job (Ctrl-C again to stop now)\n")

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield lambda: flag["hits"] > 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


@contextlib.contextmanager
def quiet_fireworks(log_path: Path) -> Iterator[IO[str]]:
    """FireWorks' per-job INFO lines stay off the terminal; job output goes to ``log_path``, and
    so does the traceback of a thread that dies (FireWorks' heartbeat, when the database goes)."""
    quiet = _BelowWarning()
    loggers = [logging.getLogger(name) for name in ("rocket.launcher", "launchpad")]
    for logger in loggers:
        logger.addFilter(quiet)
    previous_hook = threading.excepthook
    try:
        with open(log_path, "a") as log:

            def to_log(args: threading.ExceptHookArgs) -> None:
                if log.closed:
                    previous_hook(args)
                    return
                print(f"Exception in thread {getattr(args.thread, 'name', '?')}:", file=log)
                traceback.print_exception(
                    args.exc_type, args.exc_value, args.exc_traceback, file=log
                )

            threading.excepthook = to_log
            yield log
    finally:
        threading.excepthook = previous_hook
        for logger in loggers:
            logger.removeFilter(quiet)


@contextlib.contextmanager
def no_ping_thread() -> Iterator[None]:
    """FireWorks' heartbeat thread only matters to other processes watching a shared database;
    in a local loop it races with the job's own store updates, so it is switched off here."""
    import fireworks.core.rocket as rocket

    original = rocket.start_ping_launch
    rocket.start_ping_launch = lambda launchpad, launch_id: None
    try:
        yield
    finally:
        rocket.start_ping_launch = original


@contextlib.contextmanager
def in_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
