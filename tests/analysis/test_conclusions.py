"""The conclusions table on hand-built energies whose answers are known, on the paper's own
numbers, on a generic system, across models, and in the stub run's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedEntry

from nasx.analysis.report.conclusions_table import markdown
from nasx.analysis.thermo.conclusions import MODEL_DEPENDENT, NOT_EVALUATED, combine, evaluate
from nasx.analysis.thermo.entries import load_entries_json
from nasx.analysis.thermo.paper import NA_S
from nasx.analysis.thermo.study import analyze

PAPER_EF_EV_PER_ATOM = dict(NA_S.formation_energy_eV_per_atom)
"""The paper's published 0 K formation energies (analysis/paper.py)."""
PAPER_CLAIMS = (
    "all_intermediates_stable",
    "thermodynamic_three_plateaus",
    "kinetic_two_plateaus",
    "bypass_removes_a_plateau",
    "na2s2_shallowest",
)


def entries(formation_eV_per_atom: dict[str, float]) -> list[ComputedEntry]:
    """Entries with these formation energies (elements at arbitrary energies, 0 K only)."""
    mu = {"Na": -1.31, "S": -4.12, "Li": -1.9}
    out = []
    for formula, ef in formation_eV_per_atom.items():
        c = Composition(formula)
        energy = ef * c.num_atoms + sum(c[el] * mu[str(el)] for el in c.elements)
        out.append(ComputedEntry(c, energy, entry_id=formula))
    return out


def verdicts(formation_eV_per_atom: dict[str, float], **options) -> dict[str, str]:
    conclusions = evaluate(analyze(entries(formation_eV_per_atom), **options))
    return {row.claim.id: row.finding.verdict for row in conclusions.rows}


def test_the_papers_own_formation_energies_give_its_claims_except_the_shallowest():
    conclusions = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    assert [row.claim.id for row in conclusions.rows] == list(PAPER_CLAIMS)  # 0 K only
    found = {row.claim.id: row.finding for row in conclusions.rows}
    assert found["all_intermediates_stable"].verdict == "yes"
    assert found["thermodynamic_three_plateaus"].verdict == "yes"
    assert found["thermodynamic_three_plateaus"].numbers["voltages_V"] == pytest.approx(
        [2.0685, 2.031, 1.843, 1.72], abs=1e-9
    )  # the paper's 2.07 / 2.03 / 1.84 / 1.72 V
    assert found["kinetic_two_plateaus"].verdict == "yes"
    assert found["bypass_removes_a_plateau"].verdict == "yes"
    assert found["bypass_removes_a_plateau"].numbers["single_bypasses_removing_a_plateau"] == [
        "Na2S2"
    ]
    # with the paper's definition of depth, its own energies put Na2S5 (−2.1), not Na2S2
    # (−20.5 meV/atom), closest to the hull: the published −4 meV/atom does not follow from them
    shallowest = found["na2s2_shallowest"]
    assert shallowest.verdict == "no" and shallowest.numbers["shallowest"] == "Na2S5"
    assert shallowest.numbers["hull_depth_meV_per_atom"] == pytest.approx(
        {"Na2S5": -15 / 7, "Na2S4": -10.4444444, "Na2S2": -20.5, "Na2S": -573.3333333}, abs=1e-6
    )


def test_the_paper_entries_file_gives_the_same_verdicts(paper_entries_json: Path):
    from_file = evaluate(analyze(load_entries_json(paper_entries_json)))
    from_table = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    assert [r.finding.summary for r in from_file.rows] == [
        r.finding.summary for r in from_table.rows
    ]
    assert [r.finding.verdict for r in from_file.rows] == ["yes", "yes", "yes", "yes", "no"]


