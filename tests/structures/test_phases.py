from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from nasx.errors import NasxInputError
from nasx.structures import available_systems, load_directory, reference_set

PAPER_KGRIDS = {"Na2S": (3, 3, 3), "Na2S2": (5, 5, 2), "Na2S4": (4, 4, 4), "Na2S5": (4, 3, 1)}


def test_built_in_na_s_set_has_provenance_and_the_papers_kgrids():
    assert "Na-S" in available_systems()
    phases = reference_set("Na-S")
    assert phases.system.working_ion == "Na" and phases.system.anion == "S"
    assert len(phases) == 8
    assert {p.space_group for p in phases} >= {
        "Fddd",
        "Im-3m",
        "Fm-3m",
        "P6_3/mmc",
        "I-42d",
        "Pnma",
        "P-62m",
    }
    assert phases["Na2S5_predicted_Pnma"].status == "predicted"
    assert phases["Na2S2_P6_3mmc"].status == "partly model-derived"
    assert phases["S8_Fddd"].status == "experimental"
    for phase in phases:
        assert phase.source and phase.label
        if phase.formula in PAPER_KGRIDS:
            assert phase.kpoints == PAPER_KGRIDS[phase.formula]
    assert [c.temperature_K for c in phases["Na_Im-3m"].phase_changes] == [370.9]


def test_default_selection_is_the_papers_six_phases():
    default = reference_set("Na-S").select(None)
    assert sorted(p.formula for p in default) == ["Na", "Na2S", "Na2S2", "Na2S4", "Na2S5", "S"]
    assert default["Na2S2_P6_3mmc"].label == "β-Na2S2"


def test_selection_by_formula_takes_every_polymorph_and_keeps_references():
    chosen = reference_set("Na-S").select(["Na", "S", "Na2S2"])
    assert sorted(chosen.ids) == [
        "Na2S2_P-62m",
        "Na2S2_P6_3mmc",
        "Na_Im-3m",
        "Na_P6_3mmc",
        "S8_Fddd",
    ]
    with pytest.raises(NasxInputError, match="no elemental reference for S"):
        reference_set("Na-S").select(["Na", "Na2S"])
    with pytest.raises(NasxInputError, match="unknown phase 'Na3S'"):
        reference_set("Na-S").select(["Na3S"])


def test_unknown_built_in_system_points_to_structures_option():
    with pytest.raises(NasxInputError, match="--structures"):
        reference_set("Li-S")


def _write(directory: Path, name: str, structure: Structure) -> Path:
    path = directory / name
    structure.to(filename=str(path))
    return path


