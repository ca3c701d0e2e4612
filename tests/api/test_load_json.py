"""`nasx.load_json`: the results.json document as a typed result, exactly as written."""

from __future__ import annotations

import json

import pytest

import nasx
from nasx.analysis.document import ResultsDocument
from nasx.analysis.result import CommitteeResult


def test_round_trip_is_exact(small_run):
    out, _ = small_run
    text = (out / "results.json").read_text()
    result = nasx.load_json(out / "results.json")
    assert isinstance(result.document, ResultsDocument)
    assert json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n" == text
    assert nasx.load_json(out).to_json() == result.to_json()  # the directory holding it


def test_a_committee_gives_each_model_and_the_spread(stub_committee):
    result = nasx.load_json(stub_committee)
    assert isinstance(result, CommitteeResult)
    assert list(result.models) == ["stub", "stub-stiff"]
    assert result.spread.models == ["stub", "stub-stiff"]
    stiff = result.models["stub-stiff"]
    assert stiff.to_json()["calculator"]["name"] == "stub-stiff"
    assert stiff.phase_diagram(300).get_form_energy_per_atom  # entries kept beside it


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "no such file"),
        ("{", "is not JSON (line 1"),
        ("[1]", "is a JSON list, not an object"),
        ('{"schema_version": 99}', "schema_version 99 is not supported"),
        ('{"nasx_version": "0.1.0", "provenance": {}, "complete": "yes"}', "complete"),
    ],
)
def test_unreadable_documents_are_one_line(tmp_path, text, fragment):
    path = tmp_path / "results.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(nasx.NasxInputError) as caught:
        nasx.load_json(path)
    assert fragment in str(caught.value) and str(path) in str(caught.value)
