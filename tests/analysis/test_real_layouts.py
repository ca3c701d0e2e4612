"""Real phonopy and VASP layouts (tests/fixtures/real_layouts): each is recognised, its F, S and
Cv equal phonopy's own API on the same files, and no input is assigned to the wrong quantity.

References are computed here with phonopy (``create_FORCE_SETS`` as ``phonopy -f`` does, then
``phonopy.load``), never stored from a run of nasx.
"""

import gzip
import shutil
from pathlib import Path

import numpy as np
import phonopy
import pytest
from phonopy.cui.create_force_sets import create_FORCE_SETS
from phonopy.interface.phonopy_yaml import PhonopyYaml
from pymatgen.core import Composition
from pymatgen.io.vasp.outputs import Vasprun

from nasx.analysis.readers.phonon_sets import format_supercell, mismatch, read_phonon_set
from nasx.analysis.readers.tree import read_tree
from nasx.analysis.thermo.checks import percent
from nasx.chemistry import BinarySystem
from nasx.cli import PARTIAL_EXIT, main
from nasx.defaults import MESH_LENGTH_A
from nasx.phonons import thermal_properties
from nasx.settings import PhononSettings
from nasx.units import j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev
from tests.documents import checked_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real_layouts"
TEMPERATURES = [300.0, 400.0]
MESH = 40.0
TOLERANCE = 1e-10  # eV/atom and eV/K/atom: nasx follows phonopy.load, so only rounding differs


def per_atom(ph: phonopy.Phonopy, mesh: float = MESH) -> dict[str, list[float]]:
    """phonopy's F, S, Cv per atom with nasx's stated convention (Γ acoustic modes left out)."""
    ph.run_mesh(mesh)
    ph.run_thermal_properties(temperatures=TEMPERATURES, exclude_gamma_acoustic=True)
    tp, n = ph.thermal_properties, len(ph.primitive)
    return {
        "F": [kj_per_mol_to_ev(f) / n for f in tp.free_energy],
        "S": [j_per_k_mol_to_ev_per_k(s) / n for s in tp.entropy],
        "Cv": [j_per_k_mol_to_ev_per_k(c) / n for c in tp.heat_capacity],
    }


def force_sets(work: Path, vaspruns: list[Path], yaml: Path | None) -> Path:
    """FORCE_SETS written by phonopy's own `phonopy -f` code, in ``work``."""
    if yaml is None:
        create_FORCE_SETS("vasp", [str(p) for p in vaspruns], disp_filename="disp.yaml")
    else:
        create_FORCE_SETS("vasp", [str(p) for p in vaspruns], phpy_yaml=PhonopyYaml().read(yaml))
    return work / "FORCE_SETS"