def _li_s_set(directory: Path) -> Path:
    _write(
        directory,
        "Li.cif",
        Structure(Lattice.cubic(3.44), ["Li", "Li"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
    )
    _write(directory, "S.cif", reference_set("Na-S")["S8_Fddd"].structure)
    li2s = reference_set("Na-S")["Na2S_Fm-3m"].structure.copy()
    li2s.replace_species({"Na": "Li"})
    li2s.scale_lattice(li2s.volume * (5.71 / 6.54) ** 3)
    _write(directory, "Li2S.cif", li2s)
    return directory


def test_user_set_infers_working_ion_and_anion(tmp_path):
    phases = load_directory(_li_s_set(tmp_path))
    assert (phases.system.working_ion, phases.system.anion) == ("Li", "S")
    assert sorted(p.formula for p in phases) == ["Li", "Li2S", "S"]
    assert all(p.status == "user-supplied" and p.kpoints is None for p in phases)


def test_user_set_for_a_selenide_puts_the_anion_second(tmp_path):
    _write(
        tmp_path, "K.cif", Structure(Lattice.cubic(5.23), ["K", "K"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    )
    _write(
        tmp_path,
        "Se.cif",
        Structure(
            Lattice.hexagonal(4.37, 4.95),
            ["Se"] * 3,
            [[0.22, 0, 1 / 3], [0, 0.22, 2 / 3], [0.78, 0.78, 0]],
        ),
    )
    assert load_directory(tmp_path).system.elements == ("K", "Se")


def test_unreadable_file_is_named(tmp_path):
    _li_s_set(tmp_path)
    (tmp_path / "broken.cif").write_text("data_broken\n_cell_length_a 3\nthis is not a cif\n")
    with pytest.raises(NasxInputError, match=r"broken\.cif: cannot read a crystal structure"):
        load_directory(tmp_path)


def test_ternary_composition_is_refused(tmp_path):
    _li_s_set(tmp_path)
    _write(
        tmp_path,
        "Li2SO4.cif",
        Structure(Lattice.cubic(5), ["Li", "S", "O"], [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0, 0]]),
    )
    with pytest.raises(NasxInputError, match=r"Li2SO4\.cif: has 3 elements \(Li, O, S\)"):
        load_directory(tmp_path)


def test_third_element_across_files_is_refused(tmp_path):
    _li_s_set(tmp_path)
    _write(tmp_path, "Se.cif", Structure(Lattice.cubic(4), ["Se"], [[0, 0, 0]]))
    with pytest.raises(NasxInputError, match=r"span 3 elements \(Li, S, Se\)"):
        load_directory(tmp_path)


def test_overlapping_atoms_are_refused(tmp_path):
    _li_s_set(tmp_path)
    _write(
        tmp_path,
        "Li2S2.cif",
        Structure(
            Lattice.cubic(6),
            ["Li", "Li", "S", "S"],
            [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.25, 0.25, 0.33]],
        ),
    )
    with pytest.raises(NasxInputError, match=r"Li2S2\.cif: atoms overlap: S3–S4 are 0\.48 Å apart"):
        load_directory(tmp_path)


def test_missing_elemental_reference_is_named(tmp_path):
    _li_s_set(tmp_path)
    (tmp_path / "Li.cif").unlink()
    with pytest.raises(NasxInputError, match="no elemental reference for Li"):
        load_directory(tmp_path)


def test_metadata_file_gives_kgrids_and_labels(tmp_path):
    _li_s_set(tmp_path)
    (tmp_path / "phases.toml").write_text(
        '[[phase]]\nfile = "Li2S.cif"\nlabel = "antifluorite Li2S"\nstatus = "experimental"\nkpoints = [6, 6, 6]\n'
    )
    phase = load_directory(tmp_path)["Li2S"]
    assert (phase.label, phase.status, phase.kpoints) == (
        "antifluorite Li2S",
        "experimental",
        (6, 6, 6),
    )
    (tmp_path / "phases.toml").write_text('[[phase]]\nfile = "Li3S.cif"\n')
    with pytest.raises(NasxInputError, match=r"names missing files: Li3S\.cif"):
        load_directory(tmp_path)


def test_empty_directory_is_refused(tmp_path):
    with pytest.raises(NasxInputError, match="holds no structure files"):
        load_directory(tmp_path)


def test_every_built_in_phase_has_its_melting_or_boiling_point():
    phases = reference_set("Na-S")
    highest = {p.id: max(c.temperature_K for c in p.phase_changes) for p in phases}
    assert highest == {
        "S8_Fddd": 717.8,  # sulfur boils
        "Na_Im-3m": 370.9,
        "Na_P6_3mmc": 370.9,
        "Na2S_Fm-3m": 1449.0,
        "Na2S2_P6_3mmc": 763.0,
        "Na2S2_P-62m": 763.0,
        "Na2S4_I-42d": 558.0,
        "Na2S5_predicted_Pnma": 525.0,
    }
    assert all(c.description for p in phases for c in p.phase_changes)


def test_a_temperature_above_the_polysulfides_melting_flags_every_phase():
    from nasx.analysis.readers.records import PhaseRecord
    from nasx.analysis.thermo.checks import phase_checks
    from nasx.settings import PhononSettings

    phases = reference_set("Na-S")
    records = [PhaseRecord(p.id, p.formula, phase_changes=tuple(p.phase_changes)) for p in phases]
    flagged = {
        c.phase_id
        for c in phase_checks(records, {}, {}, [300.0, 1000.0], PhononSettings())
        if c.kind == "phase change" and not c.ok
    }
    assert flagged == {p.id for p in phases} - {"Na2S_Fm-3m"}
    at_600 = phase_checks(records, {}, {}, [600.0], PhononSettings())
    assert {c.phase_id for c in at_600} == {p.id for p in phases} - {
        "Na2S_Fm-3m",
        "Na2S2_P6_3mmc",
        "Na2S2_P-62m",
    }
