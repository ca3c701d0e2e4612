"""GPAW under an MPI launcher (``--gpaw-launcher``, the worker's ``env.gpaw_launcher``): the
command line each calculation starts, the outcome protocol between the launched process and
the job, and (with GPAW installed) results equal to GPAW in the job's own process. The launcher
here is a fake `mpiexec` that records its arguments and runs the command on one rank."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from nasx.arguments import ArgumentError
from nasx.gpaw_settings import GpawSettings
from nasx.layout import write_json_atomic
from nasx.settings import RelaxSettings
from nasx.study import StudyOptions
from nasx.workflows.calculators.gpaw_r2scan import JOB_NAME, OUTCOME_NAME, GpawCalculator
from tests.gpaw_set import CHEAP, fake_mpiexec, require_gpaw_or_skip

SETTINGS = GpawSettings.from_mapping("gpaw", CHEAP)
MODULE = "nasx.workflows.calculators.gpaw_process"
NA = Structure(Lattice.cubic(4.23), ["Na", "Na"], [[0, 0, 0], [0.5, 0.5, 0.5]])


def test_the_launched_command_and_what_the_launcher_is_not():
    calculator = GpawCalculator(SETTINGS, launcher="mpiexec -n 4")
    command = calculator.command(Path("phases/Na/relax"))
    assert command == ["mpiexec", "-n", "4", sys.executable, "-m", MODULE, "phases/Na/relax"]
    assert GpawCalculator.from_dict(calculator.as_dict()).launcher == "mpiexec -n 4"
    serial = GpawCalculator(SETTINGS)
    assert calculator.identity() == serial.identity()  # not part of the calculation key
    assert serial.configured({"gpaw_launcher": "srun"}).launcher == "srun"  # a worker's
    assert calculator.configured({"gpaw_launcher": "srun"}).launcher == "mpiexec -n 4"


def test_a_launch_that_writes_no_outcome_fails_and_a_stale_outcome_is_never_taken(tmp_path):
    stale = {"result": {"energy_eV": -1.0, "forces_eV_per_A": [[0, 0, 0]] * 2}, "calls": 1}
    write_json_atomic(tmp_path / OUTCOME_NAME, {**stale, "model_seconds": 0.0})
    calculator = GpawCalculator(SETTINGS, launcher="false")  # exits 1 at once
    with pytest.raises(RuntimeError, match=r"ended with exit status 1 and wrote no gpaw-outcome"):
        calculator.forces(NA, tmp_path)
    assert not (tmp_path / OUTCOME_NAME).exists()
    job = json.loads((tmp_path / JOB_NAME).read_text())
    assert job["task"] == "forces" and "launcher" not in job["calculator"]
    assert (tmp_path / "launch.log").read_text().startswith("$ false ")


def test_the_launcher_option_is_checked_before_any_job(tmp_path):
    with pytest.raises(ArgumentError, match="gpaw is not a calculator of this study") as caught:
        StudyOptions.from_arguments(calculator="stub", gpaw_launcher="srun").resolve()
    assert caught.value.argument == "gpaw_launcher"


def test_a_launcher_program_that_is_not_there_is_refused_before_any_job():
    require_gpaw_or_skip()  # the program is checked when the calculator is made: it needs GPAW
    study = StudyOptions.from_arguments(
        calculator="gpaw", gpaw_launcher="no-such-mpiexec -n 2", phases=["Na", "S", "Na2S"]
    ).resolve()
    with pytest.raises(ArgumentError, match="'no-such-mpiexec' is not on PATH"):
        study.calculators()


@pytest.mark.slow
def test_gpaw_under_the_launcher_equals_gpaw_in_the_job(tmp_path):
    require_gpaw_or_skip()
    launcher = f"{fake_mpiexec(tmp_path)} -n 2"
    launched = GpawCalculator(SETTINGS, launcher=launcher)
    serial = GpawCalculator(SETTINGS)
    settings = RelaxSettings(fmax_eV_per_A=0.05, max_steps=20)

    relaxed = launched.relax(NA, settings, tmp_path / "relax-launched")
    reference = serial.relax(NA, settings, tmp_path / "relax-here")
    assert relaxed.energy_eV == pytest.approx(reference.energy_eV, abs=1e-6)
    assert relaxed.structure.volume == pytest.approx(reference.structure.volume, rel=1e-6)
    assert launched.clock.calls == serial.clock.calls > 0

    displaced = NA.copy()
    displaced.translate_sites([0], [0.02, 0, 0], frac_coords=False)
    forces = launched.forces(displaced, tmp_path / "forces-launched")
    expected = serial.forces(displaced, tmp_path / "forces-here")
    assert np.allclose(forces.forces_eV_per_A, expected.forces_eV_per_A, atol=1e-5)
    assert abs(forces.forces_eV_per_A[0, 0]) > 1e-3  # a real restoring force, not zeros
    calls = (tmp_path / "mpiexec.log").read_text().splitlines()
    assert calls == [
        f"-n 2 {sys.executable} -m {MODULE} {tmp_path / 'relax-launched'}",
        f"-n 2 {sys.executable} -m {MODULE} {tmp_path / 'forces-launched'}",
    ]
    assert (tmp_path / "forces-launched" / "gpaw.txt").exists()  # GPAW's log where it ran
