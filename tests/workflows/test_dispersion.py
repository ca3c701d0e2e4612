"""DFT-D4 through nasx's wrapper: the library's numbers, consistent derivatives, and a study
that records it (run.json, results.json, the report's first lines and its figures).

Needs the optional dftd4 package: skipped without it, failed under NASX_REQUIRE_D4=1 (CI).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil

import numpy as np
import pytest
from ase.units import Bohr
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.errors import NasxInputError
from nasx.settings import PhononSettings, RunSettings
from nasx.structures import load_directory, reference_set
from nasx.workflows.calculators import chgnet_r2scan, dispersion, get_calculator
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.stub import StubCalculator
from nasx.workflows.runner import run_study
from tests.figures import keep_saved_figures
from tests.small_set import write_small_set

if importlib.util.find_spec("dftd4") is None:
    if os.environ.get("NASX_REQUIRE_D4") == "1":
        pytest.fail("NASX_REQUIRE_D4=1 but dftd4 is not installed", pytrace=False)
    pytest.skip('dftd4 is an optional extra: pip install "nasx[d4]"', allow_module_level=True)

from dftd4.ase import DFTD4
from dftd4.interface import DampingParam, DispersionModel


def small_cell():
    """β-Na2S2 (P6_3/mmc, 8 atoms, two S2 units) with every atom displaced and the cell
    sheared: no force or stress component vanishes by symmetry."""
    structure = reference_set("Na-S")["Na2S2_P6_3mmc"].structure.copy()
    atoms = AseAtomsAdaptor.get_atoms(structure)
    rng = np.random.default_rng(7)
    atoms.positions += rng.normal(0, 0.05, atoms.positions.shape)
    atoms.set_cell(
        atoms.cell @ (np.eye(3) + np.array([[0.01, 0.02, 0], [0, -0.01, 0.015], [0, 0, 0.02]])),
        scale_atoms=True,
    )
    return atoms


def d4_alone():
    """nasx's D4 calculator, as a relaxation or force job sums it with the model."""
    return dispersion.ase_calculator("d4")


def test_the_wrapper_gives_the_librarys_d4_with_r2scans_parameters():
    atoms = small_cell()
    ours, library = atoms.copy(), atoms.copy()
    ours.calc = d4_alone()
    edge = dispersion.EDGE_WIDTH_BOHR * Bohr
    cutoffs = {"disp3": dispersion.ATM_CUTOFF_BOHR * Bohr, "width2": edge, "width3": edge}
    library.calc = DFTD4(method="r2scan", realspace_cutoff=cutoffs)
    assert ours.get_potential_energy() == pytest.approx(library.get_potential_energy(), abs=1e-12)
    np.testing.assert_allclose(ours.get_forces(), library.get_forces(), atol=1e-12)
    np.testing.assert_allclose(ours.get_stress(), library.get_stress(), atol=1e-12)
    full = atoms.copy()
    full.calc = DFTD4(method="r2scan")  # the library's 40-bohr three-body cutoff
    per_atom = (ours.get_potential_energy() - full.get_potential_energy()) / len(atoms)
    assert abs(per_atom) < 5e-4  # eV/atom: the shorter cutoff costs little here
    # VASP's INCAR holds the same parameters as the library's r2SCAN entry
    model = DispersionModel(
        atoms.numbers, atoms.positions / Bohr, 0.0, atoms.cell / Bohr, atoms.pbc
    )
    by_name = model.get_dispersion(DampingParam(method="r2scan"), grad=False)["energy"]
    written = model.get_dispersion(DampingParam(**dispersion.R2SCAN_D4), grad=False)["energy"]
    assert written == pytest.approx(by_name, abs=1e-14)


def test_forces_and_stress_are_derivatives_of_the_energy():
    atoms = small_cell()
    atoms.calc = d4_alone()
    forces, stress = atoms.get_forces(), atoms.get_stress(voigt=False)
    step_A, step_strain = 1e-4, 1e-5

    def energy_with(positions=None, strain=None) -> float:
        moved = atoms.copy()
        if positions is not None:
            moved.positions = positions
        if strain is not None:
            moved.set_cell(atoms.cell @ (np.eye(3) + strain), scale_atoms=True)
        moved.calc = d4_alone()
        return moved.get_potential_energy()

    for atom, axis in [(0, 0), (3, 2), (6, 1), (7, 0)]:
        shift = np.zeros_like(atoms.positions)
        shift[atom, axis] = step_A
        numeric = -(energy_with(atoms.positions + shift) - energy_with(atoms.positions - shift)) / (
            2 * step_A
        )
        assert forces[atom, axis] == pytest.approx(numeric, abs=1e-5)
    for i, j in [(0, 0), (2, 2), (0, 1), (1, 2)]:  # σ_ij = (1/V) ∂E/∂ε_ij, ε symmetric
        strain = np.zeros((3, 3))
        strain[i, j] = strain[j, i] = step_strain
        derivative = (energy_with(strain=strain) - energy_with(strain=-strain)) / (2 * step_strain)
        pairs = 1 if i == j else 2  # ε_ij and ε_ji both moved
        assert pairs * stress[i, j] == pytest.approx(derivative / atoms.get_volume(), abs=1e-7)


