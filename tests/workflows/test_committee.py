"""A committee of two stub models (`nasx run --calculator stub stub-stiff`) on the small set
(the session's run, shared with test_workers.py, whose one-worker reference it is).

stub-stiff has the compounds' springs 1.5 × the stub's and the same 0 K energies, so at 0 K every
spread is zero and at T > 0 it follows from the Einstein free energies in closed form.
"""

import json
import re
import shutil

import pytest
from monty.json import MontyEncoder
from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedEntry

import nasx
from nasx.cli import main
from nasx.layout import MODELS_DIR, RunDirectory
from nasx.workflows.calculators.stub import NA_S_SPRING_EV_PER_A2, StiffStubCalculator
from nasx.workflows.workers import fworker_for
from tests.conftest import COMMITTEE, committee_argv
from tests.documents import checked_document
from tests.workflows.test_stub_run import einstein_free_energy_eV_per_atom

MODELS = COMMITTEE


@pytest.fixture(scope="module")
def committee(stub_committee, small_cifs):
    """The finished small-set committee and the command that made it."""
    return stub_committee, committee_argv(small_cifs)


def _results(directory):
    return json.loads((directory / "results.json").read_text())


def _delta_ef_eV_per_atom(formula: str, t: float) -> float:
    """stub-stiff − stub formation energy: only the compound's F_vib differs (elements keep
    their springs, so their F_vib and the references are the same)."""
    k = NA_S_SPRING_EV_PER_A2[formula]
    stiff = einstein_free_energy_eV_per_atom(formula, k * StiffStubCalculator.spring_factor, t)
    return stiff - einstein_free_energy_eV_per_atom(formula, k, t)


@pytest.mark.slow
def test_each_model_is_an_ordinary_run_and_the_committee_names_them(committee):
    out, _ = committee
    results = checked_document(out / "results.json")
    assert results["committee"]["models"] == MODELS
    assert results["models"] == {m: f"{MODELS_DIR}/{m}/results.json" for m in MODELS}
    assert set(results["provenance"]) == set(MODELS)
    assert all(p["test_model"] for p in results["provenance"].values())
    for model in MODELS:
        run = checked_document(out / MODELS_DIR / model / "results.json")
        assert run["calculator"]["name"] == model and run["complete"]
        assert json.loads((out / MODELS_DIR / model / "run.json").read_text())["phases"]
    report = (out / "report.md").read_text().splitlines()
    assert "stub, stub-stiff" in report[0] and report[2].startswith("**Test models")
    for name in ("voltage_profile.png", "hull.png"):
        assert (out / name).stat().st_size > 10_000


