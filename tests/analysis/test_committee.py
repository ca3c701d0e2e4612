"""The cross-model spread on hand-built studies: plateaus matched in the paper's grouping, steps
by reaction, and what one model lacks is absent under it."""

import pytest
from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedEntry

from nasx.analysis.thermo.committee import committee_spread
from nasx.analysis.thermo.study import analyze
from tests.paper_data import paper_entries


def _spread():
    full = analyze(paper_entries())
    without = analyze([e for e in paper_entries() if e.composition.reduced_formula != "Na2S5"])
    return full, without, committee_spread({"full": full, "no Na2S5": without})


def test_plateaus_are_matched_in_the_papers_grouping():
    full, without, spread = _spread()
    assert spread.matching == "paper's grouping"
    path = spread.by_temperature[0.0].thermodynamic
    assert [p.plateau for p in path.plateaus] == [
        "S → Na2S5/Na2S4",
        "Na2S5/Na2S4 → Na2S2",
        "Na2S2 → Na2S",
    ]
    assert all(not p.voltage_V.absent_under for p in path.plateaus)
    first = path.plateaus[0].voltage_V.by_model
    s8_na2s5, na2s5_na2s4 = full.thermodynamic[0.0][:2]  # 0 → 0.4 and 0.4 → 0.5 Na per S
    weighted = (0.4 * s8_na2s5.voltage_V + 0.1 * na2s5_na2s4.voltage_V) / 0.5
    assert first["full"] == pytest.approx(weighted, abs=1e-9)
    assert first["no Na2S5"] == pytest.approx(without.thermodynamic[0.0][0].voltage_V, abs=1e-9)
    # S → Na2S4 directly is the same overall reaction: its voltage is the weighted mean
    assert first["full"] == pytest.approx(first["no Na2S5"], abs=1e-9)


def test_a_step_or_phase_one_model_lacks_is_absent_under_it():
    _, _, spread = _spread()
    at_0 = spread.by_temperature[0.0]
    steps = {p.plateau: p.voltage_V for p in at_0.thermodynamic.steps}
    assert steps["S → Na2S5"].absent_under == ["no Na2S5"]
    assert steps["S → Na2S4"].absent_under == ["full"]
    assert steps["Na2S4 → Na2S2"].range == pytest.approx(0, abs=1e-12)
    phases = {p.formula: p for p in at_0.phases}
    assert phases["Na2S5"].formation_energy_eV_per_atom.absent_under == ["no Na2S5"]
    assert phases["Na2S5"].formation_energy_eV_per_atom.by_model["full"] == pytest.approx(-0.591)
    # Na2S4 is measured against Na2S5 + Na2S2 in one model and S + Na2S2 in the other
    assert phases["Na2S4"].hull_distance_meV_per_atom.range > 1
    document = spread.to_record().spread["0"].phases["Na2S5"]
    assert document.formation_energy_eV_per_atom.absent_under == ["no Na2S5"]


def test_the_voltage_band_spans_the_models_at_every_x():
    full, without, spread = _spread()
    band = spread.by_temperature[0.0].thermodynamic.band
    edges = sorted({x for s in band for x in (s.x_start, s.x_end)})
    assert edges == pytest.approx([0, 2 / 7, 1 / 3, 1 / 2, 2 / 3])
    v = {m: [p.voltage_V for p in r.thermodynamic[0.0]] for m, r in (("f", full), ("w", without))}
    assert (band[0].min_V, band[0].max_V) == pytest.approx(sorted([v["f"][0], v["w"][0]]))
    assert band[-1].min_V == pytest.approx(band[-1].max_V)


def test_other_systems_are_matched_by_reaction_and_different_systems_refused():
    def li_s(ef_li2s2_eV_per_atom: float):
        """Li, S, Li2S (E_f −1.5 eV/atom) and Li2S2 at the given E_f."""
        mu = {"Li": -1.9, "S": -4.1}
        formation = {"Li": 0.0, "S": 0.0, "Li2S": -1.5, "Li2S2": ef_li2s2_eV_per_atom}
        entries = []
        for formula, ef in formation.items():
            c = Composition(formula)
            energy = ef * c.num_atoms + sum(c[el] * mu[el] for el in mu)
            entries.append(ComputedEntry(c, energy))
        return analyze(entries)

    spread = committee_spread({"a": li_s(-1.3), "b": li_s(-1.0)})  # b: Li2S2 above the hull
    assert spread.matching == "reaction"
    plateaus = {p.plateau: p.voltage_V for p in spread.by_temperature[0.0].thermodynamic.plateaus}
    assert plateaus["S → Li2S2"].absent_under == ["b"]
    assert plateaus["S → Li2S"].absent_under == ["a"]
    with pytest.raises(ValueError, match="different systems"):
        committee_spread({"na": analyze(paper_entries()), "li": li_s(-1.3)})


def test_an_entropy_error_every_model_shares_is_named_beside_the_spread():
    """The spread cannot show an error the models share: the committee report names it."""
    from nasx.analysis.report.committee_outputs import entropy_errors
    from nasx.analysis.report.committee_report import render
    from nasx.analysis.report.provenance import Provenance
    from nasx.analysis.thermo.committee import ModelOutput

    full, without, spread = _spread()

    def results(s8: float, na2s: float | None) -> dict:
        checked = {"S8_Fddd": {"entropy_J_per_mol_K_per_atom": {"difference": s8, "ok": False}}}
        if na2s is not None:
            checked["Na2S_Fm-3m"] = {
                "entropy_J_per_mol_K_per_atom": {"difference": na2s, "ok": True}
            }
        checked["Na_Im-3m"] = {"entropy_J_per_mol_K_per_atom": {"difference": 9.0}}  # unchecked
        return {"experiment": {"phases": checked}}

    errors = {
        "full": entropy_errors(results(20.0, 6.0)),
        "no Na2S5": entropy_errors(results(15.7, -1.0)),
    }
    assert errors["full"] == {"S8_Fddd": 20.0, "Na2S_Fm-3m": 6.0}  # only checked values
    outputs = [
        ModelOutput(
            name, study, Provenance(name, False), f"models/{name}/results.json", errors[name]
        )
        for name, study in (("full", full), ("no Na2S5", without))
    ]
    report = render(spread, outputs, None)
    assert "| S8_Fddd | +20.0 | +15.7 |" in report and "| Na2S_Fm-3m | +6.0 | -1.0 |" in report
    assert "Every model errs the same way for S8_Fddd (above):" in report
    assert "Na2S_Fm-3m (" not in report.split("Every model errs")[1].split("\n")[0]
    assert "Against calorimetry" not in render(spread, [ModelOutput(
        "full", full, Provenance("full", False), "r.json")], None)  # fmt: skip
