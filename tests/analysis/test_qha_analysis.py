"""The analysis of a ``--qha`` run: per phase V(T), α, B, Cp and G at p = 0 in results.json's
``qha``, the hull, formation energies and plateaus from the QHA G(T) beside the harmonic ones,
a refused temperature named in one line (and its QHA hull not computed), the report's section
and qha.png; ``nasx analyze`` gives the same file; without QHA settings nothing changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nasx.analysis.document import ResultsDocument, results_json_text
from nasx.analysis.qha_sections import PlateauShift
from nasx.analysis.readers.run_directory import read_run_directory
from nasx.analysis.reanalysis import analyze_calculations
from nasx.analysis.report.qha_report import QHA_PNG, TITLE
from nasx.analysis.thermo.qha_study import shifts
from nasx.analysis.thermo.voltage import Plateau
from nasx.cli import main
from nasx.units import ev_per_a3_to_gpa
from tests.small_set import MIN_LENGTH, write_small_set

PHASES = ("Na_Im-3m", "S_Pm-3m", "Na2S_Fm-3m")
VOLUMES = "-2:5.5:5"
"""+5.5 % at most: the stub's one-atom sulfur expands 4.7 % by 300 K (4.8 % at 310 K, which α
needs) and 6.1 % by 400 K, so its 400 K is refused and its 300 K is not; Na and Na2S expand
less. No volume at the relaxed one: the figure's harmonic G then comes from the main set."""


@pytest.fixture(scope="module")
def qha_run(tmp_path_factory) -> Path:
    """A finished stub study of Na, the one-atom S and Na2S with --qha (5 volumes, ~15 s)."""
    root = tmp_path_factory.mktemp("qha-analysis")
    structures = write_small_set(root / "cifs", PHASES)
    out = root / "run"
    argv = ["run", "--calculator", "stub", "--structures", str(structures), *MIN_LENGTH]
    argv += ["--out", str(out), "--quiet", f"--qha-volumes={VOLUMES}", "--workers", "1"]
    assert main(argv) == 0
    return out


def results(run: Path) -> dict:
    return json.loads((run / "results.json").read_text())


@pytest.mark.slow
def test_the_run_has_v_of_t_and_the_qha_hull_beside_the_harmonic_one(qha_run):
    document = results(qha_run)
    qha = document["qha"]
    assert qha["volumes"] == {"min_percent": -2.0, "max_percent": 5.5, "count": 5}
    rows = {(i, r["temperature_K"]): r for i, phase in qha["phases"].items() for r in phase["rows"]}
    assert set(qha["phases"]) == set(PHASES)
    for phase_id in ("Na_Im-3m", "Na2S_Fm-3m"):  # γ = 1: the stub's crystals expand
        volumes = [rows[phase_id, t]["volume_A3_per_atom"] for t in (0, 300, 400)]
        assert volumes[0] < volumes[1] < volumes[2]
        assert rows[phase_id, 300]["thermal_expansion_per_K"] > 0
    sulfur = (rows["S_Pm-3m", 0]["volume_A3_per_atom"], rows["S_Pm-3m", 300]["volume_A3_per_atom"])
    assert sulfur[0] < sulfur[1]
    refused = rows["S_Pm-3m", 400]
    assert refused["volume_A3_per_atom"] is None and refused["gibbs_energy_eV_per_atom"] is None
    assert refused["refused"].startswith("S_Pm-3m at 400 K: equilibrium volume")

    # 300 K: every phase has a QHA G, the hull is computed from it
    at300 = qha["temperatures"]["300"]
    shift = at300["minus_harmonic"]
    dg = shift["gibbs_energy_meV_per_atom"]
    for phase_id in PHASES:
        # G_QHA is the minimum over V of what the harmonic G is at V0: lower, by ½ B V0 (ΔV/V0)²
        # to second order in ΔV (E(V) + F(V) ≈ G_harm + F' ΔV + ½ (B/V0) ΔV²)
        row = rows[phase_id, 300]
        v0 = document["calculations"][phase_id]["volume_A3_per_atom"]
        b_ev_per_a3 = row["bulk_modulus_GPa"] / ev_per_a3_to_gpa(1.0)
        expected = -0.5 * b_ev_per_a3 * v0 * (row["volume_A3_per_atom"] / v0 - 1) ** 2 * 1000
        assert dg[phase_id] < 0 and dg[phase_id] == pytest.approx(expected, rel=0.1)
    # E_f and the plateau shift follow from the phases' G shifts: Na2S = ⅔ Na + ⅓ S per atom,
    # S + 2 Na → Na2S moves 2 electrons per 3 atoms
    na2s = dg["Na2S_Fm-3m"] - (2 * dg["Na_Im-3m"] + dg["S_Pm-3m"]) / 3
    assert shift["formation_energy_meV_per_atom"]["Na2S_Fm-3m"] == pytest.approx(na2s, abs=1e-6)
    assert shift["hull_distance_meV_per_atom"]["Na2S_Fm-3m"] == pytest.approx(na2s, abs=1e-6)
    (step,) = shift["thermodynamic"]
    assert (step["phase_start"], step["phase_end"]) == ("S", "Na2S")
    assert step["difference_mV"] == pytest.approx(-3 * na2s / 2, abs=1e-6)
    assert step["qha_V"] == at300["thermodynamic"][0]["voltage_V"]
    harmonic_300 = document["ocv"]["thermodynamic"]["300"][0]["voltage_V"]
    assert step["harmonic_V"] == harmonic_300
    harmonic_ef = document["polymorphs"]["Na2S_Fm-3m"]["formation_energy_eV_per_atom"]["300"]
    assert at300["formation_energy_eV_per_atom"]["Na2S_Fm-3m"] == pytest.approx(
        harmonic_ef + na2s / 1000, abs=1e-9
    )

    # 400 K: sulfur has no QHA G, so no QHA hull (the harmonic value is not mixed in)
    at400 = qha["temperatures"]["400"]
    assert "formation_energy_eV_per_atom" not in at400 and "thermodynamic" not in at400
    assert "S_Pm-3m" in at400["not_computed"] and "Na2S_Fm-3m" not in at400["not_computed"]
    assert set(at400["minus_harmonic"]["gibbs_energy_meV_per_atom"]) == {"Na_Im-3m", "Na2S_Fm-3m"}
    failed = [(c["phase"], c["check"]) for c in document["checks"] if not c["ok"]]
    assert ("S_Pm-3m", "QHA volume range") in failed and ("all", "QHA hull") in failed
    assert ("Na2S_Fm-3m", "QHA volume range") not in failed

    report = (qha_run / "report.md").read_text()
    section = report[report.index(TITLE) :]
    assert f"]({QHA_PNG})" in section and (qha_run / QHA_PNG).stat().st_size > 10_000
    lines = section.splitlines()
    assert sum(line.startswith("- S_Pm-3m at 400 K: equilibrium volume") for line in lines) == 1
    assert sum(line.startswith("- QHA hull at 400 K not computed") for line in lines) == 1
    assert "| E_f Na2S_Fm-3m (eV/atom) | 300 K |" in section
    assert "The largest shifts from the harmonic numbers: " in section

    # bcc Na is in the built-in experiment.toml (volume at 293 K, α at 298.15 K): V(T) and α(T)
    # of the QHA beside them, at the grid temperature nearest each (290 K, 300 K)
    measured = qha["phases"]["Na_Im-3m"]["measured"]
    alpha = measured["thermal_expansion_per_K"]
    assert measured["thermal_expansion_temperature_K"] == 300
    assert alpha["computed"] == rows["Na_Im-3m", 300]["thermal_expansion_per_K"]
    assert alpha["measured"] == pytest.approx(2.13e-4) and "CRC" in alpha["source"]
    assert alpha["difference"] == pytest.approx(alpha["computed"] - 2.13e-4)
    volume = measured["volume_A3_per_atom"]
    assert measured["volume_temperature_K"] == 290 and volume["measured"] == pytest.approx(39.49)
    assert rows["Na_Im-3m", 0]["volume_A3_per_atom"] < volume["computed"]
    assert volume["computed"] < rows["Na_Im-3m", 300]["volume_A3_per_atom"]
    assert {"QHA experiment: volume", "QHA experiment: thermal expansion"} <= {
        c["check"] for c in document["checks"] if c["phase"] == "Na_Im-3m"
    }
    assert "measured" not in qha["phases"]["S_Pm-3m"]  # no simple cubic sulfur was measured
    assert "### Beside measurement" in section and "| Na_Im-3m | α (10⁻⁵/K) | 300 K |" in section


