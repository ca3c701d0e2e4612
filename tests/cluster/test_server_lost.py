"""The database goes away in the middle of ``nasx run --launchpad``: down for longer than the
file's timeout, or back with another password. Each ends in one line that names the file and
the server (no password) and says how to go on, exit status 1, never a pymongo traceback; the
same command then finishes the run, recomputing nothing that was finished.

The server is this test's own (it is frozen, and restarted); the runs are in this process, their
worker named as a process that has ended (which it would have, after the error).
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fireworks import LaunchPad

from nasx.cli import main
from nasx.workflows import local_launches, runner
from nasx.workflows.calculators.stub import StubCalculator
from tests.cluster.conftest import PASSWORD, USER, Server, free_port, start_server, stop_server
from tests.small_set import MIN_LENGTH, PHASES, write_small_set

pytestmark = pytest.mark.slow

NEW_PASSWORD = "Rotated-9xQ-passphrase"
FORCES = StubCalculator.forces
THREE = tuple(p for p in PHASES if p != "Na2S2_P6_3mmc")  # fewer jobs: Na, S, Na2S


def gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class OwnServer:
    """A server that the test freezes (as an unreachable host), and restarts."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True)
        self.storage, self.log, self.port = root / "data", root / "server.log", free_port()
        self.process = start_server(self.storage, self.port, self.log)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def restart_with_password(self, password: str) -> None:
        """The user's password changed, and the server restarted (every connection dropped)."""
        import pymongo

        login = {"username": USER, "password": PASSWORD, "authSource": "admin"}
        with pymongo.MongoClient("127.0.0.1", self.port, **login) as client:
            client.admin.command("updateUser", USER, pwd=password)
        stop_server(self.process)
        self.process = start_server(self.storage, self.port, self.log, password=None)

    def stop(self) -> None:
        self.thaw()
        stop_server(self.process)


@pytest.fixture
def own_server(tmp_path):
    server = OwnServer(tmp_path / "mongo")
    try:
        yield server
    finally:
        server.stop()


def stop_during_forces_job(monkeypatch, number: int, action) -> None:
    """Run ``action`` (stop the server, ...) inside the ``number``-th forces job from now."""
    calls = []

    def forces(self, structure, workdir):
        calls.append(workdir)
        if len(calls) == number:
            action()
        return FORCES(self, structure, workdir)

    monkeypatch.setattr(StubCalculator, "forces", forces)


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_server_lost_mid_run_is_one_line_and_the_same_command_resumes(
    own_server, tmp_path, monkeypatch, capsys
):
    timeouts = {"serverSelectionTimeoutMS": 1000, "socketTimeoutMS": 1000}  # default: 30 s, none
    lp = Server("127.0.0.1", own_server.port, own_server.storage).launchpad_file(
        tmp_path / "lp.yaml", "nasx_lost", mongoclient_kwargs=timeouts
    )
    LaunchPad.from_file(str(lp)).reset("", require_password=False)
    out = tmp_path / "out"
    structures = write_small_set(tmp_path / "structures", THREE)
    argv = ["run", "--calculator", "stub", "--structures", str(structures), *MIN_LENGTH]
    argv += ["--launchpad", str(lp), "--out", str(out), "--quiet", "--workers", "1"]
    host = socket.gethostname()

    # 1. the server stops answering (a hung host, a network cut) for longer than the timeouts
    monkeypatch.setattr(runner, "local_worker_name", lambda: f"nasx-{host}-{gone_pid()}")
    stop_during_forces_job(monkeypatch, 1, own_server.freeze)
    code, stdout, stderr = run(capsys, argv)
    own_server.thaw()
    assert code == 1
    [line] = stderr.splitlines()
    assert line.startswith(
        f"nasx: error: {lp}: lost the MongoDB server 127.0.0.1:{own_server.port} mid-run ("
    )
    assert line.endswith("run the same command again once the server is back")
    assert PASSWORD not in stdout + stderr and "Traceback" not in stdout + stderr

    # 2. back, but restarted with another password: refused mid-run. The first run may also
    # have lost the server while it held FireWorks' lock on the workflow (as one did in a trial
    # by hand): that lock is lifted, not waited for (FireWorks: 5 minutes, then an error)
    with LaunchPad.from_file(str(lp)).connection as client:
        client["nasx_lost"].workflows.update_one({}, {"$set": {"locked": True}})
    monkeypatch.setattr(local_launches, "SETTLE_S", 0.2)  # no live worker: stale at once
    stop_during_forces_job(monkeypatch, 1, lambda: own_server.restart_with_password(NEW_PASSWORD))
    code, stdout, stderr = run(capsys, argv)
    assert code == 1
    [line] = stderr.splitlines()
    assert line.startswith(
        f"nasx: error: {lp}: mid-run, the MongoDB server 127.0.0.1:{own_server.port} refused "
        "the login of user 'nasx-tester' (authentication failed): check username, password"
    )
    assert line.endswith("run the same command again once fixed")
    assert NEW_PASSWORD not in stdout + stderr and PASSWORD not in stdout + stderr

    # 3. the file gets the new password: the same command finishes the run
    lp.write_text(lp.read_text().replace(PASSWORD, NEW_PASSWORD))
    monkeypatch.undo()
    code, stdout, stderr = run(capsys, argv)
    assert code == 0, stderr
    assert json.loads((out / "results.json").read_text())["phases"]
    database = LaunchPad.from_file(str(lp))
    assert database.workflows.count_documents({}) == 1
    assert {fw["state"] for fw in database.fireworks.find({}, {"state": 1})} == {"COMPLETED"}
    assert database.workflows.find_one({"locked": {"$exists": True}}) is None
