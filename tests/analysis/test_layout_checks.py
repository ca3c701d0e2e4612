"""Issue 12, the rest: a low ENCUT with no rival is flagged (results.json, checks, inventory),
``nasx analyze --inventory`` prints what each phase is built from and writes nothing, and tree
assignments that need an edited copy of a real fixture (settings, unit cells)."""

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from pymatgen.io.vasp.outputs import Vasprun

from nasx.analysis.readers.tree import read_tree
from nasx.cli import PARTIAL_EXIT, main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real_layouts"
NONCOMPLIANT = REAL / "vasp_r2scan_static_GaAs_noncompliant"


def test_a_low_encut_run_without_rival_is_used_and_flagged(tmp_path):
    """GaAs at 450 eV alone (no OUTCAR, so the r2SCAN floor of 520 eV applies): its energy is
    pymatgen's final_energy, and the flag is in the record, a failed check and the report."""
    tree = tmp_path / "tree"
    shutil.copytree(NONCOMPLIANT, tree / "GaAs")
    [record] = read_tree(tree).phases
    expected = Vasprun(str(NONCOMPLIANT / "vasprun.xml.gz"), parse_potcar_file=False)
    assert record.energy_eV == float(expected.final_energy)
    [flag] = record.flags
    assert flag.startswith("low ENCUT: 450 eV is below 520 eV")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out), "--temperatures", "300"]) == PARTIAL_EXIT
    document = json.loads((out / "results.json").read_text())
    assert document["calculations"]["GaAs_F-43m"]["flags"] == [flag]
    [check] = [c for c in document["checks"] if c["check"] == "energy settings"]
    assert check == {
        "phase": "GaAs_F-43m",
        "check": "energy settings",
        "ok": False,
        "message": flag,
    }
    assert f"ENCUT 450 eV; **{flag}**" in (out / "report.md").read_text()


def test_the_enmax_rule_applies_where_an_outcar_states_enmax(tmp_path):
    """The compliant 680 eV GaAs run is not flagged (ENMAX 282.7 eV: 1.3 × = 368 eV); with its
    OUTCAR edited to ENMAX 600 eV it is (1.3 × 600 = 780 eV), whatever the functional floor."""
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", tmp_path / "GaAs")
    assert read_tree(tmp_path).phases[0].flags == []
    outcar = tmp_path / "GaAs" / "OUTCAR.gz"
    text = gzip.decompress(outcar.read_bytes()).replace(b"ENMAX  =  282.691", b"ENMAX  =  600.000")
    outcar.write_bytes(gzip.compress(text))
    [flag] = read_tree(tmp_path).phases[0].flags
    assert flag == ("low ENCUT: 680 eV is below 1.3 × the largest POTCAR ENMAX (600 eV) = 780 eV")


def test_a_low_encut_rival_names_its_flag_when_ignored(tmp_path):
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", tmp_path / "a_GaAs_680")
    shutil.copytree(NONCOMPLIANT, tmp_path / "b_GaAs_450")
    [record] = read_tree(tmp_path).phases
    assert record.flags == [] and record.sources["energy"] == "a_GaAs_680/vasprun.xml.gz"
    [ignored] = record.ignored
    assert "(low ENCUT: 450 eV is below 520 eV" in ignored.reason


def test_inventory_prints_what_each_phase_is_built_from_and_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    """From a relative path (phonopy runs in an empty cwd, so the tree is read by absolute
    path): energy with its flag, phonon files with supercell and NAC, ignored inputs, Problems."""
    tree = tmp_path / "tree"
    shutil.copytree(NONCOMPLIANT, tree / "GaAs")
    shutil.copytree(REAL / "phonopy_SnO2", tree / "SnO2")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "never"
    assert main(["analyze", "tree", "--inventory", "--out", str(out)]) == PARTIAL_EXIT
    printed = capsys.readouterr().out
    assert not out.exists()
    assert printed.startswith("nasx analyze --inventory: 2 phases from tree\n")
    rows = {line.split(" | ")[0]: line for line in printed.splitlines() if line.startswith("| ")}
    assert "`GaAs/vasprun.xml.gz` (R2SCAN, ENCUT 450 eV; **low ENCUT" in rows["| GaAs_F-43m"]
    assert rows["| SnO2_P4_2mnm"].endswith(
        "| none | none | `SnO2` (phonopy_disp.yaml + BORN + 3 displacement vasprun files; "
        "supercell 2×2×3, NAC) | 3 |"
    )
    assert "- **SnO2_P4_2mnm**: `SnO2/vasprun.xml-000.gz`: the undisplaced supercell" in printed
    assert "- **SnO2_P4_2mnm**: `SnO2`: no relaxation of this phase was found" in printed
    assert main(["analyze", "tree", "--inventory", "--phases", "GaAs"]) == 0  # no problem left
    assert "SnO2" not in capsys.readouterr().out


