"""`nasx status RUN_DIR`: a finished run, a failed one, one that a nasx process is working on,
and a half-written VASP step that must run again."""

from __future__ import annotations

import json
import shlex

from nasx.cli import main
from nasx.workflows.calculators.stub import StubCalculator
from nasx.workflows.calculators.vasp import _finished
from nasx.workflows.launchpad import lock_run_directory
from nasx.workflows.status import COMPLETE, IN_PROGRESS, NEEDS_ACTION
from tests.small_set import MIN_LENGTH, write_small_set


def test_a_finished_run(stub_run, capsys):
    assert main(["status", str(stub_run)]) == COMPLETE
    out = capsys.readouterr().out
    assert "92/92 jobs completed" in out and "forces    73 completed" in out
    assert "phonons   6 completed" in out
    assert f"next: complete: {stub_run / 'report.md'}" in out


def test_a_failed_job_is_named_with_its_error_and_the_command_that_retries_it(
    tmp_path, monkeypatch, capsys
):
    original = StubCalculator.forces

    def broken(self, structure, workdir):
        if "Na2S_Fm-3m" in str(workdir) and workdir.name == "disp-002":
            raise RuntimeError("node lost")
        return original(self, structure, workdir)

    monkeypatch.setattr(StubCalculator, "forces", broken)
    out = tmp_path / "run"
    structures = write_small_set(tmp_path / "structures")
    argv = ["run", "--calculator", "stub", "--structures", str(structures), *MIN_LENGTH]
    assert main([*argv, "--out", str(out), "--quiet"]) == 1
    capsys.readouterr()

    assert main(["status", str(out)]) == NEEDS_ACTION
    report = capsys.readouterr().out
    [failed] = [line for line in report.splitlines() if line.strip().startswith("failed")]
    assert failed.endswith("forces Na2S_Fm-3m 2/2: RuntimeError: node lost")
    assert "forces    7 completed, 1 fizzled" in report
    command = shlex.join(["nasx", *argv, "--out", str(out), "--quiet"])
    assert f"next: run again: {command} (failed jobs are retried)" in report

    with lock_run_directory(out):  # as a running nasx run holds it
        assert main(["status", str(out)]) == IN_PROGRESS
    assert "is working on it; check again later" in capsys.readouterr().out


def test_status_needs_a_run_directory(tmp_path, monkeypatch, capsys):
    assert main(["status", str(tmp_path)]) == 2
    assert "not a nasx run directory" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)  # no RUN_DIR: nasx-run, where `nasx run` writes
    assert main(["status"]) == 2
    assert "nasx-run: not a nasx run directory" in capsys.readouterr().err
    assert main(["status", "run", "--launchpad", "lp.yaml"]) == 2
    assert "give either a run directory or a launchpad, not both" in capsys.readouterr().err


def test_status_of_the_default_run_directory(stub_run, tmp_path, monkeypatch, capsys):
    (tmp_path / "nasx-run").symlink_to(stub_run)
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == COMPLETE
    assert "92/92 jobs completed" in capsys.readouterr().out


def test_a_run_from_python_records_the_call_that_resumes_it(tmp_path):
    import nasx

    structures = write_small_set(tmp_path / "structures")
    options = {"calculator": "stub", "structures": structures, "min_length_A": 6.0}
    nasx.run(out=tmp_path / "run", **options)
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["command"]
    assert recorded == (
        f"nasx.run(structures={str(structures)!r}, calculator=('stub',), min_length_A=6.0, "
        f"out={str(tmp_path / 'run')!r})"
    )


def test_a_vasp_step_cut_short_runs_again(tmp_path):
    assert not _finished(tmp_path)  # never started
    complete = "<modeling>\n <calculation/>\n</modeling>\n"
    (tmp_path / "vasprun.xml").write_text(complete)
    assert _finished(tmp_path)
    (tmp_path / "vasprun.xml").write_text(complete[:30])  # VASP writes the file as it goes
    assert not _finished(tmp_path)
