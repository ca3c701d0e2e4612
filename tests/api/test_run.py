"""`nasx.run`: computes a study through the workflow and returns its typed result; checks every
argument before any job; prints nothing unless asked."""

from __future__ import annotations

import json
import shutil

import pytest

import nasx
from nasx.analysis.result import Result


def test_run_returns_the_result_it_wrote(small_run):
    out, result = small_run
    assert isinstance(result, Result)
    assert result.directory == out
    assert result.to_json() == json.loads((out / "results.json").read_text())
    assert result.complete and result.jobs_launched == 21
    assert result.system.name == "Na-S" and result.temperatures_K == [0.0, 300.0, 400.0]


def test_a_rerun_prints_nothing_and_progress_goes_to_the_callback(
    small_run, small_cifs, tmp_path, capfd
):
    out = tmp_path / "run"
    shutil.copytree(small_run[0], out)
    lines: list[str] = []
    rerun = nasx.run(
        structures=small_cifs,
        calculator="stub",
        out=out,
        min_length_A=6.0,
        temperatures_K=[300],  # only the phonons and analysis jobs run again
        progress=lines.append,
    )
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    assert lines and lines[-1].startswith("[") and "jobs" in lines[-1]
    assert rerun.temperatures_K == [0.0, 300.0]
    before = small_run[1].plateaus(300)
    assert [p.reaction for p in rerun.plateaus(300)] == [p.reaction for p in before]
    assert [p.voltage_V for p in rerun.plateaus(300)] == pytest.approx(
        [p.voltage_V for p in before], abs=1e-12
    )  # the fit of the force constants differs from the first run's in the last digits


@pytest.mark.parametrize(
    ("arguments", "name", "fragment"),
    [
        ({"fmax_eV_per_A": -1}, "fmax_eV_per_A", "-1 eV/Å is not > 0"),
        ({"temperatures_K": [300, 6000]}, "temperatures_K", "6000 K is above 5000 K"),
        ({"temperatures_K": 300}, "temperatures_K", "expected a list"),
        ({"calculator": ["stub", "stub"]}, "calculator", "given more than once"),
        ({"calculator": "cp2k"}, "calculator", "invalid choice: 'cp2k'"),
        ({"supercell": {"Na_Im-3m": (0, 1, 1)}}, "supercell", "each from 1 to 20"),
        ({"supercell": {"nope": (1, 1, 1)}}, "supercell", "unknown phase id 'nope'"),
        ({"phases": ["Na2S"]}, "phases", "no elemental reference"),
        ({"bypass": ["Na"]}, "bypass", "it is an elemental reference"),
        ({"max_steps": 2.5}, "max_steps", "is not a whole number"),
        ({"imaginary_policy": "ignore"}, "imaginary_policy", "invalid choice"),
        ({"follow_instabilities": "yes"}, "follow_instabilities", "is not True or False"),
        ({"workers": 0}, "workers", "0 is not ≥ 1"),
        ({"fmax": 0.01}, "fmax", "not an option of a study"),
        ({"system": "Xx-S"}, "system", "no built-in structures"),
    ],
)
def test_a_bad_argument_is_refused_by_name_before_anything_is_written(
    tmp_path, arguments, name, fragment
):
    out = tmp_path / "run"
    arguments = {"calculator": "stub", **arguments}
    with pytest.raises(nasx.ArgumentError) as caught:
        nasx.run(out=out, **arguments)
    assert caught.value.argument == name
    assert fragment in caught.value.problem
    assert "\n" not in str(caught.value)
    assert not out.exists()
