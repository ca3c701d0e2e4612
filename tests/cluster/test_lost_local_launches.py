"""A killed local nasx leaves its job RUNNING in the database; the next ``nasx run --launchpad``
puts back exactly the jobs of local workers that are gone, never a cluster worker's or a live one's."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from fireworks import FiretaskBase, Firework, FWorker, Workflow, explicit_serialize

from nasx.workflows.launchpad import launchpad_from_file
from nasx.workflows.local_launches import local_worker_name, recover_dead_local_launches

pytestmark = pytest.mark.slow


@explicit_serialize
class Noop(FiretaskBase):
    """A job that is only ever checked out here, never run."""

    def run_task(self, fw_spec: dict) -> None:
        return None


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_jobs_of_gone_local_workers_are_put_back(launchpad_file):
    lp = launchpad_from_file(launchpad_file)
    host = socket.gethostname()
    workers = {
        "gone, serial": f"nasx-{host}-{_dead_pid()}",
        "gone, one of several": f"nasx-{host}-{_dead_pid()}-worker-2",
        "alive": local_worker_name("worker-1"),
        "other host": f"nasx-elsewhere-{_dead_pid()}",
        "cluster worker": "hpc_worker",
    }
    fws = {key: Firework(Noop(), name=key) for key in workers}
    before = {key: fw.fw_id for key, fw in fws.items()}
    mapping = lp.add_wf(Workflow(list(fws.values())))
    ids = {key: mapping[fw_id] for key, fw_id in before.items()}
    for key, name in workers.items():
        launched, _ = lp.checkout_fw(FWorker(name=name), "/tmp", fw_id=ids[key])
        assert launched is not None
    put_back = recover_dead_local_launches(lp, list(ids.values()))
    assert sorted(put_back) == sorted([ids["gone, serial"], ids["gone, one of several"]])
    states = {key: lp.get_fw_by_id(fw_id).state for key, fw_id in ids.items()}
    assert states == {
        "gone, serial": "READY",
        "gone, one of several": "READY",
        "alive": "RUNNING",
        "other host": "RUNNING",
        "cluster worker": "RUNNING",
    }
