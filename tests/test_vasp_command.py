"""The VASP command of a local run: found on PATH, or beside this Python when the environment
is not activated (`.venv/bin/nasx run --calculator vasp --vasp-cmd nasx-fake-vasp`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nasx.arguments import ArgumentError
from nasx.study import StudyOptions


def vasp_cmd_of(command: str) -> str:
    options = StudyOptions.from_arguments(
        calculator="vasp", vasp_cmd=command, phases=["Na", "S", "Na2S"]
    )
    [calculator] = options.resolve().calculators()
    return calculator.vasp_cmd


def test_the_fake_vasp_is_found_in_an_environment_that_is_not_activated(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    beside = Path(sys.executable).parent / "nasx-fake-vasp"
    assert vasp_cmd_of("nasx-fake-vasp --seed 3") == f"{beside} --seed 3"


def test_a_command_on_path_is_kept_as_given(tmp_path, monkeypatch):
    program = tmp_path / "vasp_std"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert vasp_cmd_of("vasp_std") == "vasp_std"


def test_a_program_found_nowhere_is_refused(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ArgumentError, match="'no-such-vasp' is not on PATH"):
        vasp_cmd_of("no-such-vasp")