@pytest.mark.slow
def test_nasx_analyze_of_the_run_writes_the_same_typed_results(qha_run, tmp_path):
    assert main(["analyze", str(qha_run), "--out", str(tmp_path / "again")]) == 0
    text = (qha_run / "results.json").read_text()
    assert (tmp_path / "again" / "results.json").read_text() == text
    assert results_json_text(ResultsDocument.from_json(json.loads(text))) == text  # typed


@pytest.mark.slow
def test_without_qha_settings_the_analysis_is_the_harmonic_one(qha_run, tmp_path):
    """The same run with its QHA settings removed from run.json: no ``qha`` key, no QHA check,
    and the report is the QHA run's without its QHA section and QHA checks."""
    run = shutil.copytree(qha_run, tmp_path / "run")
    settings = json.loads((run / "run.json").read_text())
    del settings["qha"]
    (run / "run.json").write_text(json.dumps(settings))
    out = tmp_path / "harmonic"
    analysis = analyze_calculations(read_run_directory(run), out)
    assert analysis.complete
    plain, with_qha = results(out), results(qha_run)
    assert "qha" not in plain and not (out / QHA_PNG).exists()
    with_qha.pop("qha")
    with_qha["checks"] = [c for c in with_qha["checks"] if not c["check"].startswith("QHA")]
    assert plain == with_qha
    report = (qha_run / "report.md").read_text()
    start = report.index(TITLE)
    end = report.index("\n## ", start + len(TITLE))
    without = report[:start] + report[end + 1 :]
    qha_checks = [
        line for line in without.splitlines() if line.startswith("- **") and ", QHA " in line
    ]
    # sulfur's volume range, the 400 K hull, and the stub Na's α beside the measured one
    assert len(qha_checks) == 3
    kept = [line for line in without.splitlines() if line not in qha_checks]
    assert (out / "report.md").read_text().splitlines() == kept


def test_plateaus_are_matched_by_their_end_phases():
    def step(start: str, end: str, volts: float) -> Plateau:
        return Plateau(f"{start} -> {end}", volts, 0.0, 1.0, 0.0, 1.0, start, end)

    harmonic = [step("S", "Na2S2", 2.0), step("Na2S2", "Na2S", 1.5)]
    qha = [step("S", "Na2S2", 2.001), step("Na2S2", "Na2S5", 1.4)]
    assert shifts(harmonic, qha) == [
        PlateauShift("S", "Na2S2", 2.0, 2.001, pytest.approx(1.0)),
        PlateauShift("Na2S2", "Na2S", 1.5, None, None),
        PlateauShift("Na2S2", "Na2S5", None, 1.4, None),
    ]
