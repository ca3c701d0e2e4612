"""Computed beside measured (issue 30): the stub study's results and report carry the
comparison, its numbers follow from the model, and the tolerances decide the checks."""

from __future__ import annotations

import math

import pytest
from pymatgen.core import Lattice, Structure

from nasx.analysis.readers.records import PhaseRecord
from nasx.analysis.thermo.experiment import compare
from nasx.analysis.thermo.gamma_modes import GammaMode, GammaModes
from nasx.analysis.thermo.standard_state import StandardState
from nasx.structures.experiment import Experiment, Measured, MeasuredPhase
from nasx.units import kj_per_mol_to_ev
from tests.documents import checked_document

HBAR_EV_S = 6.582119569e-16
K_B_EV_PER_K = 8.617333262e-5
AMU_KG = 1.66053906660e-27
EV_J = 1.602176634e-19
J_PER_MOL_K_PER_EV_PER_K = EV_J * 6.02214076e23


def test_a_stub_studys_results_and_report_carry_the_comparison(stub_run):
    document = checked_document(stub_run / "results.json")
    assert document["temperatures_K"] == [0, 300, 400]  # 298.15 K is evaluated besides
    assert 298.15 not in document["calculations"]["Na2S_Fm-3m"]["phonons"]["temperatures_K"]
    section = document["experiment"]
    assert section["reference_states"] == {"Na": "Na_Im-3m", "S": "S8_Fddd"}
    phases = section["phases"]
    assert phases["S8_Fddd"]["entropy_J_per_mol_K_per_atom"]["measured"] == 32.054
    na2s = phases["Na2S_Fm-3m"]
    assert na2s["formation_enthalpy_eV_per_atom"]["measured"] == pytest.approx(
        kj_per_mol_to_ev(-366.1) / 3
    )
    formation = na2s["formation_enthalpy_eV_per_atom"]["computed"]
    assert formation == pytest.approx(
        na2s["formation_energy_0K_eV_per_atom"] + na2s["vibrational_enthalpy_term_eV_per_atom"]
    )
    assert na2s["formation_energy_0K_eV_per_atom"] == pytest.approx(-1.224, abs=1e-3)  # paper's
    assert set(na2s["heat_capacity_J_per_mol_K_per_atom"]) == {"298.15", "300", "400"}
    assert set(na2s["enthalpy_increment_kJ_per_mol_per_atom"]) == {"300", "400"}
    assert na2s["gamma_modes"]["point_group"] == "m-3m"
    assert "T1u" in {m["irrep"] for m in na2s["gamma_modes"]["modes"]}
    raman = phases["S8_Fddd"]["raman"]
    assert raman["measured_per_cm"][0] == 84 and len(raman["ratio"]) == 7
    ours = [c for c in document["checks"] if c["check"].startswith("experiment: ")]
    assert ours and all(c["message"].startswith("test model: ") for c in ours)
    failed = {(c["phase"], c["check"]) for c in ours if not c["ok"]}
    assert ("Na_Im-3m", "experiment: S(298.15 K)") in failed  # the stub's springs: −14 %
    report = (stub_run / "report.md").read_text()
    section_text = report.split("## Computed and measured", 1)[1].split("\n## ", 1)[0]
    for heading in ("S(298.15 K)", "ΔfH(298.15 K)", "Cp 298.15 K", "point group"):
        assert heading in section_text
    assert "| Na2S_Fm-3m | m-3m | 130 T1u×3 I" in section_text
    assert "CODATA Key Values" in section_text