def test_inventory_is_refused_for_entries(paper_entries_json, capsys):
    assert main(["analyze", str(paper_entries_json), "--inventory"]) == 2
    assert capsys.readouterr().err.startswith(
        "nasx: error: --inventory: applies to directories and LaunchPads, not ENTRIES.json"
    )


def test_run_directories_and_launchpads_have_an_inventory_and_phonon_sets(stub_run, capsys):
    document = json.loads((stub_run / "results.json").read_text())
    for phase_id, record in document["calculations"].items():
        phonon_set = record["phonon_set"]
        assert phonon_set["source"] == f"phases/{phase_id}/phonons/phonopy_disp.yaml"
        assert phonon_set["files"].startswith("phonopy_disp.yaml + ")
        assert phonon_set["files"].endswith(" forces.json") and phonon_set["nac"] is False
        assert len(phonon_set["q_mesh"]) == 3 and min(phonon_set["q_mesh"]) > 1
        assert record["sources"]["structure"] == f"phases/{phase_id}/relax/result.json"
    report = (stub_run / "report.md").read_text()
    assert (
        "| Na2S_Fm-3m | `phases/Na2S_Fm-3m/relax/result.json` | `phases/Na2S_Fm-3m/relax/"
        "result.json` | `phases/Na2S_Fm-3m/phonons/phonopy_disp.yaml` (phonopy_disp.yaml + "
        "2 forces.json; supercell 2×2×2) | – |"
    ) in report
    assert main(["analyze", "--launchpad", str(stub_run / "launchpad.json"), "--inventory"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("| Na2S_Fm-3m")]
    [row] = rows
    assert "(phonopy_disp.yaml of job " in row and "+ forces of 2 jobs; supercell 2×2×2)" in row


def si_tree(tmp_path: Path, scale_phonon_cell: bool) -> Path:
    """An r2SCAN relaxation of Si (680 eV) and phonopy's PBE (300 eV) Si set, optionally with
    the set's lattice stretched 6 % (another study of Si Fd-3m, 19 % larger volume)."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "r2scan_relax_Si", tree / "Si_relax")
    shutil.copytree(FIXTURES / "phonopy_Si", tree / "Si_phonons")
    if scale_phonon_cell:
        yaml = tree / "Si_phonons" / "phonopy_disp.yaml"
        text = re.sub(r"2\.73309942188739\d", "2.9000000000000000", yaml.read_text())
        yaml.write_text(re.sub(r"5\.46619884377478\d", "5.800000000000000", text))
    return tree


def test_the_phonon_sets_settings_are_compared_with_the_energys(tmp_path):
    calculations = read_tree(si_tree(tmp_path, scale_phonon_cell=False))
    [record] = calculations.phases
    assert record.phonons is not None and record.sources["phonons"] == "Si_phonons"
    [note] = calculations.notes
    assert note.startswith("Si_Fd-3m: the phonons (Si_phonons/vasprun.xml.gz) use other settings")
    assert "encut_eV 300.0 (energy: 680.0)" in note


def test_a_phonon_set_of_another_study_of_the_same_phase_is_not_merged(tmp_path):
    """Same formula and space group, unit cell 19 % larger than the relaxed structure: the
    phase keeps its energy, gets no phonons, and a Problem says why."""
    calculations = read_tree(si_tree(tmp_path, scale_phonon_cell=True))
    [record] = calculations.phases
    assert record.energy_eV is not None and record.phonons is None
    [problem] = calculations.problems
    assert problem.path == "Si_phonons" and problem.phase == record.id
    assert "not the relaxed structure of this phase" in problem.reason


def test_a_random_displacement_set_matches_phonopy(tmp_path):
    """A type-II data set (random displacements of every atom, forces from the NaCl DFPT
    force constants) as phonopy_params.yaml: fitted as phonopy.load fits it (symfc)."""
    import numpy as np
    import phonopy

    from nasx.analysis.readers.phonon_sets import read_phonon_set
    from nasx.phonons import thermal_properties
    from nasx.settings import PhononSettings
    from tests.analysis.test_real_layouts import TOLERANCE, per_atom

    dfpt = read_phonon_set(REAL / "awkward_NaCl-VASPdfpt_FORCE_CONSTANTS").data.phonopy
    ph = phonopy.Phonopy(dfpt.unitcell, dfpt.supercell_matrix, primitive_matrix="auto")
    ph.generate_displacements(distance=0.03, number_of_snapshots=4, random_seed=7)
    fc = dfpt.force_constants  # compact: (primitive atoms, supercell atoms, 3, 3)
    full = phonopy.Phonopy(dfpt.unitcell, dfpt.supercell_matrix, primitive_matrix="auto")
    full.force_constants = fc
    from phonopy.harmonic.force_constants import compact_fc_to_full_fc

    fc_full = compact_fc_to_full_fc(full.primitive, fc) if fc.shape[0] != fc.shape[1] else fc
    n = len(ph.supercell)
    ph.forces = [-np.einsum("ijab,jb->ia", fc_full, u.reshape(n, 3)) for u in ph.displacements]
    folder = tmp_path / "NaCl_random"
    folder.mkdir()
    ph.save(folder / "phonopy_params.yaml")
    found = read_phonon_set(folder)
    assert found.errors == [] and found.data.forces_eV_per_A is not None
    assert "first_atoms" not in found.data.phonopy.dataset  # type II: whole snapshots
    settings = PhononSettings(mesh_length_A=40.0, exclude_gamma_acoustic=True)
    data = found.data
    ours = thermal_properties(data.phonopy, data.forces_eV_per_A, [300.0, 400.0], settings, True)
    expected = per_atom(phonopy.load(folder / "phonopy_params.yaml", is_nac=False))
    assert ours.free_energy_eV_per_atom == pytest.approx(expected["F"], abs=TOLERANCE)
    assert ours.entropy_eV_per_K_per_atom == pytest.approx(expected["S"], abs=TOLERANCE)


def test_vasprun_NNN_xml_names_give_the_same_forces(tmp_path):
    """phonopy's other naming, vasprun-NNN.xml (here gzipped), for the NaCl set."""
    from nasx.analysis.readers.phonon_sets import read_phonon_set

    nacl = FIXTURES / "phonopy_NaCl"
    renamed = tmp_path / "NaCl"
    shutil.copytree(nacl, renamed)
    for number in (1, 2):
        (renamed / f"vasprun.xml-{number:03d}.gz").rename(renamed / f"vasprun-{number:03d}.xml.gz")
    original, found = read_phonon_set(nacl), read_phonon_set(renamed)
    assert found.errors == [] and found.description == original.description
    for a, b in zip(original.data.forces_eV_per_A, found.data.forces_eV_per_A, strict=True):
        assert (a == b).all()


def test_a_dfpt_run_outside_a_phonon_set_gives_no_energy(tmp_path):
    """The GaAs static with IBRION set to 8 (DFPT): listed as ignored, the phase has no energy."""
    folder = tmp_path / "GaAs_dfpt"
    shutil.copytree(FIXTURES / "r2scan_static_GaAs", folder)
    vasprun = folder / "vasprun.xml.gz"
    text = gzip.decompress(vasprun.read_bytes())
    text = re.sub(rb'(name="IBRION">)\s*-1<', rb"\g<1>     8<", text)
    vasprun.write_bytes(gzip.compress(text))
    calculations = read_tree(tmp_path)
    [record] = calculations.phases
    assert record.energy_eV is None and "energy" not in record.sources
    [ignored] = record.ignored
    assert ignored.path == "GaAs_dfpt/vasprun.xml.gz"
    assert ignored.reason == "phonon (IBRION 8) run: a phonon calculation, not an energy"
