"""A Ctrl-C during start-up (imports, checks): recorded, not raised, so that it can neither
print a traceback nor be swallowed by the import machinery; acted on before the first job."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

_requested = threading.Event()


def _record(signum: int, frame: object) -> None:
    _requested.set()


def record_until_first_job() -> None:
    """Install the recording SIGINT handler when this process is the ``nasx`` command (its
    console script or ``python -m nasx``); a library user's or pytest's Ctrl-C stays as it is."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    command = program.name == "nasx" or (program.name, program.parent.name) == (
        "__main__.py",
        "nasx",
    )
    if command and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _record)


def requested() -> bool:
    """Whether a Ctrl-C arrived while the recording handler was installed."""
    return _requested.is_set()


def release() -> None:
    """Back to Python's own KeyboardInterrupt (commands that start no jobs)."""
    if signal.getsignal(signal.SIGINT) is _record:
        signal.signal(signal.SIGINT, signal.default_int_handler)
