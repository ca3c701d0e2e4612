"""A phonon supercell that will take long is announced before the first job, never refused."""

from __future__ import annotations

import re

from nasx.settings import PhononSettings, RunSettings
from nasx.structures import reference_set
from nasx.study import Study, StudyOptions


def _settings(**phonons) -> RunSettings:
    return RunSettings(phonons=PhononSettings(**phonons))


def size_warnings(phase_set, settings) -> list[str]:
    lines = Study(StudyOptions(), phase_set, settings).size_warnings(
        ("--supercell", "--min-length")
    )
    return [f"nasx: warning: {line}" for line in lines]


def test_default_supercells_of_the_built_in_set_are_not_announced():
    assert size_warnings(reference_set("Na-S"), _settings()) == []


def test_a_large_supercell_names_its_size_and_displacement_count():
    phase_set = reference_set("Na-S")
    lines = size_warnings(phase_set, _settings(supercells={"Na2S_Fm-3m": (8, 8, 8)}))
    assert len(lines) == 1
    # rock-salt Na2S: 12 atoms in the conventional cell, 2 symmetry-distinct atoms
    assert re.fullmatch(
        r"nasx: warning: Na2S_Fm-3m: its phonon supercell 8x8x8 of 12 atoms holds 6144 atoms, "
        r"and 2–12 displacements \(2 symmetry-distinct atoms\) each need a calculation of all of "
        r"them; set --supercell or --min-length to change it",
        lines[0],
    ), lines[0]
