"""`nasx analyze` of a tree that holds only GPAW's text logs (tests/fixtures/gpaw_logs: real
GPAW 26.7.0 logs of the tiny GPAW set, made by its make_logs.py): each converged log is a
calculation, and a log whose last SCF did not converge is a Problem, never an energy. GPAW's
log format is read by GPAW's own reader, so these tests need GPAW (skipped without it, failed
under NASX_REQUIRE_GPAW=1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import nasx
from nasx.analysis.readers.gpaw_log import read_gpaw_log
from nasx.errors import NasxInputError
from tests.gpaw_set import require_gpaw_or_skip

require_gpaw_or_skip()

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "gpaw_logs"
ENERGIES = json.loads((LOGS / "energies.json").read_text())
"""The energy GPAW returned for each log's relaxed cell (eV per cell), by log path."""
LOG_PRECISION_EV = 1e-6  # GPAW writes energies with 6 decimals


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(LOGS / "tree", tree)
    return tree


def _energy_per_atom(name: str) -> float:
    run = read_gpaw_log(LOGS / "tree" / name)
    return ENERGIES[name]["energy_eV"] / len(run.structure)


def test_a_tree_of_gpaw_logs_gives_the_energies_gpaw_returned(tmp_path):
    tree = _tree(tmp_path)
    disp = tree / "NaS" / "phonons" / "disp-001"
    disp.mkdir(parents=True)
    shutil.copy(LOGS / "tree" / "NaS" / "out.txt", disp / "gpaw.txt")  # a phonon input
    interrupted = LOGS / "not_converged" / "NaS" / "gpaw.txt"  # nasx's name for a killed attempt's
    shutil.copy(interrupted, tree / "S" / "gpaw-interrupted-1.txt")  # log, beside the next's
    results = nasx.analyze(tree).to_json()
    assert results["problems"] == []
    calculations = results["calculations"]
    assert sorted(calculations) == ["Na2S2_Pm-3m", "Na_Im-3m", "S_Pm-3m"]
    for name, expected in ENERGIES.items():
        (phase,) = [c for c in calculations.values() if c["sources"]["energy"] == name]
        assert phase["relaxation"]["energy_eV"] == pytest.approx(
            expected["energy_eV"], abs=LOG_PRECISION_EV
        )
        assert phase["relaxation"]["converged"] and phase["relaxation"]["steps"] >= 2
        assert phase["dft"] == {
            "functional": "r2SCAN",
            "encut_eV": 250.0,
            "potcar_family": "GPAW setups",
            "potcars": phase["dft"]["potcars"],
        }
        assert phase["flags"][0].startswith("low ENCUT: 250 eV")  # the tiny set's low cutoff
    expected = (
        _energy_per_atom("NaS/out.txt")
        - (_energy_per_atom("bcc-Na/relax.txt") + _energy_per_atom("S/gpaw.txt")) / 2
    )
    formation = results["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["0"]
    assert formation == pytest.approx(expected, abs=2 * LOG_PRECISION_EV)
    ignored = {i["path"]: i["reason"] for i in results["ignored"]}
    assert sorted(ignored) == ["NaS/phonons/disp-001", "S/gpaw-interrupted-1.txt"]
    assert ignored["S/gpaw-interrupted-1.txt"].startswith("the GPAW log of an interrupted attempt")


def test_a_non_converged_scf_is_a_problem_and_its_phase_has_no_energy(tmp_path):
    """GPAW stopped at its iteration limit (the fixture) or killed in the middle of its last SCF
    (a converged log cut there): the phase's other, converged log is not used either."""
    tree = _tree(tmp_path)
    shutil.copytree(LOGS / "not_converged" / "NaS", tree / "NaS-stopped")
    text = (LOGS / "tree" / "S" / "gpaw.txt").read_text()
    killed = tree / "S-killed" / "gpaw.txt"
    killed.parent.mkdir()
    killed.write_text(text[: text.rfind("|iter:   5|")])
    results = nasx.analyze(tree).to_json()
    problems = {p["path"]: p for p in results["problems"]}
    assert set(problems) == {"NaS-stopped/gpaw.txt", "S-killed/gpaw.txt"}
    stopped, cut = problems["NaS-stopped/gpaw.txt"], problems["S-killed/gpaw.txt"]
    assert stopped["reason"].startswith("GPAW's last SCF did not converge (stopped after 2 iter")
    assert cut["reason"].startswith("GPAW's last SCF did not converge (stopped after 4 iter")
    assert (stopped["phase"], cut["phase"]) == ("Na2S2_Pm-3m", "S_Pm-3m")
    assert stopped["missing"] == cut["missing"] == "energy: the phase is left out"
    assert "Na2S2" not in results.get("phases", {})  # no energy: no formation energy


def test_logs_that_cannot_be_read_are_problems_naming_them(tmp_path, monkeypatch):
    banner = (LOGS / "tree" / "S" / "gpaw.txt").read_text()[:200]
    broken = tmp_path / "banner-only.txt"
    broken.write_text(banner)
    with pytest.raises(NasxInputError, match="holds no SCF iterations"):
        read_gpaw_log(broken)
    from ase.io.formats import ioformats

    monkeypatch.delitem(ioformats, "gpaw-log")  # as where GPAW is not installed
    with pytest.raises(NasxInputError, match=r"needs GPAW's log reader: install the gpaw extra"):
        read_gpaw_log(LOGS / "tree" / "S" / "gpaw.txt")
