"""Real phonopy force sets give the same F, S, Cv per atom as phonopy's own tools."""

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import phonopy
import pytest
from pymatgen.core import Composition

from nasx.analysis.readers.phonon_sets import read_phonon_set
from nasx.analysis.readers.phonopy_dirs import displacement_vaspruns
from nasx.cli import main
from nasx.defaults import MESH_LENGTH_A
from nasx.errors import NasxInputError
from nasx.phonons import ThermalProperties, thermal_properties
from nasx.settings import PhononSettings
from nasx.units import j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev


def thermal_from_directory(directory, temperatures_K, mesh_length_A) -> ThermalProperties:
    """nasx's F, S and Cv of a phonopy folder, as `nasx analyze` computes them."""
    found = read_phonon_set(Path(directory))
    if found.errors:
        raise found.errors[0]
    settings = PhononSettings(mesh_length_A=mesh_length_A, exclude_gamma_acoustic=True)
    data = found.data
    return thermal_properties(
        data.phonopy, data.forces_eV_per_A, temperatures_K, settings, symmetrize_fc=True
    )


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEMPERATURES = [300.0, 400.0]
MESH = 40.0


def phonopy_reference(folder: Path, tmp_path: Path, mesh: float = MESH) -> dict[str, list[float]]:
    """phonopy's own path: `phonopy-init -f` writes FORCE_SETS, `phonopy.load` reads it."""
    work = tmp_path / f"reference-{folder.name}"
    work.mkdir()
    vaspruns = []
    for path in displacement_vaspruns(folder):
        target = work / path.name.removesuffix(".gz")
        with gzip.open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        vaspruns.append(target.name)
    shutil.copy(folder / "phonopy_disp.yaml", work)
    init = Path(sys.executable).parent / "phonopy-init"
    subprocess.run([str(init), "-f", *vaspruns], cwd=work, check=True, capture_output=True)
    born = folder / "BORN"
    ph = phonopy.load(
        str(work / "phonopy_disp.yaml"),
        force_sets_filename=str(work / "FORCE_SETS"),
        born_filename=str(born) if born.exists() else None,
        log_level=0,
    )
    ph.run_mesh(mesh)
    ph.run_thermal_properties(
        temperatures=TEMPERATURES, exclude_gamma_acoustic=True
    )  # nasx's setting
    tp, n = ph.thermal_properties, len(ph.primitive)
    return {
        "F": [kj_per_mol_to_ev(f) / n for f in tp.free_energy],
        "S": [j_per_k_mol_to_ev_per_k(s) / n for s in tp.entropy],
        "Cv": [j_per_k_mol_to_ev_per_k(c) / n for c in tp.heat_capacity],
    }


@pytest.mark.parametrize("name", ["phonopy_NaCl", "phonopy_Si", "phonopy_Al2O3"])
def test_real_force_sets_match_phonopy(name, tmp_path):
    folder = FIXTURES / name
    ours = thermal_from_directory(folder, TEMPERATURES, MESH)
    reference = phonopy_reference(folder, tmp_path)
    assert ours.free_energy_eV_per_atom == pytest.approx(reference["F"], abs=1e-9)
    assert ours.entropy_eV_per_K_per_atom == pytest.approx(reference["S"], abs=1e-12)
    assert ours.heat_capacity_eV_per_K_per_atom == pytest.approx(reference["Cv"], abs=1e-12)
    assert ours.imaginary_fraction == 0


def test_born_file_is_used(tmp_path):
    without = tmp_path / "NaCl"
    shutil.copytree(FIXTURES / "phonopy_NaCl", without)
    (without / "BORN").unlink()
    with_born = thermal_from_directory(FIXTURES / "phonopy_NaCl", TEMPERATURES, MESH)
    plain = thermal_from_directory(without, TEMPERATURES, MESH)
    assert with_born.free_energy_eV_per_atom != pytest.approx(
        plain.free_energy_eV_per_atom, abs=1e-6
    )


def test_a_missing_displacement_is_named(tmp_path):
    folder = tmp_path / "NaCl"
    shutil.copytree(FIXTURES / "phonopy_NaCl", folder)
    (folder / "vasprun.xml-002.gz").unlink()
    with pytest.raises(
        NasxInputError,
        match=r"missing displacement 002: the data set has 2, 1 vasprun files were found",
    ):
        thermal_from_directory(folder, TEMPERATURES, MESH)


@pytest.mark.slow
def test_nasx_analyze_on_a_tree_of_phonopy_folders_matches_phonopy(tmp_path):
    """The command-line path: walk, recognise by content, default q-mesh, per-phase outputs."""
    tree = tmp_path / "tree"
    for name in ("phonopy_NaCl", "phonopy_Si", "phonopy_Al2O3"):
        shutil.copytree(FIXTURES / name, tree / "deeper" / name)
    out = tmp_path / "out"
    argv = ["analyze", str(tree), "--out", str(out), "--temperatures", "300", "400"]
    assert main(argv) == 3  # partial: no relaxations, so no hull
    document = json.loads((out / "results.json").read_text())
    by_formula = {
        Composition(r["formula"]).reduced_formula: r for r in document["calculations"].values()
    }
    assert sorted(by_formula) == ["Al2O3", "NaCl", "Si"]
    for name, formula in (
        ("phonopy_NaCl", "NaCl"),
        ("phonopy_Si", "Si"),
        ("phonopy_Al2O3", "Al2O3"),
    ):
        reference = phonopy_reference(FIXTURES / name, tmp_path, MESH_LENGTH_A)
        phonons = by_formula[formula]["phonons"]
        assert phonons["free_energy_eV_per_atom"] == pytest.approx(reference["F"], abs=1e-9)
        assert phonons["entropy_eV_per_K_per_atom"] == pytest.approx(reference["S"], abs=1e-12)
        assert phonons["heat_capacity_eV_per_K_per_atom"] == pytest.approx(
            reference["Cv"], abs=1e-12
        )
        assert by_formula[formula]["sources"]["phonons"] == f"deeper/{name}"
    for phase_id in document["calculations"]:
        assert (out / "phases" / phase_id / "phonopy.yaml").exists()