def test_the_stubs_entropy_and_enthalpy_at_298_k_are_einsteins(stub_run):
    """The stub's atoms are Einstein oscillators (ω = √(k/m)): S and H_vib in closed form."""
    document = checked_document(stub_run / "results.json")
    sodium = document["experiment"]["phases"]["Na_Im-3m"]
    omega = math.sqrt(0.8 * EV_J / 1e-20 / (22.98977 * AMU_KG))  # k = 0.8 eV/Å² (stub)
    x = HBAR_EV_S * omega / (K_B_EV_PER_K * 298.15)
    entropy = 3 * K_B_EV_PER_K * (x / math.expm1(x) - math.log(-math.expm1(-x)))
    computed = sodium["entropy_J_per_mol_K_per_atom"]["computed"]
    assert computed == pytest.approx(entropy * J_PER_MOL_K_PER_EV_PER_K, rel=2e-3)
    cv = 3 * K_B_EV_PER_K * x**2 * math.exp(x) / math.expm1(x) ** 2
    assert sodium["heat_capacity_J_per_mol_K_per_atom"]["298.15"]["computed"] == pytest.approx(
        cv * J_PER_MOL_K_PER_EV_PER_K, rel=2e-3
    )


def test_the_stub_studys_entropy_breakdown_adds_up_and_is_in_the_report(stub_run):
    """Where S(298.15 K) sits: the bands add up to it, α-S8's four S8 rings are found, and the
    softening factors follow from computed − measured (issue 30)."""
    phases = checked_document(stub_run / "results.json")["experiment"]["phases"]
    for pid, phase in phases.items():
        breakdown = phase["entropy_breakdown"]
        total = phase["entropy_J_per_mol_K_per_atom"]["computed"]
        assert breakdown["entropy_J_per_mol_K_per_atom"] == pytest.approx(total, rel=1e-9), pid
        bands = breakdown["bands"]
        assert sum(b["entropy_J_per_mol_K_per_atom"] for b in bands) == pytest.approx(total)
        assert [b["lower_THz"] for b in bands] == [0, 1, 2, 4, 8]
    sulfur = phases["S8_Fddd"]
    assert sulfur["entropy_breakdown"]["molecule_sizes"] == [8, 8, 8, 8]
    assert sulfur["entropy_breakdown"]["external_modes_per_atom"] == pytest.approx(0.75)
    assert "molecule_sizes" not in phases["Na2S_Fm-3m"]["entropy_breakdown"]
    excess = sulfur["entropy_excess"]
    difference = sulfur["entropy_J_per_mol_K_per_atom"]["difference"]
    assert excess["excess_J_per_mol_K_per_atom"] == pytest.approx(difference)
    assert -1.5 * 8.314462618 * math.log(excess["uniform_factor_classical"]) == pytest.approx(
        difference
    )
    report = (stub_run / "report.md").read_text()
    section = report.split("## Computed and measured", 1)[1].split("\n## ", 1)[0]
    head = "| phase | total | 0–1 THz | 1–2 THz | 2–4 THz | 4–8 THz | > 8 THz |"
    table = section.split(head, 1)[1]
    row = next(line for line in table.splitlines() if line.startswith("| S8_Fddd | "))
    assert row.count("|") == 10 and f"{excess['uniform_factor_classical']:.2f} (" in row
    assert "- S8_Fddd: 4 molecules of 8 atoms per primitive cell" in section


def _record(phase_id: str, formula: str, structure: Structure, e_per_atom: float) -> PhaseRecord:
    return PhaseRecord(
        phase_id, formula, structure=structure, energy_eV=e_per_atom * len(structure)
    )


def _state(s: float, h: float, raman: list[float] = ()) -> StandardState:
    modes = [GammaMode(f, 1, "Ag", True, False) for f in raman]
    return StandardState(298.15, s, 24.0, h, GammaModes("mmm", modes))


def _measured(**numbers) -> Measured:
    return Measured(numbers, "a table", "high", True)


