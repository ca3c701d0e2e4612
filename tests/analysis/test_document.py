"""results.json is one typed document: the shipped JSON Schema is the one the records give, every
variant round-trips exactly, a version-0 document loads, and a bad one is refused in one line.

The outputs of real runs (a run, a tree, a LaunchPad, entries.json, a committee and its models)
are checked where the tests that make them run (``tests.documents.checked_document``)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pymatgen.entries.computed_entries import ComputedEntry

import nasx
from nasx.analysis.document import (
    SCHEMA_FILE,
    ResultsDocument,
    json_schema,
    json_schema_text,
    results_json_text,
)
from nasx.analysis.report.committee_outputs import ModelOutput, conclusions_of, document
from nasx.analysis.report.outputs import results_document
from nasx.analysis.report.provenance import Provenance
from nasx.analysis.thermo.committee import committee_spread
from nasx.analysis.thermo.study import analyze
from nasx.errors import NasxInputError
from nasx.phonons import ThermalProperties
from tests.documents import checked_text, schema_errors
from tests.paper_data import paper_entries

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "stub_study_results.json"
SOURCE = Path(nasx.__file__).parent / SCHEMA_FILE
REGENERATE = "python -m nasx.analysis.document > src/nasx/schema/results.schema.json"


def test_the_shipped_schema_is_the_one_the_records_give():
    assert SOURCE.read_text(encoding="utf-8") == json_schema_text(), f"regenerate: {REGENERATE}"
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema["required"] == ["schema_version", "nasx_version", "provenance"]


def version_0() -> dict:
    """The pinned stub study as nasx wrote it before results.json had a version (the pinned
    file leaves out the machine's provenance: one is put back)."""
    document = json.loads(REFERENCE.read_text())
    assert document.pop("schema_version") == 1
    document["provenance"] = {
        "model": "analytic stub",
        "test_model": True,
        "versions": {"analysis": {"nasx": "0.1.0"}, "calculations": None},
    }
    return document


def test_a_version_0_document_loads_typed():
    old = version_0()
    for given in (old, {"schema_version": 0, **old}):
        typed = ResultsDocument.from_json(given, "old/results.json")
        assert typed.to_json() == {"schema_version": 1, **old}
        assert next(iter(typed.to_json())) == "schema_version"
    assert typed.temperatures_K == [0, 300, 400]
    assert all(type(t) is int for t in typed.temperatures_K)  # numbers keep their JSON type
    assert typed.ocv.kinetic.bypassed == ["Na2S2"]
    assert typed.ocv.kinetic.by_temperature["300"][0].phase_end == "Na2S5"
    phonons = typed.calculations["Na_Im-3m"].phonons
    assert isinstance(phonons, ThermalProperties) and phonons.supercell == (3, 3, 3)
    assert typed.conclusions.claims[0].temperature_K == 0
    assert schema_errors(typed.to_json()) == []
    assert schema_errors(old) == ["$: 'schema_version' is a required property"]


@pytest.mark.parametrize("version", [99, 2, -1, "1", 1.0, None])
def test_an_unknown_version_is_refused_in_one_line_naming_it(version):
    given = {**version_0(), "schema_version": version}
    with pytest.raises(NasxInputError) as error:
        ResultsDocument.from_json(given, "new/results.json")
    shown = json.dumps(version)
    assert str(error.value) == (
        f"new/results.json: schema_version {shown} is not supported by nasx "
        f"{nasx.__version__} (supports 0–1)"
    )


def broken(change) -> dict:
    document = {"schema_version": 1, **version_0()}
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["calculations"]["Na_Im-3m"]["phonons"][
                "free_energy_eV_per_atom"
            ].__setitem__(1, "low"),
            'calculations.Na_Im-3m.phonons.free_energy_eV_per_atom[1]: input should be a valid number (found "low")',
        ),
        (
            lambda d: d["ocv"]["kinetic"]["300"][0].__setitem__("voltage_V", True),
            "ocv.kinetic.300[0].voltage_V: input should be a valid number (found true)",
        ),
        (
            lambda d: d["ocv"]["thermodynamic"]["0"][1].__setitem__("volts", 2.0),
            "ocv.thermodynamic.0[1].volts: unexpected field",
        ),
        (
            lambda d: d["calculations"]["S8_Fddd"].pop("formula"),
            "calculations.S8_Fddd: missing field formula",
        ),
        (
            lambda d: d["provenance"].__setitem__("test_model", "yes"),
            'provenance.test_model: input should be a valid boolean (found "yes")',
        ),
        (
            lambda d: d["phases"]["Na2S"]["stable"].__setitem__("300", 1),
            "phases.Na2S.stable.300: input should be a valid boolean (found 1)",
        ),
        (lambda d: d.pop("nasx_version"), "missing field nasx_version"),
    ],
)
def test_a_malformed_document_is_refused_naming_the_first_bad_field(change, problem):
    document = broken(change)
    with pytest.raises(NasxInputError) as error:
        ResultsDocument.from_json(document, "bad/results.json")
    assert str(error.value) == f"bad/results.json: {problem}"
    assert schema_errors(document)  # the shipped schema refuses it too


def test_not_an_object_is_refused():
    with pytest.raises(NasxInputError, match=r"^r.json: is a JSON list, not an object$"):
        ResultsDocument.from_json([], "r.json")


def test_a_study_with_left_out_phases_and_odd_temperatures_round_trips():
    fvib = {f: {"298.15": -0.01, "400": -0.02} for f in ["S", "Na2S5", "Na2S2", "Na2S", "Na"]}
    fvib["Na2S4"] = {"298.15": -0.01}  # left out at 400 K
    study = analyze(paper_entries(fvib), temperatures_K=[0, 298.15, 400], missing_ok=True)
    written = checked_text(results_json_text(results_document(study, Provenance("m"), None)))
    assert written["temperatures_K"] == [0, 298.15, 400]
    assert written["left_out"] == {"400": ["Na2S4_I-42d"]}
    assert written["phases"]["Na2S4"]["stable"]["400"] is None
    assert "400" not in written["phases"]["Na2S4"]["polymorph"]


def test_a_generic_system_round_trips_without_the_papers_grouping():
    entries = [
        ComputedEntry(formula, energy)
        for formula, energy in (("Li", 0.0), ("S", 0.0), ("Li2S4", -4.8), ("Li2S", -4.5))
    ]
    written = checked_text(
        results_json_text(results_document(analyze(entries), Provenance("m"), None))
    )
    assert "plateaus_in_paper_grouping" not in written["ocv"]
    assert "value" in written["conclusions"]["verdicts"]


def test_a_committee_document_round_trips():
    full = analyze(paper_entries())
    without = analyze([e for e in paper_entries() if e.composition.reduced_formula != "Na2S5"])
    studies = {"full": full, "no Na2S5": without}
    models = [
        ModelOutput(name, study, Provenance(name, True), f"models/{name}/results.json")
        for name, study in studies.items()
    ]
    claims, _ = conclusions_of(studies)
    text = results_json_text(document(committee_spread(studies), models, claims))
    written = checked_text(text)
    assert list(written) == [
        *["schema_version", "nasx_version", "system", "conclusions", "committee", "models"],
        "provenance",
    ]
    assert set(written["provenance"]) == {"full", "no Na2S5"}
    spread = written["committee"]["spread"]["0"]["phases"]["Na2S5"]["formation_energy_eV_per_atom"]
    assert spread["by_model"]["no Na2S5"] is None and spread["absent_under"] == ["no Na2S5"]
