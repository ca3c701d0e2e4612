"""Submitted fake-VASP studies run by concurrent FireWorks workers (``rlaunch rapidfire``) on a
real MongoDB, with and without a worker killed in the middle of a VASP job.

Both compare with the stub study of the same phases: the fake VASP computes with the stub, and
tests/workflows/test_fake_vasp_run.py shows that the two studies agree for the full Na–S set.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from nasx.cli import main
from tests.cluster.conftest import PASSWORD, nasx, run, start, stop_group, wait_all, worker_env
from tests.small_set import MIN_LENGTH

pytestmark = pytest.mark.slow
WORKERS = 3
WORKER_TIMEOUT_S = 400
LOST_AFTER_S = 3  # with one heartbeat a second (FW_config.yaml of the tests)


@pytest.fixture(scope="module")
def stub_results(small_set, tmp_path_factory) -> dict:
    """The stub study of the small set on the embedded store: the numbers to reproduce."""
    out = tmp_path_factory.mktemp("stub") / "run"
    argv = ["run", "--calculator", "stub", "--structures", str(small_set), *MIN_LENGTH]
    # the VASP workflow leaves the acoustic modes at Γ out (translationally invariant model)
    assert main([*argv, "--gamma-acoustic", "exclude", "--out", str(out), "--quiet"]) == 0
    return json.loads((out / "results.json").read_text())


def assert_same_numbers(found: dict, expected: dict) -> None:
    assert found["temperatures_K"] == expected["temperatures_K"]
    for t in map(str, expected["temperatures_K"]):
        for formula, phase in expected["phases"].items():
            for key in ("formation_energy_eV_per_atom", "hull_distance_meV_per_atom"):
                assert found["phases"][formula][key][t] == pytest.approx(phase[key][t], abs=1e-5)
        for path in ("thermodynamic", "kinetic"):
            volts = [p["voltage_V"] for p in found["ocv"][path][t]]
            assert volts == pytest.approx(
                [p["voltage_V"] for p in expected["ocv"][path][t]], abs=1e-6
            )
    for phase_id, record in expected["calculations"].items():
        phonons = found["calculations"][phase_id]["phonons"]
        assert phonons["free_energy_eV_per_atom"] == pytest.approx(
            record["phonons"]["free_energy_eV_per_atom"], abs=1e-6
        )
    assert found["complete"] and "VASP r2SCAN" in found["calculator"]["description"]


def submit(capsys, launchpad_file: Path, small_set: Path, run_dir: Path) -> None:
    code, output = nasx(
        capsys,
        *("submit", "--launchpad", str(launchpad_file), "--out", str(run_dir)),
        *("--structures", str(small_set), *MIN_LENGTH),
    )
    assert code == 0, output
    assert "added 9 jobs for 4 phases" in output  # relax and setup per phase; analysis


def start_workers(launchpad_file: Path, worker_file: Path, env: dict, root: Path) -> list:
    """``rlaunch -l FILE -w my_fworker.yaml rapidfire``, each in a directory of its own."""
    command = ["rlaunch", "-l", str(launchpad_file), "-w", str(worker_file), "rapidfire"]
    return [
        start([*command, "--sleep", "1"], env, root / f"worker{i}", root / f"worker{i}.log")
        for i in range(1, WORKERS + 1)
    ]


def workflow_jobs(launchpad_file: Path) -> tuple[list[dict], list[dict]]:
    """Every Firework of the LaunchPad's only workflow, and every launch."""
    from fireworks import LaunchPad

    lp = LaunchPad.from_file(str(launchpad_file))
    [workflow] = list(lp.workflows.find({}))
    jobs = list(lp.fireworks.find({"fw_id": {"$in": workflow["nodes"]}}))
    return jobs, list(lp.launches.find({}))


def assert_each_job_completed_once(jobs: list[dict], launches: list[dict]) -> None:
    states = {launch["launch_id"]: launch["state"] for launch in launches}
    assert len(jobs) == 4 * 3 + 8 + 1  # 4 phases × (relax, setup, phonons), 8 forces, analysis
    for job in jobs:
        assert job["state"] == "COMPLETED", job["name"]
        assert [states[i] for i in job["launches"]] == ["COMPLETED"], job["name"]


def analyze(capsys, launchpad_file: Path, out: Path) -> dict:
    code, output = nasx(capsys, "analyze", "--launchpad", str(launchpad_file), "--out", str(out))
    assert code == 0, output
    return json.loads((out / "results.json").read_text())


def journal(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]