def test_na2s2_shallowest_splits_the_first_plateau_and_merges_the_last_two():
    # Na2S2 2.5 meV/atom below Na2S4 + Na2S; Na2S5 and Na2S4 deeper (−11.1 and −7.4). A shallow
    # Na2S2 brings its two steps within 50 mV and a deep Na2S5 parts the first two: three
    # distinguishable plateaus, but not the paper's three, and three on the kinetic path
    ef = {**PAPER_EF_EV_PER_ATOM, "Na2S5": -0.600, "Na2S2": -0.958}
    assert verdicts(ef) == {
        **dict.fromkeys(PAPER_CLAIMS, "yes"),
        "thermodynamic_three_plateaus": "no",
        "kinetic_two_plateaus": "no",
    }
    conclusions = evaluate(analyze(entries(ef)))
    finding = conclusions.row("na2s2_shallowest", 0.0).finding
    assert finding.numbers["hull_depth_meV_per_atom"]["Na2S2"] == pytest.approx(-2.5, abs=1e-9)
    assert finding.summary == "Na2S2 -2.5 meV/atom; next Na2S4 -7.4 meV/atom"
    thermodynamic = conclusions.row("thermodynamic_three_plateaus", 0.0).finding
    assert thermodynamic.summary == (
        "3 distinguishable at 50 mV, not the paper's 3 (2.10 / 1.91 / 1.77 / 1.76 V); 3 in the "
        "paper's grouping, which merges 2.10 and 1.91 V (195 mV apart) and keeps apart 1.77 and "
        "1.76 V (15 mV apart)"
    )


def test_four_distinguishable_plateaus_are_not_the_papers_three():
    # Na2S5 and Na2S4 deeper than the paper's, as under CHGNet: the first two steps are 275 mV
    # apart, which only the paper's grouping counts as one plateau
    ef = {**PAPER_EF_EV_PER_ATOM, "Na2S5": -0.65, "Na2S4": -0.74, "Na2S2": -1.0}
    conclusions = evaluate(analyze(entries(ef)))
    thermodynamic = conclusions.row("thermodynamic_three_plateaus", 0.0).finding
    assert thermodynamic.verdict == "no"
    assert thermodynamic.numbers["distinguishable_plateaus"] == 4
    assert thermodynamic.numbers["plateaus_in_paper_grouping"] == 3
    assert thermodynamic.summary == (
        "4 distinguishable at 50 mV, not 3 (2.28 / 2.00 / 1.78 / 1.67 V); 3 in the paper's "
        "grouping, which merges 2.28 and 2.00 V (275 mV apart)"
    )
    kinetic = conclusions.row("kinetic_two_plateaus", 0.0).finding
    assert kinetic.verdict == "no" and kinetic.numbers["distinguishable_plateaus"] == 3
    assert kinetic.summary.startswith("3 distinguishable at 50 mV, not 2 (")
    text = markdown(conclusions)
    assert (
        "| The thermodynamic path has three plateaus (distinguishable at 50 mV) | **no**: 4 "
        in text
    )
    assert "n plateaus distinguishable at 50 mV (closer steps count as one) and they are" in text
    # a committee with a model that gives the paper's three: model-dependent, never a yes
    paper = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    both = combine({"paper": paper, "deep": conclusions})
    for claim in ("thermodynamic_three_plateaus", "kinetic_two_plateaus"):
        assert both.row(claim, 0.0).finding.verdict == MODEL_DEPENDENT
    assert "| **model-dependent** (paper: yes; deep: no) |" in markdown(both)


def test_the_on_the_hull_row_gives_every_intermediates_depth():
    """ "Is Na2S2 stable, and by how much" is answered in the row that asks it."""
    paper = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    assert paper.row("all_intermediates_stable", 0.0).finding.summary == (
        "4 of 4; hull depths Na2S5 -2.1, Na2S4 -10.4, Na2S2 -20.5, Na2S -573.3 meV/atom"
    )
    off_hull = evaluate(analyze(entries({**PAPER_EF_EV_PER_ATOM, "Na2S2": -0.945})))
    assert off_hull.row("all_intermediates_stable", 0.0).finding.summary == (
        "3 of 4; Na2S2 +10.5 meV/atom above the hull; hull depths Na2S5 -2.1, Na2S4 -16.9, "
        "Na2S -594.0 meV/atom"
    )


