"""``nasx status --launchpad``: the jobs of a ``nasx run`` on this machine whose process has ended
are lost, not running; and two workflows of one run directory (left by an older nasx when two
runs started at once) are named, with the FireWorks command that removes the extra one."""

from __future__ import annotations

import socket
import subprocess
import sys

from fireworks import FiretaskBase, Firework, FWorker, Workflow, explicit_serialize

from nasx.workflows.graph import RUN_DIR_KEY
from nasx.workflows.launchpad import launchpad_from_file
from nasx.workflows.status import NEEDS_ACTION
from tests.cluster.conftest import nasx, run


@explicit_serialize
class Idle(FiretaskBase):
    """A job that is only ever checked out here, never run."""

    def run_task(self, fw_spec: dict) -> None:
        return None


def ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def add_run_workflow(lp, run_dir: str) -> int:
    """A two-job workflow as ``nasx run --launchpad`` adds it; its first job id."""
    jobs = [Firework(Idle(), name=f"relax {n}") for n in ("A", "B")]
    return min(lp.add_wf(Workflow(jobs, metadata={RUN_DIR_KEY: run_dir})).values())


def test_a_dead_runs_jobs_are_lost_and_a_duplicate_is_named(launchpad_file, tmp_path, capsys):
    lp = launchpad_from_file(launchpad_file)
    run_dir = str(tmp_path / "out")
    first = add_run_workflow(lp, run_dir)
    pid = ended_pid()  # the nasx run was killed (or lost its database) and has ended
    launched, _ = lp.checkout_fw(FWorker(name=f"nasx-{socket.gethostname()}-{pid}"), "/tmp")
    assert launched is not None and launched.fw_id == first

    code, report = nasx(capsys, "status", "--launchpad", str(launchpad_file))
    assert code == NEEDS_ACTION, report
    [job] = [line.strip() for line in report.splitlines() if line.strip().startswith(("lo", "ru"))]
    assert job.startswith(f"lost    {first} relax ") and f"(its process {pid} has ended)" in job
    assert (
        f"next: run the command that made it again, with --launchpad {launchpad_file} --out "
        f"{run_dir} (jobs of an ended nasx are put back, finished jobs are kept)"
    ) in report
    assert "detect_lostruns" not in report  # its heartbeat is recent: that would not find it

    second = add_run_workflow(lp, run_dir)  # as two runs released at once used to add
    code, report = nasx(capsys, "status", "--launchpad", str(launchpad_file))
    assert code == NEEDS_ACTION
    assert f"workflow {second}: " in report
    assert f"  duplicate of workflow {first}: both compute in this run directory" in report
    remove = f"lpad -l {launchpad_file} delete_wflows -i {second}"
    assert f"next: {remove} (stop its workers first;" in report

    result = run(remove.split(), env=None, cwd=tmp_path, timeout=120)  # the advice works
    assert result.returncode == 0, result.stderr
    code, report = nasx(capsys, "status", "--launchpad", str(launchpad_file))
    assert "duplicate" not in report and f"workflow {second}:" not in report
    assert f"workflow {first}:" in report