def test_three_workers_run_a_submitted_study(
    launchpad_file, worker_file, fw_config, small_set, stub_results, tmp_path, capsys
):
    env = worker_env(small_set, fw_config)
    run_dir = tmp_path / "shared" / "study"
    submit(capsys, launchpad_file, small_set, run_dir)
    workers = start_workers(launchpad_file, worker_file, env, tmp_path)
    wait_all(workers, WORKER_TIMEOUT_S)
    assert [w.returncode for w in workers] == [0] * WORKERS

    jobs, launches = workflow_jobs(launchpad_file)
    assert_each_job_completed_once(jobs, launches)
    ran_in = {Path(launch["launch_dir"]).parent.name for launch in launches}
    assert len(ran_in) > 1  # the workers shared the work
    computed = [entry["job"] for entry in journal(run_dir) if entry["computed"]]
    assert len(computed) == len(set(computed)) == len(jobs)  # each job computed exactly once

    code, status = nasx(capsys, "status", "--launchpad", str(launchpad_file))
    assert code == 0, status
    assert "21/21 jobs completed" in status and "forces    8 completed" in status
    assert_same_numbers(analyze(capsys, launchpad_file, tmp_path / "analysis"), stub_results)
    assert_same_numbers(json.loads((run_dir / "results.json").read_text()), stub_results)
    # the workers' LaunchPad file holds the password; nothing nasx or FireWorks wrote does
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != launchpad_file]
    assert len(written) > 100 and not [p for p in written if PASSWORD.encode() in p.read_bytes()]


def fake_vasp_of(pid: int) -> int | None:
    """The pid of a nasx-fake-vasp process that ``pid`` started (custodian runs VASP in a
    session of its own, so it is a descendant, not a member of the worker's process group)."""
    parents, commands = {}, {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                status = (proc / "status").read_text()
                commands[int(proc.name)] = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            parents[int(proc.name)] = int(status.split("PPid:")[1].split()[0])
    family, found = {pid}, True
    while found:
        children = {child for child, parent in parents.items() if parent in family}
        found = bool(children - family)
        family |= children
    return next((p for p in family - {pid} if b"nasx-fake-vasp" in commands.get(p, b"")), None)


def test_a_worker_killed_in_a_vasp_job_is_recovered(
    launchpad_file, worker_file, fw_config, small_set, stub_results, tmp_path, capsys
):
    env = worker_env(small_set, fw_config)
    run_dir = tmp_path / "shared" / "study"
    submit(capsys, launchpad_file, small_set, run_dir)
    victim, *survivors = start_workers(launchpad_file, worker_file, env, tmp_path)
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT_S
        while (vasp := fake_vasp_of(victim.pid)) is None:
            assert time.monotonic() < deadline and victim.poll() is None, "no VASP job started"
            time.sleep(0.05)
        # kill -9 the worker and the VASP it runs, as a node failure or the walltime would
        os.killpg(victim.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(vasp, signal.SIGKILL)
        victim.wait(timeout=15)
        jobs, launches = workflow_jobs(launchpad_file)
        [lost] = [
            launch
            for launch in launches
            if launch["state"] == "RUNNING" and Path(launch["launch_dir"]).parent.name == "worker1"
        ]
        name = next(job["name"] for job in jobs if job["fw_id"] == lost["fw_id"])
        print(f"killed worker1 and its nasx-fake-vasp (pid {vasp}) in job {lost['fw_id']} ({name})")
        time.sleep(LOST_AFTER_S + 2)  # its heartbeat has stopped; the others beat every second

        code, status = nasx(
            capsys, "status", "--launchpad", str(launchpad_file), "--lost-after", str(LOST_AFTER_S)
        )
        assert code == 1, status  # needs action
        [line] = [ln for ln in status.splitlines() if ln.strip().startswith("lost")]
        assert line.split()[1] == str(lost["fw_id"]) and "on test_cluster" in line
        recover = f"lpad -l {launchpad_file} detect_lostruns --time {LOST_AFTER_S} --rerun"
        assert f"next: {recover}" in status
        recovered = run(recover.split(), env, tmp_path)
        assert recovered.returncode == 0, recovered.stderr
        wait_all(survivors, WORKER_TIMEOUT_S)  # they pick the job up again
    finally:
        for worker in (victim, *survivors):
            stop_group(worker)
    assert [w.returncode for w in survivors] == [0] * (WORKERS - 1)

    jobs, launches = workflow_jobs(launchpad_file)
    assert_each_job_completed_once(jobs, launches)
    [rerun] = [job for job in jobs if job["fw_id"] == lost["fw_id"]]
    assert rerun["archived_launches"] == [lost["launch_id"]]  # the killed launch, set aside
    entries = journal(run_dir)
    computed = [entry["job"] for entry in entries if entry["computed"]]
    assert len(computed) == len(set(computed))  # no finished job was computed again
    assert len({entry["job"] for entry in entries}) == len(jobs)  # and every job finished
    assert_same_numbers(analyze(capsys, launchpad_file, tmp_path / "analysis"), stub_results)