def test_na2s2_off_the_hull():
    # the Na2S4 + Na2S tie line is at −0.9555 eV/atom: Na2S2 lies 10.5 meV/atom above it
    ef = {**PAPER_EF_EV_PER_ATOM, "Na2S2": -0.945}
    conclusions = evaluate(analyze(entries(ef)))
    assert {row.claim.id: row.finding.verdict for row in conclusions.rows} == {
        "all_intermediates_stable": "no",
        "thermodynamic_three_plateaus": "no",  # S8 → Na2S5/Na2S4 → Na2S: two
        "kinetic_two_plateaus": "yes",  # bypassing a phase off the hull changes nothing
        "bypass_removes_a_plateau": "no",
        "na2s2_shallowest": "no",
    }
    stable = conclusions.row("all_intermediates_stable", 0.0).finding
    assert stable.numbers["stable"] == ["Na2S5", "Na2S4", "Na2S"]
    assert stable.numbers["hull_distance_meV_per_atom"]["Na2S2"] == pytest.approx(10.5, abs=1e-9)
    thermodynamic = conclusions.row("thermodynamic_three_plateaus", 0.0).finding
    assert thermodynamic.numbers["plateaus_in_paper_grouping"] == 2
    single = conclusions.row("bypass_removes_a_plateau", 0.0).finding
    assert single.numbers["plateaus_in_paper_grouping_without"]["Na2S2"] == 2
    shallowest = conclusions.row("na2s2_shallowest", 0.0).finding
    assert shallowest.summary.startswith("Na2S2 is above the hull (+10.5 meV/atom)")


def test_na2s4_shallowest():
    # Na2S4 2.4 meV/atom below the Na2S5 + Na2S2 tie line (−0.6766 eV/atom)
    ef = {**PAPER_EF_EV_PER_ATOM, "Na2S4": -0.679}
    found = verdicts(ef)
    assert found["na2s2_shallowest"] == "no" and found["all_intermediates_stable"] == "yes"
    finding = evaluate(analyze(entries(ef))).row("na2s2_shallowest", 0.0).finding
    assert finding.numbers["shallowest"] == "Na2S4"
    assert finding.numbers["hull_depth_meV_per_atom"]["Na2S4"] == pytest.approx(-2.4444, abs=1e-4)


def test_a_missing_phase_leaves_the_papers_claims_not_evaluated():
    ef = {f: e for f, e in PAPER_EF_EV_PER_ATOM.items() if f != "Na2S5"}
    assert verdicts(ef) == dict.fromkeys(PAPER_CLAIMS, NOT_EVALUATED)


def test_a_generic_system_gets_the_generic_claims_with_values():
    # Li–S (no published study): Li2S4 50 meV/atom below S + Li2S, Li2S2 50 above Li2S4 + Li2S
    ef = {"Li": 0.0, "S": 0.0, "Li2S4": -0.80, "Li2S2": -1.10, "Li2S": -1.50}
    conclusions = evaluate(analyze(entries(ef), bypass=["Li2S4"]))
    assert {row.claim.id: row.finding.verdict for row in conclusions.rows} == {
        "stable_compounds": "2 of 3: Li2S4, Li2S",
        "thermodynamic_plateaus": "2",
        "kinetic_plateaus": "1",
        "single_bypass": "Li2S4",
        "shallowest_compound": "Li2S4",
    }
    shallowest = conclusions.row("shallowest_compound", 0.0).finding
    assert shallowest.numbers["hull_depth_meV_per_atom"]["Li2S4"] == pytest.approx(-50, abs=1e-9)
    assert shallowest.numbers["above_hull_meV_per_atom"]["Li2S2"] == pytest.approx(50, abs=1e-9)
    document = conclusions.to_record()
    assert document.claims_of.startswith("generic claims")
    assert all(not row.paper_claim for row in document.claims)
    assert "No published study of this system" in markdown(conclusions)


