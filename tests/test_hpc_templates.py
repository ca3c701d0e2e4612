"""The cluster templates in hpc_templates/: they load with FireWorks, render job scripts for each
scheduler, go through FireWorks' queue launcher (with a fake submit command), and the commands
their README documents exist in the installed FireWorks."""

from __future__ import annotations

import argparse
import re
import shlex
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from fireworks import Firework, FWorker, ScriptTask
from fireworks.queue.queue_launcher import launch_rocket_to_queue
from fireworks.scripts.lpad_run import lpad
from fireworks.scripts.qlaunch_run import qlaunch
from fireworks.scripts.rlaunch_run import rlaunch
from fireworks.user_objects.queue_adapters.common_adapter import CommonAdapter
from fireworks.utilities.fw_serializers import SAVED_FW_MODULES, load_object_from_file
from ruamel.yaml import YAML

TEMPLATES = Path(__file__).resolve().parents[1] / "hpc_templates"


@dataclass(frozen=True)
class Scheduler:
    name: str  # queue_<name>.yaml
    q_type: str  # FireWorks' CommonAdapter q_type
    prefix: str  # directive prefix in the job script
    expected: tuple[str, ...]  # lines the filled template must produce
    submit_cmd: str
    submit_output: str  # what the real submit command prints
    job_id: str  # what FireWorks parses from it
    stdin: bool = False  # LSF: FireWorks pipes the script to bsub


SCHEDULERS = [
    Scheduler(
        "slurm",
        "SLURM",
        "#SBATCH",
        (
            "#SBATCH --nodes=1",
            "#SBATCH --ntasks-per-node=32",
            "#SBATCH --time=24:00:00",
            "#SBATCH --partition=YOUR_PARTITION",
            "#SBATCH --account=YOUR_ACCOUNT",
            "#SBATCH --job-name=nasx",
        ),
        "sbatch",
        "Submitted batch job 4242",
        "4242",
    ),
    Scheduler(
        "pbs",
        "PBS",
        "#PBS",
        (
            "#PBS -l nodes=1:ppn=32",
            "#PBS -l walltime=24:00:00",
            "#PBS -q YOUR_QUEUE",
            "#PBS -A YOUR_ACCOUNT",
            "#PBS -N nasx",
        ),
        "qsub",
        "4243.server",
        "4243",
    ),
    Scheduler(
        "lsf",
        "LoadSharingFacility",
        "#BSUB",
        (
            "#BSUB -n 32",
            "#BSUB -W 24:00",
            "#BSUB -q YOUR_QUEUE",
            "#BSUB -J nasx",
            "#BSUB -P YOUR_PROJECT",
        ),
        "bsub",
        "Job <4244> is submitted to queue <YOUR_QUEUE>.",
        "4244",
        stdin=True,
    ),
    Scheduler(
        "sge",
        "SGE",
        "#$",
        (
            "#$ -q YOUR_QUEUE",
            "#$ -A YOUR_ACCOUNT",
            "#$ -N nasx",
            "#$ -pe YOUR_PE 32",
            "#$ -l h_rt=24:00:00",
        ),
        "qsub",
        'Your job 4245 ("nasx") has been submitted',
        "4245",
    ),
]
BY_NAME = {s.name: s for s in SCHEDULERS}
RLAUNCH = "rlaunch -w /path/to/my_fworker.yaml -l /path/to/my_launchpad.yaml singleshot"


@pytest.fixture(autouse=True)
def _fireworks_class_locations(monkeypatch):
    """The first time FireWorks deserialises a _fw_name it has not seen, it imports every module
    of its packages to find the class, its own test modules included; under this project's
    --strict-markers their unregistered @pytest.mark.mongodb fails. So say where the two
    classes used here live, as FireWorks itself caches it after a successful search."""
    monkeypatch.setitem(SAVED_FW_MODULES, "CommonAdapter", CommonAdapter.__module__)
    monkeypatch.setitem(SAVED_FW_MODULES, "ScriptTask", ScriptTask.__module__)


def load_adapter(name: str) -> CommonAdapter:
    return load_object_from_file(str(TEMPLATES / f"queue_{name}.yaml"))


def test_every_scheduler_has_a_template():
    found = sorted(p.stem.removeprefix("queue_") for p in TEMPLATES.glob("queue_*.yaml"))
    assert found == sorted(BY_NAME)


