"""The fake VASP executable: VASP outputs that pymatgen, phonopy and custodian accept, from the stub."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase.units import GPa
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.io.vasp import Incar, Kpoints, Oszicar, Outcar, Poscar, Vasprun
from pymatgen.io.vasp.sets import MPScanRelaxSet

from nasx.analysis.readers.vasp import read_vasp_file
from nasx.results import ForcesResult, RelaxResult
from nasx.settings import RelaxSettings
from nasx.structures import reference_set
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.calculators.fake_vasp import main as fake_vasp
from nasx.workflows.calculators.fake_vasp.text_outputs import VASP_VERSION, ZBRENT_MESSAGE
from nasx.workflows.calculators.stub import StubCalculator

SCRIPT = "nasx-fake-vasp"
BIN = str(Path(sys.executable).parent)
STATIC = {
    "ENCUT": 680,
    "NSW": 0,
    "IBRION": -1,
    "ISIF": 2,
    "EDIFF": 1e-8,
    "LREAL": False,
    "ISMEAR": 0,
    "SIGMA": 0.05,
    "ISPIN": 1,
}
RELAX = {**STATIC, "NSW": 50, "IBRION": 2, "ISIF": 3, "EDIFFG": -0.001}


def na2s() -> Structure:
    """The conventional 12-atom Na2S cell of the built-in set (a stub reference, E exact)."""
    return reference_set("Na-S")["Na2S_Fm-3m"].structure.copy()


def strained_perturbed_na2s() -> Structure:
    structure = na2s()
    structure.apply_strain([0.02, -0.01, 0.015])
    rng = np.random.default_rng(0)
    for i in range(len(structure)):
        structure.translate_sites([i], rng.normal(0.0, 0.03, 3), frac_coords=False)
    return structure


def write_inputs(directory: Path, structure: Structure, settings: dict) -> Path:
    MPScanRelaxSet(structure, user_incar_settings=settings).write_input(directory, potcar_spec=True)
    return directory


def run_fake_vasp(directory: Path, fail: str | None = None) -> subprocess.CompletedProcess:
    """The installed console script in ``directory``; stdout also goes to vasp.out (as custodian)."""
    script = shutil.which(SCRIPT, path=BIN)
    assert script, f"{SCRIPT} is not in {BIN}: pip install -e . registers it"
    env = {k: v for k, v in os.environ.items() if k != "NASX_FAKE_VASP_FAIL"}
    if fail:
        env["NASX_FAKE_VASP_FAIL"] = fail
    result = subprocess.run(
        [script], cwd=directory, env=env, capture_output=True, text=True, timeout=120
    )
    (directory / "vasp.out").write_text(result.stdout)
    return result


def test_static_displaced_supercell_gives_stub_energy_and_forces_to_pymatgen_and_phonopy(
    tmp_path: Path,
) -> None:
    from phonopy.interface.vasp import parse_set_of_forces

    supercell = na2s().make_supercell([2, 2, 2])
    supercell.translate_sites([0], [0.01, 0.0, 0.0], frac_coords=False, to_unit_cell=False)
    write_inputs(tmp_path, supercell, STATIC)

    result = run_fake_vasp(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "running on    1 total cores" in result.stdout
    expected = StubCalculator().forces(supercell, tmp_path)
    assert np.abs(expected.forces_eV_per_A).max() > 0.01  # the displaced atom is pulled back
    vasprun = Vasprun(tmp_path / "vasprun.xml")  # default parse
    assert vasprun.final_energy == pytest.approx(expected.energy_eV, abs=1e-6)
    assert len(vasprun.ionic_steps) == 1
    assert vasprun.converged
    np.testing.assert_allclose(
        vasprun.ionic_steps[-1]["forces"], expected.forces_eV_per_A, atol=1e-6
    )
    assert np.asarray(vasprun.ionic_steps[-1]["stress"]).shape == (3, 3)
    np.testing.assert_allclose(
        vasprun.final_structure.cart_coords, supercell.cart_coords, atol=1e-8
    )
    assert vasprun.vasp_version == VASP_VERSION
    assert vasprun.parameters["NELM"] == 200  # MPScanRelaxSet's, copied from INCAR
    assert vasprun.incar["METAGGA"] == "R2scan"
    light = Vasprun(
        tmp_path / "vasprun.xml", parse_dos=False, parse_eigen=False, parse_potcar_file=False
    )
    assert light.final_energy == pytest.approx(expected.energy_eV, abs=1e-6)
    assert read_vasp_file(tmp_path / "vasprun.xml").test_model  # re-analysis names the fake

    sets = parse_set_of_forces(len(supercell), [tmp_path / "vasprun.xml"], verbose=False)
    np.testing.assert_allclose(sets["forces"][0], expected.forces_eV_per_A, atol=1e-6)
    assert sets["supercell_energies"][0] == pytest.approx(expected.energy_eV, abs=1e-6)

    outcar = Outcar(tmp_path / "OUTCAR")
    assert outcar.final_energy == pytest.approx(expected.energy_eV, abs=1e-6)
    assert outcar.data["nbands"] > 0 and outcar.data["nplwv"][0][0] > 0
    assert outcar.run_stats["Elapsed time (sec)"] >= 0 and outcar.run_stats["cores"] == 1
    assert Oszicar(tmp_path / "OSZICAR").final_energy == pytest.approx(expected.energy_eV, rel=1e-7)
    contcar = Poscar.from_file(tmp_path / "CONTCAR").structure
    np.testing.assert_allclose(contcar.frac_coords, supercell.frac_coords, atol=1e-12)


def test_relaxation_returns_to_the_reference_cell_and_energy(tmp_path: Path) -> None:
    start = strained_perturbed_na2s()
    reference = na2s()
    write_inputs(tmp_path, start, RELAX)

    result = run_fake_vasp(tmp_path)

    assert result.returncode == 0, result.stderr
    vasprun = Vasprun(tmp_path / "vasprun.xml", parse_potcar_file=False)
    assert vasprun.converged_ionic and vasprun.converged_electronic
    assert 2 <= len(vasprun.ionic_steps) < RELAX["NSW"]
    contcar = Poscar.from_file(tmp_path / "CONTCAR").structure
    np.testing.assert_allclose(contcar.lattice.matrix, reference.lattice.matrix, atol=1e-3)
    assert vasprun.final_structure.lattice == contcar.lattice
    reference_energy = StubCalculator().forces(reference, tmp_path).energy_eV
    assert vasprun.final_energy == pytest.approx(reference_energy, abs=1e-5)
    assert vasprun.ionic_steps[0]["e_0_energy"] > reference_energy + 0.01
    # first step: the POSCAR structure, with VASP's stress = −(ASE stress) in kBar
    first = vasprun.ionic_steps[0]
    np.testing.assert_allclose(first["structure"].cart_coords, start.cart_coords, atol=1e-8)
    atoms = AseAtomsAdaptor.get_atoms(start)
    atoms.calc = StubCalculator().ase_calculator()
    np.testing.assert_allclose(
        first["stress"], -atoms.get_stress(voigt=False) / GPa * 10, atol=1e-6
    )
    assert first["stress"][0][0] < 0  # stretched along x: tensile, negative in VASP's convention
    assert np.abs(vasprun.ionic_steps[-1]["forces"]).max() < 2e-3


def test_a_fake_vasp_call_imports_no_workflow_analysis_or_plotting_package(tmp_path: Path) -> None:
    # each VASP call of a fake-VASP study is a fresh process (~90 a study): start-up is the cost
    write_inputs(tmp_path, na2s(), STATIC)
    code = (
        "import sys; from nasx.workflows.calculators.fake_vasp.main import main; "
        "code = main([]); print(*sorted(sys.modules), file=sys.stderr); raise SystemExit(code)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NASX_FAKE_VASP")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "vasprun.xml").exists()
    imported = set(result.stderr.split())
    assert "nasx.workflows.calculators.stub" in imported
    unwanted = {"fireworks", "custodian", "phonopy", "matplotlib", "torch", "chgnet"}
    unwanted |= {"nasx.analysis.thermo.study", "pymatgen.analysis.phase_diagram"}
    assert imported & unwanted == set()


def custodian_run(directory: Path, monkeypatch: pytest.MonkeyPatch):
    from custodian import Custodian
    from custodian.vasp.handlers import UnconvergedErrorHandler, VaspErrorHandler
    from custodian.vasp.jobs import VaspJob
    from custodian.vasp.validators import VasprunXMLValidator

    monkeypatch.chdir(directory)
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    return Custodian(
        [VaspErrorHandler(), UnconvergedErrorHandler()],
        [VaspJob([SCRIPT], auto_npar=False)],
        validators=[VasprunXMLValidator()],
        polling_time_step=0.1,
        monitor_freq=1,
        max_errors=3,
    )


def test_custodian_runs_a_static_without_corrections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_inputs(tmp_path, na2s(), STATIC)
    monkeypatch.delenv("NASX_FAKE_VASP_FAIL", raising=False)
    custodian = custodian_run(tmp_path, monkeypatch)

    run_log = custodian.run()

    assert len(run_log) == 1 and run_log[0]["corrections"] == []
    assert not run_log[0]["nonzero_return_code"]
    assert "running on" in (tmp_path / "vasp.out").read_text()
    vasprun = Vasprun(tmp_path / "vasprun.xml", parse_potcar_file=False)
    assert vasprun.converged
    assert vasprun.final_energy == pytest.approx(
        StubCalculator().forces(na2s(), tmp_path).energy_eV, abs=1e-6
    )


@pytest.mark.slow
def test_custodian_catches_an_unconverged_scf_until_max_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custodian.custodian import MaxCorrectionsPerJobError

    write_inputs(tmp_path, na2s(), STATIC)
    monkeypatch.setenv("NASX_FAKE_VASP_FAIL", "scf")
    custodian = custodian_run(tmp_path, monkeypatch)

    # every rerun is unconverged again: custodian corrects 3 times, then gives up
    with pytest.raises(MaxCorrectionsPerJobError):
        custodian.run()

    log = custodian.run_log[-1]
    assert log["max_errors_per_job"]
    corrections = log["corrections"]
    assert len(corrections) == 3
    assert all(type(c["handler"]).__name__ == "UnconvergedErrorHandler" for c in corrections)
    assert all(c["errors"] == ["Unconverged"] for c in corrections)
    # MPScanRelaxSet runs ALGO = All: custodian's ladder goes to mixing settings, back to All, …
    first = corrections[0]["actions"][0]["action"]["_set"]
    assert first["ALGO"] == "Normal" and first["BMIX"] == 0.001
    assert corrections[1]["actions"][0]["action"]["_set"] == {"ALGO": "All", "ISEARCH": 1}
    assert Incar.from_file(tmp_path / "INCAR")["BMIX"] == 0.001
    assert sorted(p.name for p in tmp_path.glob("error.*.tar.gz")) == [
        f"error.{i}.tar.gz" for i in (1, 2, 3)
    ]
    vasprun = Vasprun(tmp_path / "vasprun.xml", parse_potcar_file=False)
    assert not vasprun.converged_electronic
    assert len(vasprun.ionic_steps[-1]["electronic_steps"]) == vasprun.parameters["NELM"]


@pytest.mark.slow
def test_zbrent_message_and_crash(tmp_path: Path) -> None:
    from custodian.vasp.handlers import VaspErrorHandler

    zbrent = write_inputs(tmp_path / "zbrent", na2s(), STATIC)
    result = run_fake_vasp(zbrent, fail="zbrent")
    assert result.returncode == 0, result.stderr
    assert ZBRENT_MESSAGE in (zbrent / "OUTCAR").read_text()
    handler = VaspErrorHandler()
    assert handler.check(str(zbrent)) and handler.errors == {"zbrent"}

    crash = write_inputs(tmp_path / "crash", na2s(), STATIC)
    before = sorted(p.name for p in crash.iterdir())
    result = run_fake_vasp(crash, fail="crash")
    assert result.returncode == 1
    assert sorted(p.name for p in crash.iterdir() if p.name != "vasp.out") == before


class ForcesOnly(Calculator):
    """A calculator without an ASE side: energies and forces, no stress, no trajectory."""

    name = "forces-only"

    def relax(self, structure: Structure, settings: RelaxSettings, workdir: Path) -> RelaxResult:
        return StubCalculator().relax(structure, settings, workdir)

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        return StubCalculator().forces(structure, workdir)


def test_relaxation_in_process_other_calculators_and_step_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from custodian.vasp.handlers import UnconvergedErrorHandler

    monkeypatch.delenv("NASX_FAKE_VASP_FAIL", raising=False)
    start = strained_perturbed_na2s()
    selective = [[True, True, False]] * len(start)

    # a calculator without ASE: initial and final step, zero stress; Monkhorst KPOINTS, selective dynamics
    plain = tmp_path / "plain"
    write_inputs(plain, start, RELAX)
    Poscar(start, selective_dynamics=selective).write_file(plain / "POSCAR")
    Kpoints.monkhorst_automatic((2, 2, 2)).write_file(plain / "KPOINTS")
    monkeypatch.setattr(fake_vasp, "calculator_from_environment", ForcesOnly)
    monkeypatch.chdir(plain)
    assert fake_vasp.main([]) == 0
    vasprun = Vasprun("vasprun.xml", parse_potcar_file=False)
    assert len(vasprun.ionic_steps) == 2 and vasprun.converged
    assert not np.any(vasprun.ionic_steps[0]["stress"])
    assert vasprun.kpoints.kpts == [(2, 2, 2)] and len(vasprun.actual_kpoints) == 8
    assert vasprun.final_structure.site_properties["selective_dynamics"] == selective
    assert np.asarray(Poscar.from_file("CONTCAR").selective_dynamics).tolist() == selective
    capsys.readouterr()

    # NSW reached: exactly NSW ionic steps, custodian's UnconvergedErrorHandler continues from CONTCAR
    limited = tmp_path / "limited"
    write_inputs(limited, start, {**RELAX, "NSW": 3})
    monkeypatch.undo()
    monkeypatch.delenv("NASX_FAKE_VASP_FAIL", raising=False)
    monkeypatch.chdir(limited)
    assert fake_vasp.main([]) == 0
    assert "reached required accuracy" not in capsys.readouterr().out
    vasprun = Vasprun("vasprun.xml", parse_potcar_file=False)
    assert len(vasprun.ionic_steps) == 3
    assert vasprun.converged_electronic and not vasprun.converged_ionic
    handler = UnconvergedErrorHandler()
    assert handler.check(str(limited))
    assert handler.correct(str(limited))["actions"][0] == {
        "dict": "INCAR",
        "action": {"_set": {"IBRION": 1}},
    }
    assert Poscar.from_file("POSCAR").structure == Poscar.from_file("CONTCAR").structure
