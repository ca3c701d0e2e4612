"""nasx's custodian set gives, on every real failed run, the verdict of custodian's own handlers."""

import gzip
import shutil
from pathlib import Path

import pytest
from custodian.vasp import handlers as ch
from custodian.vasp import validators as cv

from nasx.workflows.calculators.vasp import custodian_handlers, custodian_validators

ERRORS = Path(__file__).resolve().parents[1] / "fixtures" / "vasp_errors"
EXPECTED = {  # what each real output is known to show
    "large_sigma": "LargeSigmaHandler",
    # 4 ionic steps, each at NELM = 10: fewer than NonConvergingErrorHandler's default window of
    # 10 ionic steps, so neither custodian alone nor nasx flags it; a window of 3 does
    "nonconverging": None,
    "positive_energy": "PositiveEnergyErrorHandler",
    "subspacematrix": "VaspErrorHandler",
    "truncated_vasprun": "VasprunXMLValidator",
    "unconverged_electronic": "UnconvergedErrorHandler",
    "unconverged_ionic": "UnconvergedErrorHandler",
    "unconverged_scan": "UnconvergedErrorHandler",
    "zbrent": "VaspErrorHandler",
}


def diagnose(directory: Path) -> list[str]:
    """Which of nasx's handlers and validators find a problem in a finished VASP directory."""
    found = []
    for check in [*custodian_handlers(), *custodian_validators()]:
        try:
            flagged = check.check(directory=str(directory))
        except Exception as exc:  # a handler that cannot read its files says so, it does not pass
            flagged = True
            found.append(f"{type(check).__name__} (could not check: {type(exc).__name__})")
            continue
        if flagged:
            found.append(type(check).__name__)
    return found


def unpacked(name: str, tmp_path: Path) -> Path:
    directory = tmp_path / name
    shutil.copytree(ERRORS / name, directory)
    for packed in directory.glob("*.gz"):
        with gzip.open(packed, "rb") as src, open(packed.with_suffix(""), "wb") as dst:
            shutil.copyfileobj(src, dst)
        packed.unlink()
    return directory


def custodian_alone(directory: Path) -> set[str]:
    """Each of custodian's classes, freshly made with its defaults, checked on its own."""
    classes = [type(h) for h in custodian_handlers()] + [type(v) for v in custodian_validators()]
    verdict = set()
    for cls in classes:
        try:
            if cls().check(directory=str(directory)):
                verdict.add(cls.__name__)
        except Exception:
            verdict.add(cls.__name__)
    return verdict


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_same_verdict_as_custodian_alone(name, tmp_path):
    directory = unpacked(name, tmp_path)
    ours = {entry.split(" ")[0] for entry in diagnose(directory)}
    assert ours == custodian_alone(directory)
    if EXPECTED[name]:
        assert EXPECTED[name] in ours
    else:
        assert "NonConvergingErrorHandler" not in ours
        assert ch.NonConvergingErrorHandler(nionic_steps=3).check(directory=str(directory))


def test_the_handler_set_covers_custodians_main_vasp_handlers():
    names = {type(h).__name__ for h in custodian_handlers()}
    assert {
        ch.VaspErrorHandler.__name__,
        ch.UnconvergedErrorHandler.__name__,
        ch.NonConvergingErrorHandler.__name__,
        ch.PositiveEnergyErrorHandler.__name__,
        ch.LargeSigmaHandler.__name__,
    } <= names
    assert {type(v).__name__ for v in custodian_validators()} == {
        cv.VasprunXMLValidator.__name__,
        cv.VaspFilesValidator.__name__,
    }