def gunzip(path: Path, work: Path) -> Path:
    target = work / path.stem
    with gzip.open(path, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def reference(case: str, work: Path) -> phonopy.Phonopy:
    """phonopy's own reading of each case (called with ``work`` as the working directory)."""
    folder = REAL / case
    if case == "awkward_MgB2_FORCE_SETS_only":
        return phonopy.load(
            folder / "phonopy_disp.yaml", force_sets_filename=folder / "FORCE_SETS", is_nac=False
        )
    if case == "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS":
        return phonopy.load(
            unitcell_filename=folder / "POSCAR-unitcell",
            supercell_matrix=[2, 2, 2],  # phonopy's example: the 64-atom supercell of POSCAR
            primitive_matrix="auto",
            force_constants_filename=gunzip(folder / "FORCE_CONSTANTS.gz", work),
            is_nac=False,
        )
    if case == "awkward_Si-nosym_old_disp_yaml":
        shutil.copy(folder / "disp.yaml", work)
        vaspruns = sorted(folder.glob("vasprun_xmls/disp-*/vasprun.xml.gz"))
        return phonopy.load(
            unitcell_filename=folder / "POSCAR",
            supercell_matrix=[2, 2, 2],  # DIM of mesh.conf
            primitive_matrix="auto",
            force_sets_filename=force_sets(work, vaspruns, None),
            is_nac=False,
        )
    if case == "awkward_TiPN3_phonopy_params_yaml":
        return phonopy.load(folder / "phonopy_params_TiPN3.yaml.xz")  # forces and NAC inside
    vaspruns = {
        "awkward_ZnO_upstream_tar_layout": sorted(folder.glob("vaspruns/vasprun.xml-00*")),
        "phonopy_Cr_xz": [folder / "vasprun.xml.xz"],
        "phonopy_SnO2": [folder / f"vasprun.xml-00{i}.gz" for i in (1, 2, 3)],  # not 000
    }[case]
    born = folder / "BORN"
    return phonopy.load(
        folder / "phonopy_disp.yaml",
        force_sets_filename=force_sets(work, vaspruns, folder / "phonopy_disp.yaml"),
        born_filename=born if born.exists() else None,
        is_nac=born.exists(),
    )


CASES = {
    "awkward_MgB2_FORCE_SETS_only": "phonopy_disp.yaml + FORCE_SETS",
    "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS": "POSCAR-unitcell + FORCE_CONSTANTS.gz",
    "awkward_Si-nosym_old_disp_yaml": "disp.yaml + 12 displacement vasprun files",
    "awkward_TiPN3_phonopy_params_yaml": (
        "phonopy_params_TiPN3.yaml.xz + forces stored in phonopy_params_TiPN3.yaml.xz"
    ),
    "awkward_ZnO_upstream_tar_layout": "phonopy_disp.yaml + BORN + 6 displacement vasprun files",
    "phonopy_Cr_xz": "phonopy_disp.yaml + 1 displacement vasprun file",
    "phonopy_SnO2": "phonopy_disp.yaml + BORN + 3 displacement vasprun files",
}


@pytest.fixture
def foreign_cwd(tmp_path, monkeypatch) -> Path:
    """A working directory holding another set's BORN and FORCE_SETS (phonopy.load would read
    them when not told otherwise)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    shutil.copy(REAL / "awkward_ZnO_upstream_tar_layout" / "BORN", cwd)
    shutil.copy(REAL / "phonopy_SnO2" / "FORCE_SETS", cwd)
    monkeypatch.chdir(cwd)
    return cwd


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_real_layout_matches_phonopy(case, tmp_path, foreign_cwd, monkeypatch):
    found = read_phonon_set(REAL / case)
    assert found.errors == [] and found.description == CASES[case]
    data = found.data
    settings = PhononSettings(mesh_length_A=MESH, exclude_gamma_acoustic=True)
    ours = thermal_properties(
        data.phonopy, data.forces_eV_per_A, TEMPERATURES, settings, data.symmetrize_fc
    )
    work = tmp_path / "reference"
    work.mkdir()
    monkeypatch.chdir(work)
    ph = reference(case, work)
    assert (data.phonopy.nac_params is not None) == (ph.nac_params is not None)
    expected = per_atom(ph)
    assert ours.free_energy_eV_per_atom == pytest.approx(expected["F"], abs=TOLERANCE)
    assert ours.entropy_eV_per_K_per_atom == pytest.approx(expected["S"], abs=TOLERANCE)
    assert ours.heat_capacity_eV_per_K_per_atom == pytest.approx(expected["Cv"], abs=TOLERANCE)


def test_a_foreign_born_in_the_working_directory_changes_nothing(tmp_path, monkeypatch):
    """MgB2 has no BORN: analysed from a folder holding ZnO's BORN, it stays without NAC."""
    settings = PhononSettings(mesh_length_A=MESH, exclude_gamma_acoustic=True)

    def free_energy() -> tuple[list[float], bool]:
        data = read_phonon_set(REAL / "awkward_MgB2_FORCE_SETS_only").data
        t = thermal_properties(data.phonopy, data.forces_eV_per_A, TEMPERATURES, settings, True)
        return t.free_energy_eV_per_atom, data.phonopy.nac_params is not None

    (tmp_path / "clean").mkdir()
    monkeypatch.chdir(tmp_path / "clean")
    clean = free_energy()
    shutil.copy(REAL / "awkward_ZnO_upstream_tar_layout" / "BORN", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert free_energy() == clean and clean[1] is False


def test_what_each_set_sets_aside_is_named():
    snO2 = {p.name: why for p, why in read_phonon_set(REAL / "phonopy_SnO2").ignored}
    assert "undisplaced supercell" in snO2["vasprun.xml-000.gz"]
    assert "not subtracted" in snO2["vasprun.xml-000.gz"]
    assert "not a numbered displacement" in snO2["vasprun.xml-born.gz"]
    assert "forces come from 3 displacement vasprun files" in snO2["FORCE_SETS"]
    dfpt = read_phonon_set(REAL / "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS")
    [(path, why)] = dfpt.ignored
    assert path.name == "vasprun.xml.gz" and "not a relaxation or an energy" in why
    assert format_supercell(dfpt.data.phonopy.supercell_matrix) == "2×2×2"


def classic(tmp_path: Path, conf: bool) -> Path:
    """MgB2 as the classic layout: POSCAR-unitcell + FORCE_SETS, no yaml (+ mesh.conf)."""
    folder = tmp_path / "MgB2"
    folder.mkdir(parents=True)
    for name in ("POSCAR-unitcell", "FORCE_SETS"):
        shutil.copy(REAL / "awkward_MgB2_FORCE_SETS_only" / name, folder)
    if conf:
        (folder / "mesh.conf").write_text("DIM = 3 3 2\nMP = 8 8 8\n")
    return folder


def test_the_classic_layout_takes_its_supercell_from_mesh_conf(tmp_path, monkeypatch):
    found = read_phonon_set(classic(tmp_path, conf=True))
    assert found.errors == [] and found.description == "POSCAR-unitcell + FORCE_SETS"
    settings = PhononSettings(mesh_length_A=MESH, exclude_gamma_acoustic=True)
    data = found.data
    ours = thermal_properties(data.phonopy, data.forces_eV_per_A, TEMPERATURES, settings, True)
    monkeypatch.chdir(tmp_path)
    folder = REAL / "awkward_MgB2_FORCE_SETS_only"
    ph = phonopy.load(
        unitcell_filename=folder / "POSCAR-unitcell",
        supercell_matrix=[3, 3, 2],
        primitive_matrix="auto",
        force_sets_filename=folder / "FORCE_SETS",
        is_nac=False,
    )
    assert ours.free_energy_eV_per_atom == pytest.approx(per_atom(ph)["F"], abs=TOLERANCE)


def test_an_unknown_supercell_is_one_problem_and_can_be_given(tmp_path):
    folder = classic(tmp_path, conf=False)
    [problem] = read_tree(tmp_path).problems
    assert problem.path == "MgB2" and "supercell unknown" in problem.reason
    given = read_tree(tmp_path, supercells={"MgB2": np.diag([3, 3, 2])})
    [record] = given.phases
    assert record.phonons is not None and record.sources["phonons"] == folder.name
    (tmp_path / "MgB2").rename(tmp_path / "elsewhere")
    by_phase = read_tree(tmp_path, supercells={"MgB2_P6mmm": np.diag([3, 3, 2])})
    assert by_phase.phases[0].phonons is not None
    assert not [p for p in by_phase.problems if "supercell unknown" in p.reason]


def test_displaced_supercells_are_never_relaxed_structures_or_energies(tmp_path):
    """Si-nosym's 12 displaced supercells (disp-NNN of disp.yaml) and a displaced NaCl
    supercell beside its phonon set are phonon inputs only."""
    tree = tmp_path / "tree"
    shutil.copytree(REAL / "awkward_Si-nosym_old_disp_yaml", tree / "Si")
    shutil.copytree(FIXTURES / "phonopy_NaCl", tree / "NaCl")
    (tree / "NaCl_single_point").mkdir()
    shutil.copy(
        FIXTURES / "phonopy_NaCl" / "vasprun.xml-001.gz",
        tree / "NaCl_single_point" / "vasprun.xml.gz",
    )
    calculations = read_tree(tree)
    by_formula = {r.formula: r for r in calculations.phases}
    assert sorted(by_formula) == ["NaCl", "Si"]  # no phase from a displaced supercell
    for record in by_formula.values():
        assert record.energy_eV is None and "structure" not in record.sources
        assert record.phonons is not None
    [single] = calculations.ignored
    assert single.path == "NaCl_single_point/vasprun.xml.gz"
    assert "supercell of the phonon set NaCl" in single.reason


def test_a_single_point_off_equilibrium_is_not_a_relaxed_structure(tmp_path):
    """A displaced Si supercell (Si-nosym's disp-001) with no phonon set beside it: its residual
    force, 0.13 eV/Å, is above 0.05 eV/Å, so it gives neither a structure nor an energy; under
    its own folder name it is a displacement outside any set."""
    displaced = REAL / "awkward_Si-nosym_old_disp_yaml" / "vasprun_xmls" / "disp-001"
    shutil.copytree(displaced, tmp_path / "Si_static")
    shutil.copytree(displaced, tmp_path / "elsewhere" / "disp-001")
    calculations = read_tree(tmp_path)
    [record] = calculations.phases
    assert record.energy_eV is None
    [problem] = calculations.problems
    assert problem.path == "Si_static/vasprun.xml.gz"
    assert "residual force 0.133 eV/Å above 0.05 eV/Å" in problem.reason
    assert "not a relaxed structure" in problem.reason
    [orphan] = calculations.ignored
    assert orphan.path == "elsewhere/disp-001" and "outside any phonon set" in orphan.reason


def test_the_complete_phonon_set_is_used_and_the_broken_one_named(tmp_path):
    shutil.copytree(FIXTURES / "phonopy_NaCl", tmp_path / "a_broken")
    (tmp_path / "a_broken" / "vasprun.xml-002.gz").unlink()
    shutil.copytree(FIXTURES / "phonopy_NaCl", tmp_path / "b_complete")
    calculations = read_tree(tmp_path)
    [record] = calculations.phases
    assert record.phonons is not None and record.sources["phonons"] == "b_complete"
    [other] = [i for i in record.ignored if i.path == "a_broken"]
    assert "missing displacement 002" in other.reason and "b_complete is used" in other.reason
    assert not [p for p in calculations.problems if p.path.startswith("a_broken")]


def test_energies_equal_pymatgen_and_refused_runs_say_why(tmp_path):
    """The 680 eV GaAs static wins over the 450 eV one although it sorts first; the NSCF Si run
    gives no energy."""
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", tmp_path / "a_GaAs_680")
    shutil.copytree(REAL / "vasp_r2scan_static_GaAs_noncompliant", tmp_path / "b_GaAs_450")
    shutil.copytree(REAL / "vasp_gga_nscf_Si_uniform", tmp_path / "c_Si_nscf")
    calculations = read_tree(tmp_path)
    by_formula = {r.formula: r for r in calculations.phases}
    gaas = by_formula["GaAs"]
    expected = Vasprun(str(tmp_path / "a_GaAs_680" / "vasprun.xml.gz"), parse_potcar_file=False)
    assert gaas.energy_eV == float(expected.final_energy)
    assert gaas.sources["energy"] == "a_GaAs_680/vasprun.xml.gz"
    [low] = gaas.ignored
    assert low.path == "b_GaAs_450/vasprun.xml.gz"
    assert "ENCUT 450 eV (energy run: 680 eV)" in low.reason
    si = by_formula["Si"]
    assert si.energy_eV is None and si.relaxation is None
    [nscf] = si.ignored
    assert "non-self-consistent run (ICHARG 11)" in nscf.reason
    [problem] = [p for p in calculations.problems if p.phase == si.id]
    assert "ICHARG 11" in problem.reason


def test_an_unrelated_unit_cell_is_not_merged():
    relaxed = read_phonon_set(FIXTURES / "phonopy_NaCl").unitcell
    assert mismatch(relaxed, relaxed.copy()) is None
    squeezed = relaxed.copy()
    squeezed.scale_lattice(relaxed.volume * 0.9)
    assert "not the relaxed structure of this phase" in mismatch(relaxed, squeezed)


def test_how_things_are_written():
    matrix = np.array([[-2, 2, 2], [2, -2, 2], [2, 2, -2]])
    assert format_supercell(matrix) == "[[-2,2,2],[2,-2,2],[2,2,-2]]"
    assert format_supercell(np.diag([3, 3, 2])) == "3×3×2"
    assert percent(0.0) == "0.00 %" and percent(2e-5) == "0.002 %" and percent(0.25) == "25.00 %"
    formula = {
        c: BinarySystem.from_elements(Composition(c).elements).formula(Composition(c))
        for c in ("NaCl", "LiF", "MgB2", "NaS", "NaS2", "Na2S", "NaO")
    }
    assert formula == {
        "NaCl": "NaCl",
        "LiF": "LiF",
        "MgB2": "MgB2",
        "NaS": "Na2S2",
        "NaS2": "Na2S4",
        "Na2S": "Na2S",
        "NaO": "Na2O2",
    }


PHASES = {
    "awkward_MgB2_FORCE_SETS_only": "MgB2_P6mmm",
    "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS": "NaCl_Fm-3m",
    "awkward_Si-nosym_old_disp_yaml": "Si_Fd-3m",
    "awkward_TiPN3_phonopy_params_yaml": "TiPN3_Amm2",
    "awkward_ZnO_upstream_tar_layout": "ZnO_P6_3mc",
    "phonopy_Cr_xz": "Cr_Im-3m",
    "phonopy_SnO2": "SnO2_P4_2mnm",
}


def test_nasx_analyze_records_supercell_q_mesh_and_nac(tmp_path, foreign_cwd):
    tree = tmp_path / "tree"
    classic(tree, conf=False)
    shutil.copytree(REAL / "awkward_ZnO_upstream_tar_layout", tree / "ZnO")
    out = tmp_path / "out"
    argv = ["analyze", str(tree), "--out", str(out), "--temperatures", "300"]
    assert main([*argv, "--supercell", "MgB2=3x3x2"]) == PARTIAL_EXIT  # no energies
    document = checked_document(out / "results.json")
    mgb2 = document["calculations"]["MgB2_P6mmm"]["phonon_set"]
    assert mgb2["supercell_matrix"] == [[3, 0, 0], [0, 3, 0], [0, 0, 2]] and mgb2["nac"] is False
    zno = document["calculations"]["ZnO_P6_3mc"]["phonon_set"]
    assert zno["nac"] is True and zno["files"] == CASES["awkward_ZnO_upstream_tar_layout"]
    assert len(zno["q_mesh"]) == 3 and all(n > 1 for n in zno["q_mesh"])
    report = (out / "report.md").read_text()
    assert report.index("## Inventory") < report.index("## Calculations")
    assert "| ZnO_P6_3mc | none | none | `ZnO` (phonopy_disp.yaml + BORN" in report


@pytest.mark.slow
def test_nasx_analyze_recognises_every_real_layout(tmp_path, foreign_cwd, monkeypatch):
    """The command-line path on the whole fixture tree, at nasx's default q-mesh."""
    tree = tmp_path / "tree"
    shutil.copytree(REAL, tree)
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", tree / "r2scan_static_GaAs")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out), "--temperatures", "300", "400"]) == 3
    document = checked_document(out / "results.json")
    calculations = document["calculations"]
    assert calculations["GaAs_F-43m"]["sources"]["energy"] == "r2scan_static_GaAs/vasprun.xml.gz"
    assert "relaxation" not in calculations["Si_Fd-3m"]["sources"]
    for case, phase in PHASES.items():
        assert calculations[phase]["sources"]["phonons"] == case
        work = tmp_path / f"reference-{case}"
        work.mkdir()
        monkeypatch.chdir(work)
        expected = per_atom(reference(case, work), MESH_LENGTH_A)
        phonons = calculations[phase]["phonons"]
        assert phonons["free_energy_eV_per_atom"] == pytest.approx(expected["F"], abs=TOLERANCE)
        assert phonons["entropy_eV_per_K_per_atom"] == pytest.approx(expected["S"], abs=TOLERANCE)
        assert phonons["heat_capacity_eV_per_K_per_atom"] == pytest.approx(
            expected["Cv"], abs=TOLERANCE
        )


def test_other_places_and_compressions_phonopy_users_have(tmp_path):
    """force-calcs/disp-NNN/ with bz2 and lzma vaspruns gives NaCl's forces; a DFPT set's force
    constants as force_constants.hdf5 give the FORCE_CONSTANTS result; a FORCE_SETS of another
    supercell is one error, not a crash."""
    import bz2
    import lzma

    from phonopy.file_IO import write_force_constants_to_hdf5

    nacl = FIXTURES / "phonopy_NaCl"
    moved = tmp_path / "NaCl"
    for name in ("phonopy_disp.yaml", "BORN"):
        (moved / "force-calcs").mkdir(parents=True, exist_ok=True)
        shutil.copy(nacl / name, moved)
    for number, module in ((1, bz2), (2, lzma)):
        disp = moved / "force-calcs" / f"disp-{number:03d}"
        disp.mkdir()
        text = gzip.decompress((nacl / f"vasprun.xml-{number:03d}.gz").read_bytes())
        suffix = ".bz2" if module is bz2 else ".lzma"
        (disp / f"vasprun.xml{suffix}").write_bytes(module.compress(text))
    original, moved_set = read_phonon_set(nacl), read_phonon_set(moved)
    assert moved_set.errors == [] and moved_set.claimed[-1] == moved / "force-calcs"
    for a, b in zip(original.data.forces_eV_per_A, moved_set.data.forces_eV_per_A, strict=True):
        assert np.array_equal(a, b)

    dfpt = read_phonon_set(REAL / "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS").data.phonopy
    hdf5 = tmp_path / "hdf5"
    hdf5.mkdir()
    for name in ("POSCAR", "POSCAR-unitcell"):
        shutil.copy(REAL / "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS" / name, hdf5)
    write_force_constants_to_hdf5(
        dfpt.force_constants, str(hdf5 / "force_constants.hdf5"), p2s_map=dfpt.primitive.p2s_map
    )
    found = read_phonon_set(hdf5)
    assert found.description == "POSCAR-unitcell + force_constants.hdf5"
    assert np.array_equal(found.data.phonopy.force_constants, dfpt.force_constants)

    wrong = tmp_path / "wrong"
    shutil.copytree(REAL / "awkward_MgB2_FORCE_SETS_only", wrong)
    shutil.copy(REAL / "phonopy_SnO2" / "FORCE_SETS", wrong / "FORCE_SETS")
    [error] = read_phonon_set(wrong).errors
    assert Path(error.source) == wrong / "FORCE_SETS" and "72 atoms" in error.problem


def _vasprun_copy(target: Path, *replacements: tuple[str, str]) -> None:
    """The r2SCAN GaAs static run in ``target``, its vasprun.xml edited."""
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", target)
    path = target / "vasprun.xml.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path.write_bytes(gzip.compress(text.encode()))


def test_a_static_run_on_a_one_cell_phonon_supercell_gives_the_energy(tmp_path):
    """Where the phonon supercell is the unit cell itself (1×1×1), the static run on the relaxed
    cell is the phase's static run, not a phonon input: its energy is used, as the reader of a
    run directory uses relax/static (here the relaxation's energy is 10 meV/atom higher). A
    displaced copy of the cell stays a phonon input."""
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    energy = "-27.04397986"
    tree = tmp_path / "tree"
    _vasprun_copy(tree / "GaAs/relax/static")
    _vasprun_copy(
        tree / "GaAs/relax/relax2",
        ('<i type="int" name="NSW">     0</i>', '<i type="int" name="NSW">    50</i>'),
        ('<i type="int" name="IBRION">    -1</i>', '<i type="int" name="IBRION">     2</i>'),
        (energy, "-27.02397986"),
    )
    position = "0.12500000       0.12500000       0.12500000"
    _vasprun_copy(tree / "GaAs/single_point", (position, "0.12600000 0.12500000 0.12500000"))
    relaxed = Vasprun(str(tree / "GaAs/relax/static/vasprun.xml.gz")).final_structure
    cell = PhonopyAtoms(
        symbols=[str(s.specie) for s in relaxed],
        cell=relaxed.lattice.matrix,
        scaled_positions=relaxed.frac_coords,
    )
    ph = Phonopy(cell, supercell_matrix=np.eye(3, dtype=int), primitive_matrix="P")
    ph.generate_displacements(distance=0.01)
    ph.forces = [
        np.diag([-5.0, 5.0]) @ np.array([d["displacement"]] * 2) for d in ph.dataset["first_atoms"]
    ]
    (tree / "GaAs/phonons").mkdir()
    ph.save(str(tree / "GaAs/phonons/phonopy_params.yaml"))

    calculations = read_tree(tree)
    [record] = calculations.phases
    assert record.energy_eV == float(energy)
    assert record.sources["energy"] == "GaAs/relax/static/vasprun.xml.gz"
    assert record.sources["structure"] == "GaAs/relax/relax2/vasprun.xml.gz"
    assert record.phonons is not None and calculations.problems == []
    [displaced] = calculations.ignored
    assert displaced.path == "GaAs/single_point/vasprun.xml.gz"
    assert "a supercell of the phonon set GaAs/phonons: a phonon input" in displaced.reason