@pytest.mark.parametrize("sched", SCHEDULERS, ids=lambda s: s.name)
def test_template_loads_and_renders_a_job_script(sched: Scheduler, tmp_path):
    adapter = load_adapter(sched.name)
    assert isinstance(adapter, CommonAdapter)
    assert adapter.q_type == sched.q_type
    assert adapter.q_commands[sched.q_type]["submit_cmd"] == sched.submit_cmd
    assert CommonAdapter.from_file(str(TEMPLATES / f"queue_{sched.name}.yaml")) == adapter

    with warnings.catch_warnings():
        # FireWorks warns about keys its template does not know: the templates use none
        warnings.simplefilter("error")
        script = adapter.get_script_str(str(tmp_path))
    lines = script.splitlines()

    assert "$$" not in script  # every placeholder substituted, unused ones dropped
    for line in sched.expected:
        assert line in lines
    assert f"cd {tmp_path}" in lines
    assert RLAUNCH in lines
    assert "source /path/to/nasx/.venv/bin/activate" in lines

    # the scheduler reads directives only up to the first command: extra directives put at the
    # top of pre_rocket (LSF, SGE) must still come before it
    body = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#!")]
    first_command = next(i for i, ln in enumerate(body) if not ln.startswith("#"))
    directives = [i for i, ln in enumerate(body) if ln.startswith(sched.prefix + " ")]
    assert directives and max(directives) < first_command


@pytest.mark.parametrize("sched", SCHEDULERS, ids=lambda s: s.name)
def test_template_rocket_launch_is_a_valid_rlaunch_command(sched: Scheduler):
    adapter = load_adapter(sched.name)
    assert adapter["rocket_launch"] == RLAUNCH  # singleshot: required by qlaunch -r
    parser = _parser_of(rlaunch)
    args = parser.parse_args(shlex.split(adapter["rocket_launch"])[1:])
    assert args.command == "singleshot"
    assert args.fworker_file == "/path/to/my_fworker.yaml"
    assert args.launchpad_file == "/path/to/my_launchpad.yaml"
    assert parser.parse_args([*shlex.split(RLAUNCH)[1:], "--offline"]).offline  # README, §6


def test_fworker_template_loads_with_vasp_cmd():
    worker = FWorker.from_file(str(TEMPLATES / "my_fworker.yaml"))
    assert worker.env == {"vasp_cmd": "srun vasp_std"}
    assert worker.category == ""  # every job; "vasp" is a commented option
    assert worker.query == FWorker(name=worker.name).query  # "{}": no extra restriction
    assert "category: vasp" in (TEMPLATES / "my_fworker.yaml").read_text()


def test_launchpad_template_has_placeholders_only():
    text = (TEMPLATES / "my_launchpad.yaml").read_text()
    config = YAML(typ="safe", pure=True).load(text)
    assert {"host", "username", "password"} <= set(config)
    assert config["username"] == "YOUR_USERNAME"
    assert config["password"] == "YOUR_PASSWORD"


def test_no_template_holds_a_secret():
    for path in TEMPLATES.glob("*.yaml"):
        config = YAML(typ="safe", pure=True).load(path.read_text())
        for key in ("password", "username"):
            assert config.get(key) in (None, f"YOUR_{key.upper()}"), path.name


# --- submission through FireWorks' queue launcher, with a fake submit command -----------------


@pytest.fixture
def launchpad(tmp_path):
    from nasx.workflows.launchpad import EmbeddedStore

    store = EmbeddedStore(tmp_path / "lp")
    try:
        yield store.launchpad
    finally:
        store.close()


