"""A queue that runs jobs: ``qlaunch -r rapidfire`` with hpc_templates/queue_slurm.yaml, where a
fake ``sbatch`` starts each generated job script at once in the background and a fake ``squeue``
lists the ones still running. Every job goes through FireWorks' queue adapter, the worker file
and ``rlaunch`` inside the job script, as on a cluster."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import TEMPLATES, nasx, start, wait_all, worker_env
from tests.small_set import MIN_LENGTH, PHASES, write_small_set

pytestmark = pytest.mark.slow
QUEUE_TIMEOUT_S = 400

SBATCH = """#!/bin/sh
# fake sbatch: runs the job script now, in the background, as an idle cluster would
queue="{queue}"
id=$(( $(cat "$queue/last_id" 2>/dev/null || echo 4000) + 1 ))
echo "$id" > "$queue/last_id"
cp "$1" "$queue/job-$id.sh"
setsid /bin/bash "$1" > "$queue/slurm-$id.out" 2>&1 < /dev/null &
echo $! > "$queue/$id.pid"
echo "Submitted batch job $id"
"""

SQUEUE = """#!/bin/sh
# fake squeue -o "%u" -u USER -h: one line per job still running (FireWorks counts the lines)
for pidfile in "{queue}"/*.pid; do
  [ -e "$pidfile" ] || continue
  kill -0 "$(cat "$pidfile")" 2>/dev/null && echo "$(id -un)"
done
exit 0
"""


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def filled_in_slurm_template(target: Path, worker: Path, launchpad: Path, logdir: Path) -> Path:
    """queue_slurm.yaml with its placeholders replaced as hpc_templates/README.md says."""
    activate = Path(sys.prefix) / "bin" / "activate"
    assert activate.is_file(), "the tests run in a virtual environment"
    text = (TEMPLATES / "queue_slurm.yaml").read_text()
    replacements = {
        "  module load YOUR_VASP_MODULE\n": "",  # no module system here: VASP is the fake
        "source /path/to/nasx/.venv/bin/activate": f"source {activate}",
        "-w /path/to/my_fworker.yaml": f"-w {worker}",
        "-l /path/to/my_launchpad.yaml": f"-l {launchpad}",
        "logdir: /path/to/fw_logs": f"logdir: {logdir}",
    }
    for placeholder, value in replacements.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    logdir.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def running_jobs(queue: Path) -> list[int]:
    alive = []
    for pidfile in queue.glob("*.pid"):
        pid = int(pidfile.read_text())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def test_qlaunch_runs_the_study_through_the_slurm_template(
    launchpad_file, worker_file, fw_config, tmp_path, capsys
):
    phases = tuple(p for p in PHASES if p != "Na2S2_P6_3mmc")  # elemental references and Na2S
    structures = write_small_set(tmp_path / "structures", phases)
    queue, bindir = tmp_path / "queue", tmp_path / "bin"
    queue.mkdir()
    bindir.mkdir()
    executable(bindir / "sbatch", SBATCH.format(queue=queue))
    executable(bindir / "squeue", SQUEUE.format(queue=queue))
    env = worker_env(structures, fw_config)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    adapter = filled_in_slurm_template(
        tmp_path / "queue_slurm.yaml", worker_file, launchpad_file, tmp_path / "fw_logs"
    )
    run_dir = tmp_path / "shared" / "study"
    code, output = nasx(
        capsys,
        *("submit", "--launchpad", str(launchpad_file), "--out", str(run_dir)),
        *("--structures", str(structures), *MIN_LENGTH),
    )
    assert code == 0, output

    start_time = time.monotonic()
    qlaunch = start(
        [
            *("qlaunch", "-r", "-q", str(adapter), "-w", str(worker_file)),
            *("-l", str(launchpad_file), "rapidfire", "-m", "3", "--sleep", "1"),
        ],
        env,
        tmp_path / "launches",
        tmp_path / "qlaunch.log",
    )
    try:
        wait_all([qlaunch], QUEUE_TIMEOUT_S)  # it stops once nothing is left to submit
        from fireworks import LaunchPad

        while (
            running_jobs(queue)
            or LaunchPad.from_file(str(launchpad_file)).fireworks.count_documents(
                {"state": "READY"}
            )
        ):  # a job made ready after qlaunch stopped is submitted by the next qlaunch, as a cron loop does
            if not running_jobs(queue):
                again = start(
                    [
                        *("qlaunch", "-r", "-q", str(adapter), "-w", str(worker_file)),
                        *("-l", str(launchpad_file), "rapidfire", "-m", "3", "--sleep", "1"),
                    ],
                    env,
                    tmp_path / "launches",
                    tmp_path / "qlaunch-again.log",
                )
                wait_all([again], QUEUE_TIMEOUT_S)  # the last batch jobs (the analysis) finish
            assert time.monotonic() - start_time < QUEUE_TIMEOUT_S, "batch jobs still running"
            time.sleep(0.2)
    finally:
        for pid in running_jobs(queue):
            os.killpg(pid, 9)  # each batch job is a session of its own (setsid)
    assert qlaunch.returncode == 0, (tmp_path / "qlaunch.log").read_text()[-2000:]

    from fireworks import LaunchPad

    lp = LaunchPad.from_file(str(launchpad_file))
    jobs = list(lp.fireworks.find({}))
    launches = {launch["launch_id"]: launch for launch in lp.launches.find({})}
    assert len(jobs) == 3 * 3 + 4 + 1  # relax, setup, phonons per phase; 1+1+2 forces; analysis
    batch_ids = set()
    for job in jobs:
        assert job["state"] == "COMPLETED", job["name"]
        [launch] = [launches[i] for i in job["launches"]]
        assert launch["state"] == "COMPLETED"
        [reserved] = [h for h in launch["state_history"] if h["state"] == "RESERVED"]
        batch_ids.add(reserved["reservation_id"])  # the queue id sbatch printed
        assert (Path(launch["launch_dir"]) / "FW_submit.script").is_file()
    assert len(batch_ids) == len(jobs)  # one batch job each (reservation mode)
    script = next(queue.glob("job-*.sh")).read_text()
    assert "#SBATCH --partition=YOUR_PARTITION" in script and f"-w {worker_file}" in script
    assert "rlaunch" in script and "singleshot --fw_id" in script
    results = json.loads((run_dir / "results.json").read_text())
    assert results["complete"] and results["ocv"]["thermodynamic"]["300"]

    code, status = nasx(capsys, "status", "--launchpad", str(launchpad_file))
    assert code == 0 and "14/14 jobs completed" in status
    print(f"queue study: {len(jobs)} batch jobs in {time.monotonic() - start_time:.0f} s")
