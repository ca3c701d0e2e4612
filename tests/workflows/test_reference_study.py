"""A full stub study gives the results.json it gave before the architecture change.

The reference (tests/data/stub_study_results.json, see tests/data/README.md) pins every number
nasx reports for the stub: formation energies, hull distances, plateaus, F_vib, S, Cv, checks.
Numbers are compared to 1e-9 (relative, or absolute near zero): the same code on another machine's
BLAS and numpy build rounds differently in the last digits (seen: 111 fields off by ~1e-12).
Runs on one machine are compared byte for byte elsewhere (resume and worker tests).
"""

import json
import math
import re
from pathlib import Path

from tests.documents import checked_document

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "stub_study_results.json"
TOLERANCE = 1e-9


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
    if isinstance(expected, str) and isinstance(found, str):
        same = _same_text(expected, found)
    elif _numbers(expected, found):
        same = math.isclose(expected, found, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    else:
        same = expected == found
    return [] if same else [f"{path}: {expected!r} != {found!r}"]


def _numbers(*values: object) -> bool:
    return all(isinstance(v, float | int) and not isinstance(v, bool) for v in values)


NUMBER = re.compile(r"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")


def _same_text(expected: str, found: str) -> bool:
    """Equal text, with numbers printed in it equal to ``TOLERANCE`` (a residual force of
    3e-15 eV/Å is printed as the noise it is)."""
    words_e, words_f = NUMBER.split(expected), NUMBER.split(found)
    numbers_e, numbers_f = NUMBER.findall(expected), NUMBER.findall(found)
    return words_e == words_f and all(
        math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
        for a, b in zip(numbers_e, numbers_f, strict=True)
    )


def test_differences_names_each_changed_field():
    found = differences({"a": [1, {"b": 2}], "d": 1}, {"a": [1, {"b": 3}], "c": 0})
    assert sorted(found) == ["/a[1]/b: 2 != 3", "/c: unexpected", "/d: missing"]


def test_differences_allows_last_digit_rounding_only():
    assert differences({"x": -21.15771785884002}, {"x": -21.15771785883913}) == []
    assert differences({"x": 3.33e-15}, {"x": 2.73e-15}) == []
    assert differences({"x": 1.0}, {"x": 1.0 + 1e-6}) == ["/x: 1.0 != 1.000001"]
    assert differences({"m": "force 3.33e-15 eV/Å"}, {"m": "force 2.73e-15 eV/Å"}) == []
    assert differences({"m": "force 0.5 eV/Å"}, {"m": "force 0.6 eV/Å"}) != []


def key_order(document: object, path: str = "") -> list[str]:
    """The keys of every object in ``document``, in order, as 'path: key, key, ...'."""
    if isinstance(document, dict):
        out = [f"{path}: {', '.join(document)}"]
        for key, value in document.items():
            out += key_order(value, f"{path}/{key}")
        return out
    if isinstance(document, list):
        return [line for i, item in enumerate(document) for line in key_order(item, f"{path}[{i}]")]
    return []


def test_stub_study_equals_the_reference(stub_run):
    expected = json.loads(REFERENCE.read_text())
    found = checked_document(stub_run / "results.json")
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
    assert key_order(found) == key_order(expected)  # results.json diffs stay readable