def fake_submit_command(bindir: Path, sched: Scheduler, copy_to: Path, exit_code: int = 0) -> None:
    """An executable named like the scheduler's submit command that keeps the job script (an
    argument, or stdin for bsub) and prints what the real command prints."""
    keep = f'cat > "{copy_to}"' if sched.stdin else f'cp "$1" "{copy_to}"'
    say = f"echo {shlex.quote(sched.submit_output)}" if exit_code == 0 else "echo denied >&2"
    script = bindir / sched.submit_cmd
    script.write_text(f"#!/bin/sh\n{keep}\n{say}\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def submit_one(launchpad, sched, tmp_path, monkeypatch, exit_code=0):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    recorded = tmp_path / "submitted.script"
    fake_submit_command(bindir, sched, recorded, exit_code)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")  # no real scheduler command on PATH

    fw_id = next(
        iter(launchpad.add_wf(Firework(ScriptTask.from_str("echo hi"), name="nasx probe")).values())
    )
    adapter = load_adapter(sched.name)
    logdir = tmp_path / "fw_logs"  # the template's logdir placeholder must be an existing dir
    logdir.mkdir()
    adapter["logdir"] = str(logdir)
    launcher_dir = tmp_path / "launches"
    launcher_dir.mkdir()

    result = launch_rocket_to_queue(
        launchpad,
        FWorker(),
        adapter,
        launcher_dir=str(launcher_dir),
        reserve=True,
        strm_lvl="ERROR",
        create_launcher_dir=True,
    )
    return result, fw_id, recorded, logdir


@pytest.mark.parametrize("sched", SCHEDULERS, ids=lambda s: s.name)
def test_reserved_submission_records_the_queue_id(sched, launchpad, tmp_path, monkeypatch):
    job_id, fw_id, recorded, logdir = submit_one(launchpad, sched, tmp_path, monkeypatch)

    assert job_id == sched.job_id
    assert launchpad.get_fw_by_id(fw_id).state == "RESERVED"
    # FireWorks keeps the queue id in the launch's RESERVED state_history entry, as a string
    launch = launchpad.launches.find_one({"fw_id": fw_id})
    assert launch["state"] == "RESERVED"
    reserved = [h for h in launch["state_history"] if h["state"] == "RESERVED"]
    assert reserved[0]["reservation_id"] == sched.job_id
    assert launchpad.get_reservation_id_from_fw_id(fw_id) == sched.job_id
    assert launchpad.get_fw_ids_from_reservation_id(sched.job_id) == [fw_id]

    # the script the scheduler received: its directives, and rlaunch bound to this Firework
    script = recorded.read_text()
    launch_dir = Path(launch["launch_dir"])
    assert launch_dir.parent == tmp_path / "launches" and launch_dir.name.startswith("launcher_")
    assert script == (launch_dir / "FW_submit.script").read_text()
    assert sched.prefix + " " in script
    assert f"cd {launch_dir}\n" in script
    assert f"{RLAUNCH} --fw_id {fw_id}\n" in script
    assert "nasx_probe" in script  # reservation mode names the queue job after the Firework
    log = (logdir / f"qadapter_{sched.q_type}-debug.log").read_text()
    assert f"job_id is {sched.job_id}" in log


def test_failed_submission_releases_the_reservation(launchpad, tmp_path, monkeypatch):
    result, fw_id, recorded, _ = submit_one(
        launchpad, BY_NAME["slurm"], tmp_path, monkeypatch, exit_code=1
    )
    assert result is False
    assert recorded.exists()  # sbatch was called with the script
    assert launchpad.get_fw_by_id(fw_id).state == "READY"  # back in the pool, not lost


# --- the commands hpc_templates/README.md documents exist in this FireWorks ------------------


class _Captured(Exception):
    pass


def _parser_of(main) -> argparse.ArgumentParser:
    """The argparse parser a FireWorks console script builds (caught before it runs anything)."""

    def capture(self, *args, **kwargs):
        raise _Captured(self)

    original = argparse.ArgumentParser.parse_args
    argparse.ArgumentParser.parse_args = capture
    try:
        main([])
    except _Captured as caught:
        return caught.args[0]
    finally:
        argparse.ArgumentParser.parse_args = original
    raise AssertionError(f"{main.__name__} did not parse arguments")


def readme_commands() -> list[str]:
    """Every lpad/qlaunch/rlaunch command line in the README (code blocks and inline code)."""
    text = (TEMPLATES / "README.md").read_text()
    blocks = re.findall(r"^ *```[a-z]*\n(.*?)^ *```", text, flags=re.M | re.S)
    text_outside = re.sub(r"^ *```.*?^ *```", "", text, flags=re.M | re.S)
    code = re.findall(r"`([^`\n]+)`", text_outside) + "\n".join(blocks).splitlines()
    commands = []
    for line in code:
        line = line.split("#")[0].strip()
        line = line.split("; do ", 1)[-1].split(";")[0].strip()  # the body of a while loop
        if re.match(r"(lpad|qlaunch|rlaunch)( |$)", line):
            commands.append(line)
    return sorted(set(commands))


def test_readme_fireworks_commands_parse():
    commands = readme_commands()
    assert len(commands) >= 12
    parsers = {
        "lpad": _parser_of(lpad),
        "qlaunch": _parser_of(qlaunch),
        "rlaunch": _parser_of(rlaunch),
    }
    for command in commands:
        program, *argv = shlex.split(command.replace("...", ""))
        try:
            parsers[program].parse_args(argv)
        except SystemExit:
            pytest.fail(f"README command does not parse with FireWorks: {command}")