class SpringsWithDispersion(StubCalculator):
    """The stub's springs plus a dispersion: an ASE-backed model cheap enough for a whole
    study in a test (the stub itself refuses dispersion at the option level)."""

    name = "springs"

    def __init__(self, structures_dir: str | None = None, dispersion: str | None = None) -> None:
        super().__init__(structures_dir)
        self.use_dispersion(dispersion)

    def describe(self) -> str:
        return self.described("test springs (Einstein springs to reference sites)")

    def as_dict(self) -> dict:
        return {**super().as_dict(), **({"dispersion": self.dispersion} if self.dispersion else {})}


def test_a_job_adds_d4_to_the_model_and_counts_it_as_model_time(tmp_path):
    structure = AseAtomsAdaptor.get_structure(small_cell())
    plain, d4 = StubCalculator(), SpringsWithDispersion(dispersion="d4")
    expected_eV, expected_forces = dispersion.energy_and_forces(structure, "d4")
    with_d4, without = d4.forces(structure, tmp_path), plain.forces(structure, tmp_path)
    assert with_d4.energy_eV - without.energy_eV == pytest.approx(expected_eV, abs=1e-9)
    np.testing.assert_allclose(
        with_d4.forces_eV_per_A - without.forces_eV_per_A, expected_forces, atol=1e-9
    )
    assert d4.clock.calls == 1  # one model evaluation: springs and D4 together


def test_chgnets_own_force_path_adds_d4(tmp_path, monkeypatch):
    """CHGNet's phonon jobs skip ASE (energy and forces only): D4 is added there too."""

    class Zero:
        def predict_structure(self, structure, task):
            return {"e": 0.0, "f": np.zeros((len(structure), 3))}

    monkeypatch.setattr(chgnet_r2scan, "_model", lambda name: Zero())
    structure = AseAtomsAdaptor.get_structure(small_cell())
    result = get_calculator("chgnet+d4").forces(structure, tmp_path)
    expected_eV, expected_forces = dispersion.energy_and_forces(structure, "d4")
    assert result.energy_eV == pytest.approx(expected_eV, abs=1e-9)
    np.testing.assert_allclose(result.forces_eV_per_A, expected_forces, atol=1e-9)
    assert get_calculator("chgnet").forces(structure, tmp_path).energy_eV == 0.0


@pytest.mark.parametrize("model", ["chgnet", "sevennet"])
def test_models_with_d4_are_named_recorded_and_keyed_apart(model):
    if model == "sevennet":
        pytest.importorskip("sevenn", reason='an optional extra: pip install "nasx[sevennet]"')
    plain, d4 = get_calculator(model), get_calculator(f"{model}+d4")
    assert (plain.name, d4.name) == (model, f"{model}+d4")
    assert "dispersion" not in plain.as_dict() and d4.as_dict()["dispersion"] == "d4"
    assert plain.identity() != d4.identity()
    assert type(d4).from_dict(d4.as_dict()).name == f"{model}+d4"
    assert "dftd4" in d4.software() and "dftd4" not in plain.software()
    assert isinstance(d4, AseBackedCalculator)
    short = d4.describe().split(" (")[0]  # what figure titles show
    assert short.endswith(" + DFT-D4") and "r2SCAN's parameters" in d4.describe()


@pytest.mark.slow
def test_a_study_with_d4_records_it_and_refuses_a_rerun_without(tmp_path, monkeypatch):
    saved_figures = keep_saved_figures(monkeypatch)
    structures = write_small_set(tmp_path / "cifs")
    phases = load_directory(structures)
    settings = RunSettings(phonons=PhononSettings(min_length_A=6.0))
    out = tmp_path / "run"
    calculator = SpringsWithDispersion(str(structures), dispersion="d4")
    run_study(phases, calculator, settings, out, progress=False, workers=1)

    run = json.loads((out / "run.json").read_text())
    assert run["calculator"]["name"] == "springs+d4"
    assert run["calculator"]["object"]["dispersion"] == "d4"
    assert "+ DFT-D4" in run["calculator"]["description"]
    assert "dftd4" in run["software"]
    results = json.loads((out / "results.json").read_text())
    assert results["calculator"]["name"] == "springs+d4"
    assert results["calculator"]["object"]["dispersion"] == "d4"
    head = (out / "report.md").read_text().splitlines()[:12]
    assert any("test springs + DFT-D4" in line and "r2SCAN's parameters" in line for line in head)
    titles = [f._suptitle.get_text() for f in saved_figures.values() if f._suptitle]
    assert titles and all("test springs + DFT-D4" in t for t in titles)

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    with pytest.raises(NasxInputError, match="different calculator"):
        run_study(phases, SpringsWithDispersion(str(structures)), settings, copy, progress=False)