@pytest.mark.slow
def test_no_spread_at_0K(committee):
    spread = _results(committee[0])["committee"]["spread"]["0"]
    quantities = [q for phase in spread["phases"].values() for q in phase.values()] + [
        p["voltage_V"] for path in ("thermodynamic", "kinetic") for p in spread[path]["plateaus"]
    ]
    assert len(quantities) == 8 + 3
    assert all(q["max_minus_min"] == pytest.approx(0, abs=1e-12) for q in quantities)
    assert all(
        s["min_V"] == pytest.approx(s["max_V"], abs=1e-12)
        for s in spread["thermodynamic"]["voltage_band"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("t", ["300", "400"])
def test_spread_at_temperature_is_the_closed_form(committee, t):
    spread = _results(committee[0])["committee"]["spread"][t]
    d1 = _delta_ef_eV_per_atom("Na2S", float(t))
    d2 = _delta_ef_eV_per_atom("Na2S2", float(t))
    assert d1 > 0.005 and d2 > 0.005  # stiffer springs: higher F_vib, less bound
    for formula, delta in (("Na2S", d1), ("Na2S2", d2), ("S", 0.0), ("Na", 0.0)):
        ef = spread["phases"][formula]["formation_energy_eV_per_atom"]
        by_model = ef["by_model"]
        assert by_model["stub-stiff"] - by_model["stub"] == pytest.approx(delta, abs=3e-6)
        assert ef["max_minus_min"] == pytest.approx(abs(delta), abs=3e-6)
    # Na2S2 against S + Na2S: E_f(Na2S2) − ¾ E_f(Na2S)
    depth = spread["phases"]["Na2S2"]["hull_distance_meV_per_atom"]
    expected = 1000 * (d2 - 0.75 * d1)
    assert depth["by_model"]["stub-stiff"] - depth["by_model"]["stub"] == pytest.approx(
        expected, abs=5e-3
    )
    # V = −[(1 + n1) E_f1 − (1 + n0) E_f0] / (n1 − n0), n = Na per S
    expected_V = {
        ("thermodynamic", "S → Na2S2"): -2 * d2,
        ("thermodynamic", "Na2S2 → Na2S"): -(3 * d1 - 2 * d2),
        ("kinetic", "S → Na2S"): -1.5 * d1,
    }
    found = {
        (path, p["plateau"]): p["voltage_V"]["by_model"]
        for path in ("thermodynamic", "kinetic")
        for p in spread[path]["plateaus"]
    }
    assert set(found) == set(expected_V)
    for key, delta in expected_V.items():
        assert found[key]["stub-stiff"] - found[key]["stub"] == pytest.approx(delta, abs=1e-5)
    band = spread["thermodynamic"]["voltage_band"]
    edges = [x for s in band for x in (s["x_start"], s["x_end"])]
    assert edges == pytest.approx([0, 0.5, 0.5, 2 / 3])
    assert band[0]["max_V"] - band[0]["min_V"] == pytest.approx(2 * d2, abs=1e-5)


@pytest.mark.slow
def test_analyze_of_the_two_runs_equals_the_committee(committee, tmp_path, capsys):
    out, _ = committee
    runs = [out / MODELS_DIR / m for m in MODELS]
    assert main(["analyze", *map(str, runs), "--out", str(tmp_path / "pair")]) == 0
    assert _results(tmp_path / "pair")["committee"] == _results(out)["committee"]
    for model in MODELS:  # each source analysed as `nasx analyze SOURCE` does
        assert _results(tmp_path / "pair" / model)["calculator"]["name"] == model
    assert "committee of stub, stub-stiff" in capsys.readouterr().out
    # a committee directory alone stands for its models, named as in the run
    whole = nasx.analyze(out, out=tmp_path / "whole")
    assert list(whole.models) == list(MODELS)
    assert [m.directory for m in whole.models.values()] == [tmp_path / "whole" / m for m in MODELS]


@pytest.mark.slow
def test_analyze_refuses_sources_of_different_systems(committee, tmp_path, capsys):
    li_s = tmp_path / "li_s.json"
    entries = [
        ComputedEntry(Composition(f), e) for f, e in (("Li", -1.9), ("S", -4.1), ("Li2S", -9.0))
    ]
    li_s.write_text(json.dumps(entries, cls=MontyEncoder))
    run = committee[0] / MODELS_DIR / "stub"
    assert main(["analyze", str(run), str(li_s), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(run) in err[0] and str(li_s) in err[0]
    assert "Na-S" in err[0] and "Li-S" in err[0] and "different systems" in err[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_a_moved_committee_reruns_only_the_analyses_and_status_is_complete(
    committee, tmp_path, capsys
):
    out, argv = committee
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    journals = [RunDirectory(moved / MODELS_DIR / m) for m in MODELS] + [RunDirectory(moved)]
    before = [len(j.journal_entries()) for j in journals]
    assert main([*argv, "--out", str(moved), "--quiet", "--workers", "1"]) == 0
    new = [
        [e["job"] for e in j.journal_entries()[n:]] for j, n in zip(journals, before, strict=True)
    ]
    assert new == [["analysis"], ["analysis"], ["committee analysis"]]
    assert _results(moved)["committee"] == _results(out)["committee"]
    capsys.readouterr()
    assert main(["status", str(moved)]) == 0
    status = capsys.readouterr().out
    assert "committee: stub, stub-stiff" in status and str(moved) in status


@pytest.mark.slow
def test_a_committee_and_a_single_run_refuse_each_other(committee, tmp_path, capsys):
    out, argv = committee
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    single = [a for a in argv if a != "stub-stiff"]
    assert main([*single, "--out", str(copy), "--quiet"]) == 2
    assert "holds a committee of stub, stub-stiff" in capsys.readouterr().err
    assert main([*argv, "--out", str(copy / MODELS_DIR / "stub"), "--quiet"]) == 2
    assert "holds a single-model run" in capsys.readouterr().err
    store = ["analyze", "--launchpad", str(copy / "launchpad.json"), "--out", str(tmp_path / "a")]
    assert main(store) == 2
    err = capsys.readouterr().err
    assert "is a committee of stub, stub-stiff; analyse its run directory instead" in err
    assert _results(copy)["committee"] == _results(out)["committee"]


def test_workers_of_a_committee_take_the_jobs_of_its_models():
    query = fworker_for("w", "/data/run").query["spec._tasks.run_dir"]["$regex"]
    assert re.match(query, "/data/run") and re.match(query, "/data/run/models/chgnet")
    assert not re.match(query, "/data/run2/models/chgnet")


@pytest.mark.slow
def test_committee_conclusions_combine_each_models_own(committee):
    """Each model's verdict in the committee's table is the one its own run states; the combined
    verdict is that verdict where they agree and "model-dependent" where they do not."""
    out, _ = committee
    combined = _results(out)["conclusions"]
    assert combined["models"] == MODELS
    own = {
        m: {
            (c["claim"], c["temperature_K"]): c
            for c in _results(out / MODELS_DIR / m)["conclusions"]["claims"]
        }
        for m in MODELS
    }
    assert len(combined["claims"]) == len(own[MODELS[0]])
    for row in combined["claims"]:
        key = (row["claim"], row["temperature_K"])
        verdicts = {m: row["models"][m]["verdict"] for m in MODELS}
        assert verdicts == {m: own[m][key]["verdict"] for m in MODELS}
        if len(set(verdicts.values())) == 1:
            assert row["verdict"] == verdicts[MODELS[0]]
        elif "not evaluated" not in verdicts.values():
            assert row["verdict"] == "model-dependent"
    report = (out / "report.md").read_text().splitlines()
    assert next(line for line in report if line.startswith("## ")) == "## Conclusions"
