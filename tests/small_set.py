"""A cheap Na–S set for tests that run every job through processes (fake VASP, workers, queues).

Na, Na2S and β-Na2S2 are the built-in structures; the sulfur reference is a one-atom simple
cubic stand-in (1 displacement instead of S8's 24, which at ~3 s of process start-up per fake
VASP call would be most of a test's time). The stub and the fake VASP give it the paper's
formation energies like every other phase, so the study is complete and its numbers known.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pymatgen.core import Lattice, Structure

from nasx.structures import reference_set

BUILT_IN = ("Na_Im-3m", "Na2S_Fm-3m", "Na2S2_P6_3mmc")
SULFUR = "S_Pm-3m"
PHASES = (BUILT_IN[0], SULFUR, *BUILT_IN[1:])
MIN_LENGTH = ["--min-length", "6"]  # small supercells: the stub's force constants are on-site only


def write_small_set(directory: Path, phases: tuple[str, ...] = PHASES) -> Path:
    """CIFs of ``phases`` (a subset of PHASES with both elemental references) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    source = Path(reference_set("Na-S").source)
    for phase_id in phases:
        if phase_id == SULFUR:
            Structure(Lattice.cubic(2.6), ["S"], [[0, 0, 0]]).to(
                filename=str(directory / f"{SULFUR}.cif")
            )
        else:
            shutil.copy(source / f"{phase_id}.cif", directory)
    return directory
