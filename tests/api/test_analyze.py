"""`nasx.analyze`: any source analysed without recomputing; with ``out`` its files are written,
without it nothing is; a bad request is refused by argument name."""

from __future__ import annotations

import json

import pytest

import nasx


def test_a_run_directory_analysed_into_out_gives_the_runs_numbers(small_run, tmp_path):
    out, result = small_run
    analysed = nasx.analyze(out, out=tmp_path / "again")
    assert analysed.directory == tmp_path / "again"
    assert analysed.to_json() == json.loads((tmp_path / "again" / "results.json").read_text())
    for t in result.temperatures_K:
        assert analysed.to_json()["phases"].keys() == result.to_json()["phases"].keys()
        assert [p.voltage_V for p in analysed.plateaus(t)] == pytest.approx(
            [p.voltage_V for p in result.plateaus(t)], abs=1e-9
        )


def test_entries_json_in_memory(paper_entries_json):
    result = nasx.analyze(paper_entries_json, temperatures_K=[0])
    assert result.directory is None and result.temperatures_K == [0.0]
    assert len(result.plateaus(0, path="thermodynamic")) == 4
    assert len(result.entries(0)) == 6


@pytest.mark.parametrize(
    ("sources", "arguments", "name"),
    [
        ((), {}, "sources"),
        (("{run}",), {"launchpad": "{run}/launchpad.json"}, "launchpad"),
        (("{run}",), {"workflow_id": 3}, "workflow_id"),
        (("{entries}",), {"phases": ["Na2S"]}, "phases"),
        (("{run}",), {"temperatures_K": [-1]}, "temperatures_K"),
        (("{run}",), {"system": "Na"}, "system"),
        (("{run}", "{run}"), {}, "out"),
    ],
)
def test_bad_requests_name_the_argument(small_run, paper_entries_json, sources, arguments, name):
    places = {"run": str(small_run[0]), "entries": str(paper_entries_json)}
    sources = [s.format(**places) for s in sources]
    arguments = {k: v.format(**places) if isinstance(v, str) else v for k, v in arguments.items()}
    with pytest.raises(nasx.ArgumentError) as caught:
        nasx.analyze(*sources, **arguments)
    assert caught.value.argument == name
