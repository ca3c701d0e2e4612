"""A real MongoDB wire-protocol server for the cluster tests, and what the tests run against it.

The server is SecantusDB (PyPI ``secantusdb``, GPL-2.0, a test-only dependency), started as its
own process on a free port of 127.0.0.1 with SCRAM authentication and one user, and stopped at
the end of the session. nasx never imports it: the tests talk to it through FireWorks and
pymongo, as they would to mongod. Every wait here is bounded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.small_set import write_small_set

BIN = Path(sys.executable).parent  # nasx, nasx-fake-vasp, rlaunch, qlaunch, lpad, secantusd-py
TEMPLATES = Path(__file__).resolve().parents[2] / "hpc_templates"
USER, PASSWORD = "nasx-tester", "Pw-7Hq2-secret-zebra"  # the password must never show up anywhere
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    storage: Path

    def launchpad_file(self, path: Path, database: str, **extra: object) -> Path:
        """A my_launchpad.yaml for ``database`` on this server, with the test user's password."""
        config = {
            "host": self.host,
            "port": self.port,
            "name": database,
            "username": USER,
            "password": PASSWORD,
            "authsource": "admin",
            "strm_lvl": "ERROR",
            **extra,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            YAML(typ="safe", pure=True).dump(config, handle)
        path.chmod(0o600)
        return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(storage: Path, port: int, log: Path, auth: bool) -> subprocess.Popen:
    command = [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--storage-path", str(storage), "--log-level", "WARNING"]
    with open(log, "a") as output:  # the server's own log, kept for failures
        process = subprocess.Popen(
            [*command, "--auth"] if auth else command,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=storage.parent,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"secantusd-py exited with {process.returncode}; see {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return process
        time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"secantusd-py did not accept connections within {START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def start_server(
    storage: Path, port: int, log: Path, password: str | None = PASSWORD
) -> subprocess.Popen:
    """secantusd-py on ``storage`` with authentication on, after setting the test user's password
    (root role; created on first use) on a short start without it; ``password`` None: as the
    storage has it. ``stop_server`` ends it."""
    import pymongo

    if password is not None:
        provisioning = _start(storage, port, log, auth=False)  # users are managed without auth
        try:
            with pymongo.MongoClient("127.0.0.1", port, serverSelectionTimeoutMS=10_000) as client:
                if client.admin.command("usersInfo", USER)["users"]:
                    client.admin.command("updateUser", USER, pwd=password)
                else:
                    roles = [{"role": "root", "db": "admin"}]
                    client.admin.command("createUser", USER, pwd=password, roles=roles)
        finally:
            _stop(provisioning)
    return _start(storage, port, log, auth=True)


stop_server = _stop


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """A MongoDB wire-protocol server with authentication on, and one user (root role)."""
    root = tmp_path_factory.mktemp("mongo")
    storage, log, port = root / "data", root / "server.log", free_port()
    process = start_server(storage, port, log)
    try:
        yield Server("127.0.0.1", port, storage)
    finally:
        _stop(process)


@pytest.fixture
def database_name(request) -> str:
    """A database of its own for each test: nasx_<test name>."""
    name = "".join(c if c.isalnum() else "_" for c in request.node.name)
    return f"nasx_{name}"[:60]


@pytest.fixture
def launchpad_file(server, database_name, tmp_path) -> Path:
    """An initialised LaunchPad (``lpad reset`` done) in a fresh database of the server."""
    from fireworks import LaunchPad

    path = server.launchpad_file(tmp_path / "my_launchpad.yaml", database_name)
    LaunchPad.from_file(str(path)).reset("", require_password=False)
    return path


@pytest.fixture(scope="session")
def small_set(tmp_path_factory) -> Path:
    return write_small_set(tmp_path_factory.mktemp("structures") / "small-na-s")


def worker_env(small_set: Path, fw_config: Path) -> dict[str, str]:
    """The environment of workers and batch jobs: this venv first, FireWorks settings for tests
    (FW_config.yaml: one heartbeat a second), the fake VASP's structures, one thread each."""
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "FW_CONFIG_FILE": str(fw_config),
        "NASX_FAKE_VASP_STRUCTURES": str(small_set),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


@pytest.fixture
def fw_config(tmp_path) -> Path:
    """FireWorks' own configuration file for the tests' processes (FW_CONFIG_FILE): heartbeats
    every second instead of every hour, so a killed job is seen as lost after seconds; and
    qlaunch waits 0.2 s instead of 5 s after each submission for the queue to register it."""
    path = tmp_path / "FW_config.yaml"
    path.write_text("PING_TIME_SECS: 1\nQUEUE_UPDATE_INTERVAL: 0.2\n")
    return path


@pytest.fixture
def worker_file(tmp_path) -> Path:
    """hpc_templates/my_fworker.yaml filled in for the offline fake VASP: vasp_cmd, and
    custodian polling every 0.2 s instead of 10 s (the worker env key vasp_polling_seconds)."""
    yaml = YAML(typ="rt")
    config = yaml.load((TEMPLATES / "my_fworker.yaml").read_text())
    config["name"] = "test_cluster"
    config["env"]["vasp_cmd"] = "nasx-fake-vasp"
    config["env"]["vasp_polling_seconds"] = 0.2
    path = tmp_path / "my_fworker.yaml"
    with open(path, "w") as handle:
        yaml.dump(config, handle)
    return path


def run(
    command: list[str], env: dict[str, str] | None, cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess:
    """A command of BIN (nasx, lpad, ...) to the end, with its output."""
    program = shutil.which(command[0], path=str(BIN)) or command[0]
    return subprocess.run(
        [program, *command[1:]],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """A long-running command of BIN in its own process group (so that a test can kill it and
    everything it started, as a node failure would)."""
    cwd.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as output:
        return subprocess.Popen(
            [str(BIN / command[0]), *command[1:]],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_group(process: subprocess.Popen) -> None:
    """Kill a process started by ``start`` and its children, if still there."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def wait_all(processes: list[subprocess.Popen], timeout: float) -> None:
    """Wait for every process to end; kill them and fail if the time runs out."""
    deadline = time.monotonic() + timeout
    try:
        for process in processes:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        for process in processes:
            stop_group(process)
        pytest.fail(f"workers did not finish within {timeout} s")


def nasx(capsys, *argv: str) -> tuple[int, str]:
    """A nasx command in this process (its imports are paid once): exit status, output."""
    from nasx.cli import main

    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err
