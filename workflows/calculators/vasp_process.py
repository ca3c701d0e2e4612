"""The VASP process of a job folder, and what an interrupted run leaves behind there.

custodian starts VASP in a session of its own, so killing nasx (kill -9, a lost node's
worker) leaves VASP running. Each step records its VASP process in the folder when it starts;
before a step is run again, a VASP that an interrupted run left running there is stopped, and
the outputs it had half written are kept aside for the user to inspect.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from custodian.vasp.jobs import VaspJob

RECORD = "vasp-process.json"
OUTPUTS = ("vasprun.xml", "OUTCAR", "OSZICAR", "CONTCAR", "vasp.out", "std_err.txt")
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class VaspProcess:
    """A started VASP: ``start_ticks`` (field 22 of /proc/PID/stat) tells it from a later
    process that was given the same pid."""

    pid: int
    start_ticks: int | None
    host: str

    @classmethod
    def started(cls, pid: int) -> VaspProcess:
        return cls(pid, _start_ticks(pid), socket.gethostname())

    @classmethod
    def read(cls, directory: Path) -> VaspProcess | None:
        try:
            return cls(**json.loads((directory / RECORD).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def write(self, directory: Path) -> None:
        (directory / RECORD).write_text(json.dumps(asdict(self)) + "\n")

    def running(self) -> bool:
        """Still running on this machine (the same process, not a reused pid)."""
        ticks = _start_ticks(self.pid)
        return ticks is not None and ticks == self.start_ticks


class RecordedVaspJob(VaspJob):
    """custodian's VaspJob that records the VASP it starts in the job folder."""

    def run(self, directory: str = "./"):
        process = super().run(directory=directory)
        VaspProcess.started(process.pid).write(Path(directory))
        return process

    def postprocess(self, directory: str = "./") -> None:
        super().postprocess(directory=directory)
        (Path(directory) / RECORD).unlink(missing_ok=True)


def stop_leftover(directory: Path) -> str | None:
    """Stop a VASP that an interrupted run left running in ``directory``. Returns what was
    found and done, in one line, or None when nothing was left."""
    record = VaspProcess.read(directory)
    if record is None:
        return None
    if record.host != socket.gethostname():
        return (
            f"{directory}: VASP pid {record.pid} was started on {record.host}, not here; if "
            "it still runs there, stop it: this step is being run again"
        )
    if not record.running():
        (directory / RECORD).unlink(missing_ok=True)
        return None
    _stop(record.pid)
    (directory / RECORD).unlink(missing_ok=True)
    return (
        f"{directory}: stopped VASP (pid {record.pid}) left running by an interrupted run; "
        "its step is run again"
    )


def keep_aside(directory: Path) -> Path | None:
    """Move the outputs of an unfinished step into ``interrupted-N/`` beside them (the
    inputs stay), so the step starts clean and nothing it had written is lost."""
    present = [directory / name for name in OUTPUTS if (directory / name).exists()]
    if not present:
        return None
    n = 1
    while (directory / f"interrupted-{n}").exists():
        n += 1
    aside = directory / f"interrupted-{n}"
    aside.mkdir()
    for path in present:
        path.rename(aside / path.name)
    return aside


def _stop(pid: int) -> None:
    """SIGTERM to VASP's session (custodian made it a process group), SIGKILL after a grace."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if _start_ticks(pid) is None:
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks since boot), None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces
    if fields[0] == "Z":
        return None
    return int(fields[19])
