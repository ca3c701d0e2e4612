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


@pytest.mark.parametrize(
    ("record", "change", "message"),
    [
        (RelaxResult, {"energy_eV": -1.3e6}, "energy of -1.3e\\+06 eV .* beyond ±1000 eV/atom"),
        (RelaxResult, {"max_force_eV_per_A": 1e300}, "force component of 1e\\+300 eV/Å"),
        (ForcesResult, {"energy_eV": 5e3}, "2.5e\\+03 eV/atom\\), beyond ±1000 eV/atom"),
        (ForcesResult, {"forces_eV_per_A": [[0, 0, -2e3], [0, 0, 0]]}, "beyond ±1000 eV/Å"),
    ],
)
def test_numbers_far_outside_any_physical_range_are_named(record, change, message):
    """A finite but absurd energy per atom or force (a corrupted file) is refused, as a NaN."""
    original = RELAX if record is RelaxResult else FORCES
    with pytest.raises(RecordError, match=message):
        record.from_dict({**original.as_dict(), **change})
