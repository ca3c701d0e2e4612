"""A full stub study gives the results.json it gave before the architecture change.

The reference (tests/data/stub_study_results.json, see tests/data/README.md) pins every number
nasx reports for the stub: formation energies, hull distances, plateaus, F_vib, S, Cv, checks.
"""

import json
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "stub_study_results.json"


def differences(expected: object, found: object, path: str = "") -> list[str]:
    """Every field where ``found`` differs from ``expected``, as 'path: expected != found'."""
    if isinstance(expected, dict) and isinstance(found, dict):
        out = [f"{path}/{k}: missing" for k in expected if k not in found]
        out += [f"{path}/{k}: unexpected" for k in found if k not in expected]
        for key in expected.keys() & found.keys():
            out += differences(expected[key], found[key], f"{path}/{key}")
        return out
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        return [
            d
            for i, (e, f) in enumerate(zip(expected, found, strict=True))
            for d in differences(e, f, f"{path}[{i}]")
        ]
    return [] if expected == found else [f"{path}: {expected!r} != {found!r}"]


def test_differences_names_each_changed_field():
    found = differences({"a": [1, {"b": 2}], "d": 1}, {"a": [1, {"b": 3}], "c": 0})
    assert sorted(found) == ["/a[1]/b: 2 != 3", "/c: unexpected", "/d: missing"]


def test_stub_study_equals_the_reference(stub_run):
    expected = json.loads(REFERENCE.read_text())
    found = json.loads((stub_run / "results.json").read_text())
    found.pop("nasx_version")
    expected.pop("nasx_version")
    provenance = found.pop("provenance")  # package versions: this machine's, not results
    assert provenance["test_model"] is True
    assert set(provenance["versions"]["calculations"]) == {
        "nasx",
        "pymatgen",
        "phonopy",
        "fireworks",
        "ase",
    }
    assert differences(expected, found) == []