def test_formation_enthalpy_tolerances_and_confidence_decide_the_checks():
    sodium = Structure(Lattice.cubic(4.2), ["Na", "Na"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    sulfur = Structure(Lattice.cubic(2.6), ["S"], [[0, 0, 0]])
    na2s = Structure(
        Lattice.cubic(6.54),
        ["S"] * 4 + ["Na"] * 8,
        [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]
        + [[x, y, z] for x in (0.25, 0.75) for y in (0.25, 0.75) for z in (0.25, 0.75)],
    )
    records = [
        _record("Na_bcc", "Na", sodium, -1.3),
        _record("S_sc", "S", sulfur, -4.1),
        _record("Na2S_af", "Na2S", na2s, -3.8),
    ]
    standard = {
        "Na_bcc": _state(51.3 * 1.09, 0.03),  # +9 %: within 10 %
        "S_sc": _state(32.0 * 1.11, 0.06),  # +11 %: beyond
        "Na2S_af": _state(40.0, 0.045, raman=[150.0, 470.0]),
    }
    measured = Experiment(
        None,
        (
            MeasuredPhase("Na", 229, "bcc Na", True, {"entropy_298": _measured(value=51.3)}),
            MeasuredPhase("S", 221, "S", True, {"entropy_298": _measured(value=32.0)}),
            MeasuredPhase(
                "Na2S",
                225,
                "Na2S",
                False,
                {
                    "formation_enthalpy_298": _measured(value=-350.0),
                    "entropy_298": Measured({"value": 60.0}, "a guess", "low", False),
                    "raman": _measured(lines_per_cm=[155.0, 480.0]),
                },
            ),
        ),
    )
    compared = compare(records, {}, standard, measured, test_model=False)
    phase = compared.section.phases["Na2S_af"]
    e_f = -3.8 - (2 / 3 * -1.3 + 1 / 3 * -4.1)
    h_term = 0.045 - (2 / 3 * 0.03 + 1 / 3 * 0.06)
    assert phase.formation_energy_0K_eV_per_atom == pytest.approx(e_f)
    assert phase.vibrational_enthalpy_term_eV_per_atom == pytest.approx(h_term)
    formation = phase.formation_enthalpy_eV_per_atom
    assert formation.measured == pytest.approx(kj_per_mol_to_ev(-350.0) / 3)
    assert formation.ok is (abs(e_f + h_term - formation.measured) <= 0.05)
    assert phase.entropy_J_per_mol_K_per_atom.ok is None  # low confidence: shown, not checked
    assert phase.raman.nearest_computed_per_cm == [150.0, 470.0]
    assert phase.raman.mean_ratio == pytest.approx((150 / 155 + 470 / 480) / 2)
    assert phase.raman.ok is True
    results = {(c.phase_id, c.kind): c.ok for c in compared.checks}
    assert results[("Na_bcc", "experiment: S(298.15 K)")] is True
    assert results[("S_sc", "experiment: S(298.15 K)")] is False
    assert ("Na2S_af", "experiment: S(298.15 K)") not in results
    assert not any(c.message.startswith("test model") for c in compared.checks)


def test_nothing_measured_and_no_phonons_gives_no_section():
    sodium = Structure(Lattice.cubic(4.2), ["Na"], [[0, 0, 0]])
    compared = compare([_record("Na", "Na", sodium, -1.3)], {}, {}, Experiment())
    assert compared.section is None and compared.checks == []


def test_the_conclusions_say_which_hull_distances_the_models_entropy_error_could_reverse(
    stub_run,
):
    import json

    results = json.loads((stub_run / "results.json").read_text())
    error = results["experiment"]["entropy_error"]
    report = (stub_run / "report.md").read_text()
    [paragraph] = [p for p in report.split("\n\n") if "demonstrated error" in p]
    assert report.index("## Conclusions") < report.index(paragraph) < report.index("## Computed")
    assert f"Its entropy of {error['phase']} at 298.15 K" in paragraph
    for t, worth in error["TS_meV_per_atom"].items():
        depths = {
            f: d
            for f, phase in results["phases"].items()
            if (d := phase["hull_distance_meV_per_atom"][t]) and abs(d) < worth
        }
        assert depths  # the stub's hull distances are a few meV/atom: some are within
        assert f"at {t} K T·|ΔS| = {worth:.0f} meV/atom" in paragraph
        for formula, depth in depths.items():
            assert f"{formula} {depth:+.1f}" in paragraph
