"""--calculator gpaw: real GPAW r2SCAN through the whole graph (relax → phonons → analysis).

The study runs once per module on `tests/gpaw_set.py` (three Na–S cells of 1–2 atoms, low
cutoff, coarse k-points): first as ``nasx run`` in a subprocess killed with SIGKILL in the
middle of a GPAW force job, then resumed in this process. Its numbers are checked against GPAW
called directly: every relaxed energy, the formation energy, and NaS's optical phonon at Γ
against a central finite difference of GPAW forces. Skipped, with the reason, where GPAW is not
installed (``scripts/install_gpaw.sh``); failed instead under ``NASX_REQUIRE_GPAW=1`` (CI).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

import nasx
from nasx.cli import main
from nasx.gpaw_settings import GpawSettings, is_metal
from nasx.layout import MODELS_DIR, RunDirectory, read_json
from nasx.settings import RelaxSettings
from nasx.workflows.calculators import get_calculator
from nasx.workflows.calculators.base import CalculatorOptions
from nasx.workflows.calculators.gpaw_r2scan import (
    CHECKPOINT_NAME,
    GpawCalculator,
    GpawScfNotConverged,
)
from nasx.workflows.tasks import ForcesTask, RelaxTask
from tests.gpaw_set import CHEAP, PHASES, SUPERCELLS, require_gpaw_or_skip, write_gpaw_set

require_gpaw_or_skip()
pytestmark = pytest.mark.slow
SETTINGS = GpawSettings.from_mapping("gpaw", CHEAP)
FMAX = 0.02
THZ_PER_SQRT_EV_PER_A2_AMU = 15.633302  # phonopy's VaspToTHz
ENERGY_ATOL_EV = 2e-4
"""Energies of the run against GPAW started afresh: the SCF stops at 1e-6 eV per electron."""


def _gpaw_energy_forces(structure: Structure) -> tuple[float, np.ndarray]:
    """GPAW called directly, not through nasx, with the run's settings."""
    from gpaw import GPAW

    atoms = AseAtomsAdaptor.get_atoms(structure)
    metal = is_metal(structure.composition.elements)
    atoms.calc = GPAW(txt=None, **SETTINGS.gpaw_parameters(structure.lattice.matrix, metal))
    return float(atoms.get_potential_energy()), atoms.get_forces()


def _options(*calculators: str) -> list[str]:
    supercells = [f"--supercell={p}={'x'.join(map(str, n))}" for p, n in SUPERCELLS.items()]
    return [
        "--calculator", *(calculators or ["gpaw"]), "--gpaw", *(f"{k}={v}" for k, v in CHEAP.items()),
        *supercells, "--fmax", str(FMAX), "--temperatures", "300", "--quiet", "--workers", "1",
    ]  # fmt: skip


def _kill_during_a_force_job(structures: Path, out: Path) -> Path:
    """Start ``nasx run`` and SIGKILL it while GPAW computes a displacement's forces; the
    displacement folder it was in."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nasx", "run", "--structures", str(structures), "--out", str(out),
         *_options()],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and process.poll() is None:
            running = [
                log.parent
                for log in out.glob("phases/*/phonons/disp-*/gpaw.txt")
                if not (log.parent / "forces.json").exists()
            ]
            if running and "SCF iterations" in (running[0] / "gpaw.txt").read_text():
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return running[0]
            time.sleep(0.05)
        pytest.fail("nasx run ended (or hung) before a force job could be interrupted")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study, killed mid-job once and resumed: (result, run directory, killed job folder)."""
    root = tmp_path_factory.mktemp("gpaw")
    structures = write_gpaw_set(root / "structures")
    out = root / "run"
    killed = _kill_during_a_force_job(structures, out)
    assert not (killed / "forces.json").exists()
    result = nasx.run(
        structures=structures,
        out=out,
        calculator="gpaw",
        gpaw=CHEAP,
        supercell=SUPERCELLS,
        fmax_eV_per_A=FMAX,
        temperatures_K=[300],
        workers=1,
    )
    return result, out, killed


def test_study_completes_after_a_kill_and_reuses_the_finished_jobs(study):
    result, out, killed = study
    assert result.complete, result.problems
    journal = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    relaxations = [e for e in journal if e["job"].startswith("relax ")]
    assert len(relaxations) == len(PHASES)  # each relaxation ran once: none was redone
    assert all(e["computed"] for e in relaxations)
    assert (killed / "forces.json").exists()
    assert (killed / "gpaw-interrupted-1.txt").exists()  # the killed job's log, kept
    assert all(e["model_calls"] >= 1 for e in journal if e.get("computed") and "model_calls" in e)


