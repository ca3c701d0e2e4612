from dataclasses import fields

import pytest
from pymatgen.analysis.phase_diagram import PhaseDiagram
from pymatgen.apps.battery.conversion_battery import ConversionElectrode
from pymatgen.core import Composition

from nasx.analysis import analyze
from nasx.analysis.thermo.voltage import Plateau, bypassed_plateaus, distinguishable, plateaus
from nasx.chemistry import BinarySystem
from tests.paper_data import paper_entries

NA_S = BinarySystem("Na", "S")


def test_paper_formation_energies_give_paper_ocv_plateaus():
    steps = plateaus(PhaseDiagram(paper_entries()), NA_S)
    assert [round(p.voltage_V, 2) for p in steps] == [2.07, 2.03, 1.84, 1.72]
    bounds = [x for p in steps for x in (p.x_start, p.x_end)]
    assert bounds == pytest.approx([0, 2 / 7, 2 / 7, 1 / 3, 1 / 3, 1 / 2, 1 / 2, 2 / 3])
    assert [p.reaction for p in steps] == [
        "5 S + 2 Na -> Na2S5",
        "4 Na2S5 + 2 Na -> 5 Na2S4",
        "Na2S4 + 2 Na -> 2 Na2S2",
        "Na2S2 + 2 Na -> 2 Na2S",
    ]
    assert steps[-1].capacity_mAh_per_g_end == pytest.approx(1672, abs=0.5)  # 2 Na per S


def test_voltages_match_pymatgen_conversion_electrode():
    pd = PhaseDiagram(paper_entries())
    ours = plateaus(pd, NA_S)
    electrode = ConversionElectrode.from_composition_and_pd(
        Composition("S"), pd, working_ion_symbol="Na"
    )
    theirs = electrode.voltage_pairs
    assert len(ours) == len(theirs)
    for mine, pair in zip(ours, theirs, strict=True):
        assert mine.voltage_V == pytest.approx(pair.voltage, abs=1e-9)
        assert (mine.x_start, mine.x_end) == pytest.approx((pair.frac_charge, pair.frac_discharge))


def test_voltages_do_not_depend_on_elemental_energies():
    a = plateaus(PhaseDiagram(paper_entries()), NA_S)
    b = plateaus(PhaseDiagram(paper_entries(mu={"Na": -7.0, "S": 2.5})), NA_S)
    assert [p.voltage_V for p in a] == pytest.approx([p.voltage_V for p in b], abs=1e-9)


def test_kinetic_path_bypassing_na2s2_has_one_plateau_fewer_at_the_averaged_voltage():
    entries = paper_entries()
    thermodynamic = plateaus(PhaseDiagram(entries), NA_S)
    kinetic = bypassed_plateaus(entries, NA_S, ["Na2S2"])
    assert len(kinetic) == len(thermodynamic) - 1
    assert kinetic[-1].reaction == "Na2S4 + 6 Na -> 4 Na2S"
    # Na2S4 → Na2S directly: the charge-weighted mean of the two bypassed steps (0.5 and 1 Na per S)
    expected = (0.5 * thermodynamic[2].voltage_V + 1.0 * thermodynamic[3].voltage_V) / 1.5
    assert kinetic[-1].voltage_V == pytest.approx(expected, abs=1e-9)
    assert (kinetic[-1].x_start, kinetic[-1].x_end) == pytest.approx((1 / 3, 2 / 3))


def test_distinguishable_plateaus_merge_close_steps():
    steps = plateaus(PhaseDiagram(paper_entries()), NA_S)
    assert distinguishable(steps) == 3  # 2.07 and 2.03 V show as one plateau, as in the paper
    assert distinguishable(steps, resolution_V=0.01) == 4
    assert distinguishable([]) == 0


def test_vibrational_free_energy_moves_voltages_by_the_closed_form_amount():
    # Only Na2S gets F_vib = -10 meV/atom at 300 K: Na2S2 + 2 Na -> 2 Na2S gains 2 × 3 × 0.010 eV
    # for 2 electrons, i.e. +0.030 V; every other step is unchanged.
    fvib = {f: {"300": 0.0} for f in ("Na", "S", "Na2S2", "Na2S4", "Na2S5")}
    fvib["Na2S"] = {"300": -0.010}
    result = analyze(paper_entries(fvib))
    assert result.temperatures_K == [0.0, 300.0]
    v0 = [p.voltage_V for p in result.thermodynamic[0.0]]
    v300 = [p.voltage_V for p in result.thermodynamic[300.0]]
    assert v300[:3] == pytest.approx(v0[:3], abs=1e-9)
    assert v300[3] - v0[3] == pytest.approx(0.030, abs=1e-9)


def test_temperature_dependent_stiffness_changes_every_voltage():
    # F_vib close to linear in composition (S -30, Na -60 meV/atom at 300 K) plus small, uneven
    # deviations: every phase stays on the hull but every step moves.
    fvib = {
        "S": {"300": -0.0300, "400": -0.0500},
        "Na2S5": {"300": -0.0392, "400": -0.0640},
        "Na2S4": {"300": -0.0405, "400": -0.0662},
        "Na2S2": {"300": -0.0460, "400": -0.0745},
        "Na2S": {"300": -0.0508, "400": -0.0830},
        "Na": {"300": -0.0600, "400": -0.0950},
    }
    result = analyze(paper_entries(fvib))
    assert result.temperatures_K == [0.0, 300.0, 400.0]
    v = {t: [p.voltage_V for p in result.thermodynamic[t]] for t in result.temperatures_K}
    assert all(len(steps) == 4 for steps in v.values())
    for t in (300.0, 400.0):
        assert all(abs(a - b) > 1e-4 for a, b in zip(v[0.0], v[t], strict=True))
    assert v[300.0] != pytest.approx(v[400.0])


def test_single_bypass_profiles_show_which_phase_turns_three_plateaus_into_two():
    result = analyze(paper_entries())
    single = result.single_bypass[0.0]
    assert list(single) == ["Na2S5", "Na2S4", "Na2S2"]
    assert {f: distinguishable(s) for f, s in single.items()} == {
        "Na2S5": 3,
        "Na2S4": 3,
        "Na2S2": 2,
    }


def test_plateau_has_the_contract_keys():
    step = plateaus(PhaseDiagram(paper_entries()), NA_S)[0]
    assert isinstance(step, Plateau)
    assert {
        "reaction",
        "voltage_V",
        "x_start",
        "x_end",
        "capacity_mAh_per_g_start",
        "capacity_mAh_per_g_end",
    } <= {f.name for f in fields(step)}