def test_combine_agreeing_and_disagreeing_models():
    paper = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    off_hull = evaluate(analyze(entries({**PAPER_EF_EV_PER_ATOM, "Na2S2": -0.945})))
    same = combine({"A": paper, "B": paper})
    assert [r.finding.verdict for r in same.rows] == [r.finding.verdict for r in paper.rows]
    both = combine({"A": paper, "B": off_hull})
    found = {row.claim.id: row for row in both.rows}
    assert {k: r.finding.verdict for k, r in found.items()} == {
        "all_intermediates_stable": MODEL_DEPENDENT,
        "thermodynamic_three_plateaus": MODEL_DEPENDENT,
        "kinetic_two_plateaus": "yes",  # yes under both
        "bypass_removes_a_plateau": MODEL_DEPENDENT,
        "na2s2_shallowest": "no",  # no under both
    }
    # never a yes unless every model says yes
    for row in both.rows:
        if row.finding.verdict == "yes":
            assert all(f.verdict == "yes" for f in row.by_model.values())
    document = both.to_record()
    assert document.models == ["A", "B"]
    [first] = [d for d in document.claims if d.claim == "all_intermediates_stable"]
    assert first.verdict == MODEL_DEPENDENT and first.numbers is None
    assert first.models["A"].verdict == "yes" and first.models["B"].verdict == "no"
    assert first.models["B"].numbers["stable_count"] == 3
    text = markdown(both)
    assert "| **model-dependent** (A: yes; B: no) |" in text
    assert "Each model's deciding numbers:" in text


def test_combine_marks_a_temperature_one_model_lacks_as_not_evaluated():
    fvib = {"300": -0.01}
    with_300 = entries(PAPER_EF_EV_PER_ATOM)
    for entry in with_300:
        entry.data["free_energy_vib_eV_per_atom"] = fvib
    warm = evaluate(analyze(with_300))
    cold = evaluate(analyze(entries(PAPER_EF_EV_PER_ATOM)))
    both = combine({"warm": warm, "cold": cold})
    assert both.temperatures_K == (0.0, 300.0)
    row = both.row("all_intermediates_stable", 300.0)
    assert row.finding.verdict == NOT_EVALUATED
    assert row.by_model["warm"].verdict == "yes"
    assert row.by_model["cold"].verdict == NOT_EVALUATED
    with pytest.raises(ValueError, match="single models"):
        combine({"both": both})


def test_deciding_numbers_carry_units_or_are_counts_or_formulas():
    counts = {"stable_count", "compounds_count", "steps", "distinguishable_plateaus"}
    counts |= {"plateaus_in_paper_grouping", "plateaus_in_paper_grouping_without"}
    counts |= {"distinguishable_plateaus_without", "distinguishable_plateaus"}
    formulas = {"shallowest", "stable", "bypassed", "single_bypasses_removing_a_plateau"}
    for ef in (PAPER_EF_EV_PER_ATOM, {"Li": 0, "S": 0, "Li2S4": -0.8, "Li2S": -1.5}):
        for row in evaluate(analyze(entries(ef))).to_record().claims:
            for key, value in row.numbers.items():
                values = list(value.values()) if isinstance(value, dict) else [value]
                values = [
                    v for item in values for v in (item if isinstance(item, list) else [item])
                ]
                if key.endswith(("_V", "_meV_per_atom")):
                    assert all(isinstance(v, float) for v in values), key
                elif key in counts:
                    assert all(isinstance(v, int) for v in values), key
                else:
                    assert key in formulas and all(isinstance(v, str) for v in values), key


def test_the_stub_run_states_its_conclusions_at_the_top(stub_run: Path):
    document = json.loads((stub_run / "results.json").read_text())["conclusions"]
    assert document["claims_of"].startswith("Ji, Tu et al.")
    by_key = {(row["claim"], row["temperature_K"]): row for row in document["claims"]}
    assert len(by_key) == 5 * 3  # five claims at 0, 300 and 400 K
    for t in (0, 300, 400):  # the stub reproduces the paper's 0 K formation energies
        for claim in PAPER_CLAIMS[:4]:
            assert by_key[claim, t]["verdict"] == "yes", (claim, t)
        assert by_key["na2s2_shallowest", t]["verdict"] == "no"
        assert by_key["na2s2_shallowest", t]["numbers"]["shallowest"] == "Na2S5"
    lines = (stub_run / "report.md").read_text().splitlines()
    model = next(i for i, line in enumerate(lines) if line.startswith("- Model:"))
    heading = lines.index("## Conclusions")
    assert heading < lines.index("![voltage profiles](voltage_profile.png)")
    assert heading < next(i for i, line in enumerate(lines) if line.startswith("## Inventory"))
    assert all(line.startswith("- ") for line in lines[model:heading] if line)  # header only
    assert lines[heading + 4] == "| claim | 0 K | 300 K | 400 K |"