def test_energies_equal_gpaw_called_directly(study):
    result, out, _ = study
    energies = {}
    for phase in PHASES:
        record = read_json(out / "phases" / phase / "relax" / "result.json")
        structure = Structure.from_dict(record["structure"])
        direct, forces = _gpaw_energy_forces(structure)
        assert record["energy_eV"] == pytest.approx(direct, abs=ENERGY_ATOL_EV), phase
        assert record["scf_converged"] and record["converged"]
        assert np.abs(forces).max() < FMAX
        energies[phase] = direct / len(structure)
    expected = energies["NaS_Pm-3m"] - (energies["Na_Im-3m"] + energies["S_Pm-3m"]) / 2
    formation = result.to_json()["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["0"]
    assert formation == pytest.approx(expected, abs=ENERGY_ATOL_EV)
    assert formation < -0.3  # NaS (CsCl) is bound in r2SCAN even at 250 eV


def test_settings_are_recorded_in_run_json_and_results_json(study):
    result, out, _ = study
    expected = {"name": "gpaw", "settings": SETTINGS.to_document()}
    for document in (read_json(out / "run.json"), result.to_json()):
        calculator = document["calculator"]
        assert {
            "name": calculator["name"],
            "settings": calculator["object"]["settings"],
        } == expected
        assert calculator["description"].startswith("GPAW 26.7.0 r2SCAN DFT (PW 250 eV")
    assert read_json(out / "run.json")["software"]["gpaw"] == "26.7.0"


def test_nasx_analyze_reads_the_gpaw_run_directory(study, tmp_path):
    result, out, _ = study
    analysis = nasx.analyze(out, out=tmp_path / "analysis")
    assert analysis.complete
    assert analysis.to_json()["calculator"]["name"] == "gpaw"
    for formula, phase in result.to_json()["phases"].items():
        assert (
            analysis.to_json()["phases"][formula]["formation_energy_eV_per_atom"]
            == (phase["formation_energy_eV_per_atom"])
        )


def test_optical_phonon_at_gamma_equals_a_finite_difference_of_gpaw_forces(study):
    """NaS's cell is its own phonon supercell. Each atom moved by u (every site is an inversion
    centre: the same as a central difference) gives one column of the Γ force constants Φ_xx;
    projected onto the translational sum rule, Φ = a [[1, −1], [−1, 1]], the optical mode is
    ω² = a (1/m_Na + 1/m_S): it must be nasx's (phonopy's, from the run's forces)."""
    result, out, _ = study
    relaxed = Structure.from_dict(
        read_json(out / "phases/NaS_Pm-3m/relax/result.json")["structure"]
    )
    u = 0.01
    phi = np.zeros((2, 2))
    for atom in range(2):
        moved = relaxed.copy()
        moved.translate_sites([atom], [u, 0, 0], frac_coords=False, to_unit_cell=False)
        phi[:, atom] = -_gpaw_energy_forces(moved)[1][:, 0] / u  # eV/Å²
    a = (phi[0, 0] + phi[1, 1] - phi[0, 1] - phi[1, 0]) / 4
    masses = [float(s.specie.atomic_mass) for s in relaxed]
    expected_THz = np.sqrt(a * sum(1 / m for m in masses)) * THZ_PER_SQRT_EV_PER_A2_AMU
    phonopy = result.phonopy("NaS_Pm-3m")
    phonopy.run_qpoints([[0, 0, 0]])
    frequencies = np.sort(phonopy.qpoints.frequencies[0])
    assert expected_THz > 1.0
    assert frequencies[:3] == pytest.approx([0, 0, 0], abs=1e-3)  # acoustic
    assert frequencies[3:] == pytest.approx([expected_THz] * 3, rel=2e-3)


def test_a_non_converged_scf_fails_the_job_and_records_nothing(tmp_path):
    """Two SCF iterations cannot converge: the force job and the relaxation raise, and no
    forces.json or relax/result.json exists for an analysis to take."""
    calculator = GpawCalculator(replace(SETTINGS, scf_max_iterations=2))
    structure = Structure.from_file(write_gpaw_set(tmp_path / "s") / "NaS_Pm-3m.cif")
    phase = RunDirectory(tmp_path / "run").phase("NaS_Pm-3m")
    phase.displacement_dir(1).mkdir(parents=True)
    structure.to(filename=str(phase.displacement_dir(1) / "POSCAR"), fmt="poscar")
    task = ForcesTask(
        run_dir=str(tmp_path / "run"), phase_id="NaS_Pm-3m", index=1, calculator=calculator
    )
    with pytest.raises(GpawScfNotConverged, match="did not converge within 2 iterations"):
        task.run_task({})
    assert not (phase.displacement_dir(1) / "forces.json").exists()
    relax = RelaxTask(
        run_dir=str(tmp_path / "run"),
        phase_id="NaS_Pm-3m",
        structure=structure,
        calculator=calculator,
        relax_settings=RelaxSettings(fmax_eV_per_A=FMAX),
    )
    with pytest.raises(GpawScfNotConverged):
        relax.run_task({})
    assert not phase.relax_result.exists()


def test_a_relaxation_resumes_from_its_checkpoint(study, tmp_path):
    """An interrupted relaxation's checkpoint (here: the relaxed cell after 7 steps) is where
    the next attempt starts; a damaged checkpoint is ignored."""
    _, out, _ = study
    relaxed = Structure.from_dict(read_json(out / "phases/Na_Im-3m/relax/result.json")["structure"])
    start = relaxed.copy()
    start.scale_lattice(relaxed.volume * 1.1)
    calculator = get_calculator("gpaw", CalculatorOptions(gpaw=SETTINGS))
    workdir = tmp_path / "relax"
    workdir.mkdir()
    (workdir / CHECKPOINT_NAME).write_text(json.dumps({"structure": relaxed.as_dict(), "steps": 7}))
    resumed = calculator.relax(start, RelaxSettings(fmax_eV_per_A=FMAX), workdir)
    assert resumed.steps == 7 and resumed.converged  # converged where the checkpoint was
    assert resumed.structure.volume == pytest.approx(relaxed.volume, rel=1e-6)
    (workdir / CHECKPOINT_NAME).write_text('{"structure": {"lattice"')  # half-written
    fresh = calculator.relax(start, RelaxSettings(fmax_eV_per_A=FMAX, max_steps=1), workdir)
    assert fresh.steps == 1 and not fresh.converged  # started again from the input
    assert read_json(workdir / CHECKPOINT_NAME)["steps"] == 1


def test_a_committee_puts_gpaw_beside_chgnet(study, tmp_path, capsys):
    """``--calculator gpaw chgnet``: the committee's spread is between real DFT and the model.
    Its gpaw model is the module's finished GPAW study, copied to models/gpaw/: the committee
    takes every GPAW job from it (none is computed again) and computes CHGNet's."""
    result, out, _ = study
    committee = tmp_path / "committee"
    shutil.copytree(out, committee / MODELS_DIR / "gpaw")
    journal = committee / MODELS_DIR / "gpaw" / "journal.jsonl"
    entries_before = len(journal.read_text().splitlines())
    status = main(
        ["run", "--structures", str(out.parent / "structures"), "--out", str(committee),
         *_options("gpaw", "chgnet")]
    )  # fmt: skip
    assert status == 0
    again = [json.loads(line) for line in journal.read_text().splitlines()[entries_before:]]
    assert [e["job"] for e in again if e["computed"]] == ["analysis"]  # no GPAW job redone
    results = read_json(committee / "results.json")
    assert results["committee"]["models"] == ["gpaw", "chgnet"]
    chgnet = read_json(committee / MODELS_DIR / "chgnet" / "results.json")
    assert chgnet["calculator"]["name"] == "chgnet" and chgnet["complete"]
    spread = results["committee"]["spread"]
    formation = spread["0"]["phases"]["Na2S2"]["formation_energy_eV_per_atom"]
    assert formation["by_model"] == {
        "gpaw": result.to_json()["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["0"],
        "chgnet": chgnet["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["0"],
    }
    assert formation["max_minus_min"] == pytest.approx(
        abs(formation["by_model"]["gpaw"] - formation["by_model"]["chgnet"]), abs=1e-12
    )
    assert 0.001 < formation["max_minus_min"] < 0.5  # DFT and the model differ, not wildly
    printed = capsys.readouterr().out.splitlines()
    assert "committee of gpaw, chgnet: plateaus, min–max over the models" in printed
    for t in ("0", "300"):
        (plateau,) = spread[t]["thermodynamic"]["plateaus"]
        voltage = plateau["voltage_V"]
        assert set(voltage["by_model"]) == {"gpaw", "chgnet"} and voltage["max_minus_min"] > 0
        line = f"{t:>6} K  thermodynamic: S → Na2S2 {voltage['min']:.2f}–{voltage['max']:.2f} V"
        assert line in printed
