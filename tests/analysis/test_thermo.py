import pytest
from pymatgen.analysis.phase_diagram import PhaseDiagram
from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx.analysis import analyze
from nasx.analysis.thermo.phase_diagram import thermodynamics_at
from nasx.chemistry import BinarySystem
from nasx.structures import reference_set
from tests.paper_data import PAPER_EF_EV_PER_ATOM, paper_entries

NA_S = BinarySystem("Na", "S")


def test_formation_energies_reproduce_the_inputs():
    grounds = thermodynamics_at(paper_entries(), NA_S, 0.0).ground_states()
    for formula, ef in PAPER_EF_EV_PER_ATOM.items():
        assert grounds[formula].formation_energy_eV_per_atom == pytest.approx(ef, abs=1e-9)
    assert list(grounds) == ["S", "Na2S5", "Na2S4", "Na2S2", "Na2S", "Na"]  # ordered by Na fraction


def test_all_four_phases_stable_with_standard_hull_depths():
    grounds = thermodynamics_at(paper_entries(), NA_S, 0.0).ground_states()
    # standard definition from the published E_f (closed form, e.g. Na2S2: -0.976 - (-0.687 - 1.224)/2)
    expected = {"Na2S5": -2.142857, "Na2S4": -10.444444, "Na2S2": -20.5, "Na2S": -573.333333}
    for formula, depth in expected.items():
        assert grounds[formula].stable
        assert grounds[formula].hull_distance_meV_per_atom == pytest.approx(depth, abs=1e-4)
    assert grounds["Na2S2"].competing == ("Na2S4", "Na2S")
    assert grounds["Na2S"].competing == ("Na2S2", "Na")


def test_hull_distances_equal_pymatgen_decomposition_energies():
    alpha = reference_set("Na-S")["Na2S2_P-62m"]
    entries = paper_entries()
    beta = next(e for e in entries if e.entry_id == "Na2S2_P6_3mmc")
    # a metastable polymorph 7 meV/atom above β-Na2S2 and a metastable Na
    entries.append(
        ComputedStructureEntry(
            alpha.structure, beta.energy_per_atom * 12 + 0.007 * 12, entry_id="alpha"
        )
    )
    na = next(e for e in entries if e.entry_id == "Na_Im-3m")
    hcp = reference_set("Na-S")["Na_P6_3mmc"]
    entries.append(
        ComputedStructureEntry(hcp.structure, na.energy_per_atom * 2 + 0.002, entry_id="hcp")
    )
    thermo = thermodynamics_at(entries, NA_S, 0.0)
    pd = PhaseDiagram(entries)
    by_label = {p.label: p for p in thermo.entries}
    for entry in entries:
        mine = by_label[entry.entry_id].hull_distance_meV_per_atom
        if entry in pd.stable_entries and not entry.is_element:
            reference = pd.get_equilibrium_reaction_energy(entry) * 1000
        else:
            reference = pd.get_e_above_hull(entry) * 1000
        assert mine == pytest.approx(reference, abs=1e-6), entry.entry_id
    assert by_label["alpha"].hull_distance_meV_per_atom == pytest.approx(7.0, abs=1e-6)
    assert by_label["hcp"].hull_distance_meV_per_atom == pytest.approx(1.0, abs=1e-6)
    assert thermo.ground_states()["Na2S2"].label == "Na2S2_P6_3mmc"


def test_a_phase_pushed_above_the_hull_by_temperature_is_reported():
    fvib = {f: {"300": 0.0} for f in PAPER_EF_EV_PER_ATOM}
    fvib["Na2S2"] = {"300": +0.030}  # 30 meV/atom penalty > its 20.5 meV/atom depth
    result = analyze(paper_entries(fvib))
    assert not result.thermo[300.0].ground_states()["Na2S2"].stable
    assert result.thermo[300.0].ground_states()[
        "Na2S2"
    ].hull_distance_meV_per_atom == pytest.approx(9.5, abs=1e-6)
    assert len(result.thermodynamic[300.0]) == 3
    assert any("Na2S2" in w and "300 K" in w for w in result.warnings)
