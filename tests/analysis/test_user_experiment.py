"""A user's own measured values: an experiment.toml beside the user's structures is what a run
and its re-analysis compare with (the built-in table is for the built-in set)."""

from __future__ import annotations

import json

import pytest

import nasx
from nasx.structures.experiment import EXPERIMENT_FILE
from tests.small_set import MIN_LENGTH, write_small_set

MEASURED = """
[[phase]]
formula = "Na"
space_group = 229
standard_state = true

[phase.entropy_298]
value = 40.0
source = "a value made up for this test"
confidence = "high"
verified = true
"""


def test_a_users_experiment_toml_is_what_the_run_and_its_reanalysis_compare_with(tmp_path):
    structures = write_small_set(tmp_path / "structures")
    (structures / EXPERIMENT_FILE).write_text(MEASURED)
    length = float(MIN_LENGTH[1])
    out = tmp_path / "run"
    nasx.run(out=out, calculator="stub", structures=structures, min_length_A=length)
    results = json.loads((out / "results.json").read_text())
    section = results["experiment"]
    assert section["measured_values"] == str(structures / EXPERIMENT_FILE)
    [na] = [p for pid, p in section["phases"].items() if pid.startswith("Na_")]
    assert na["entropy_J_per_mol_K_per_atom"]["measured"] == 40.0

    (structures / EXPERIMENT_FILE).write_text("[[phase]]\nformula = 3\n")  # broken since
    again = nasx.analyze(out)
    assert any(p.path == str(structures / EXPERIMENT_FILE) for p in again.problems)
    assert again.document.experiment.measured_values == "none"  # nothing compared, Γ modes kept
    assert all(
        p.entropy_J_per_mol_K_per_atom is None or p.entropy_J_per_mol_K_per_atom.measured is None
        for p in again.document.experiment.phases.values()
    )


def test_a_broken_experiment_toml_is_refused_before_any_job(tmp_path):
    structures = write_small_set(tmp_path / "structures")
    (structures / EXPERIMENT_FILE).write_text("[[phase]]\nformula = 3\n")
    with pytest.raises(nasx.NasxInputError, match="is not a chemical formula") as caught:
        nasx.run(out=tmp_path / "run", calculator="stub", structures=structures)
    assert str(caught.value.source) == str(structures / EXPERIMENT_FILE)
    assert not (tmp_path / "run").exists()
