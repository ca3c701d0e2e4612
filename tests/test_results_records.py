"""Stored calculator records (relax/result.json, forces.json): a damaged one is a RecordError that
names the key and the problem, never a KeyError or a NaN that reaches a phase diagram."""

from __future__ import annotations

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from nasx.results import ForcesResult, RecordError, RelaxResult

RELAX = RelaxResult(Structure(Lattice.cubic(3.0), ["Na"], [[0, 0, 0]]), -1.3, 1e-4, 0.01, 3, True)
FORCES = ForcesResult(-2.0, np.zeros((2, 3)))


def test_good_records_round_trip():
    assert RelaxResult.from_dict(RELAX.as_dict()).summary() == RELAX.summary()
    assert ForcesResult.from_dict(FORCES.as_dict()).as_dict() == FORCES.as_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"energy_eV": float("nan")}, "'energy_eV' holds nan, not a finite number"),
        ({"energy_eV": "inf"}, "'energy_eV' holds 'inf', not a finite number"),
        ({"energy_eV": None}, "'energy_eV' is not readable (TypeError)"),
        ({"steps": "many"}, "'steps' is not readable (ValueError)"),
        ({"structure": {"sites": 3}}, "'structure' is not readable"),
        ({"max_force_eV_per_A": float("-inf")}, "'max_force_eV_per_A' holds -inf"),
    ],
)
def test_a_damaged_relaxation_names_its_key(change, message):
    with pytest.raises(RecordError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        RelaxResult.from_dict({**RELAX.as_dict(), **change})


@pytest.mark.parametrize("key", ["structure", "energy_eV", "steps", "converged"])
def test_a_missing_key_is_named(key):
    document = RELAX.as_dict()
    del document[key]
    with pytest.raises(RecordError, match=f"^has no '{key}'$"):
        RelaxResult.from_dict(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "is a JSON list, not an object"),
        ({"energy_eV": 1.0}, "has no 'forces_eV_per_A'"),
        ({"energy_eV": 1.0, "forces_eV_per_A": [1, 2, 3]}, r"has shape \(3,\), not \(atoms, 3\)"),
        ({"energy_eV": 1.0, "forces_eV_per_A": [[0, 0, "x"]]}, "is not readable"),
        ({"energy_eV": 1.0, "forces_eV_per_A": [[0, 0, float("nan")]]}, "not a finite number"),
        ({"forces_eV_per_A": [[0, 0, 0]]}, "has no 'energy_eV'"),
    ],
)
def test_damaged_forces_are_named(document, message):
    with pytest.raises(RecordError, match=message):
        ForcesResult.from_dict(document)
