"""The sample output in docs/laptop-study.md is what a fresh `nasx run` prints (the default
study, CHGNet): regenerate it with scripts/sample_output.py when the code changes it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nasx.cli import main

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sample_output.py"


def _script():
    spec = importlib.util.spec_from_file_location("sample_output", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documented_sample_is_a_whole_run_with_its_timing():
    sample = _script().documented().splitlines()
    assert sample[0] == "$ nasx run"
    assert sample[1].startswith("nasx run: 6 phases of Na-S with CHGNet")
    assert _script().TIMING.match(sample[-1])


@pytest.mark.slow
def test_the_documented_sample_is_what_a_fresh_default_run_prints(tmp_path):
    """And docs/reanalysis.md's claim on the same run: re-analysing it with its own options
    writes a byte-identical results.json."""
    script = _script()
    fresh = script.transcript(tmp_path, workers=1)
    assert script.comparable(fresh) == script.comparable(script.documented()), (
        "docs/laptop-study.md's sample output differs from a fresh run: "
        "run scripts/sample_output.py"
    )
    run = tmp_path / "nasx-run"
    assert main(["analyze", str(run), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "results.json").read_bytes() == (run / "results.json").read_bytes()
