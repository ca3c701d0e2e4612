"""The binary test set of the real-GPAW tests: every phase at most 2 atoms per cell.

Na–S, so that the study's own chemistry and phase logic run, in cells cheap enough for real
DFT in CI: bcc Na (the built-in reference; 1 atom primitive, 2 conventional), a simple-cubic
sulfur stand-in (1 atom; as in tests/small_set.py) and NaS in the CsCl structure (2 atoms; not
a real phase of Na–S). Na2S, the smallest real compound, has 3 atoms per primitive cell but 12
per conventional cell, which is what nasx's phonon supercells repeat: its two displacements
alone would cost more than this whole study. All three cells are cubic, so the relaxations move
only the volume, and the phonon supercells can stay at 2 atoms.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from nasx.structures import reference_set

PHASES = ("Na_Im-3m", "S_Pm-3m", "NaS_Pm-3m")
SUPERCELLS = {"Na_Im-3m": (1, 1, 1), "S_Pm-3m": (2, 1, 1), "NaS_Pm-3m": (1, 1, 1)}
"""2-atom phonon supercells: bcc Na's conventional cell, two sulfur cubes, NaS's own cell."""
CHEAP = {
    "ecut_eV": 250.0,
    "kpoint_length_A": 10.0,
    "metal_kpoint_length_A": 10.0,
    "smearing_width_eV": 0.2,
    "scf_energy_eV_per_electron": 1e-6,
    "scf_forces_eV_per_A": 1e-4,
}
"""Low cutoff and coarse k-points: numbers far from converged, computed in seconds."""


REQUIRE_GPAW_VARIABLE = "NASX_REQUIRE_GPAW"
"""Set to 1 where GPAW must be installed (.ci/run installs it): then its absence fails."""


def require_gpaw_or_skip() -> None:
    """Skip the calling test module where GPAW or its PAW setups are not installed, with the
    reason; under ``NASX_REQUIRE_GPAW=1`` fail its collection instead (a broken install)."""
    missing = [m for m in ("gpaw", "gpaw_data", "_gpaw") if importlib.util.find_spec(m) is None]
    if not missing:
        return
    if os.environ.get(REQUIRE_GPAW_VARIABLE) == "1":
        pytest.fail(
            f"{REQUIRE_GPAW_VARIABLE}=1 but {', '.join(missing)} cannot be imported: "
            "scripts/install_gpaw.sh did not install GPAW into this environment",
            pytrace=False,
        )
    pytest.skip(
        f"GPAW is an optional extra ({', '.join(missing)} missing): scripts/install_gpaw.sh",
        allow_module_level=True,
    )


def write_gpaw_set(directory: Path) -> Path:
    """CIFs of `PHASES` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(reference_set("Na-S").source) / "Na_Im-3m.cif", directory)
    Structure(Lattice.cubic(2.6), ["S"], [[0, 0, 0]]).to(filename=str(directory / "S_Pm-3m.cif"))
    Structure(Lattice.cubic(3.3), ["Na", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]]).to(
        filename=str(directory / "NaS_Pm-3m.cif")
    )
    return directory


def fake_mpiexec(directory: Path) -> Path:
    """An `mpiexec -n N ...` that logs its arguments and runs the rest on one rank."""
    script = directory / "mpiexec"
    script.write_text(
        '#!/bin/sh\nprintf "%s\\n" "$*" >> "$(dirname "$0")/mpiexec.log"\nshift 2\nexec "$@"\n'
    )
    script.chmod(0o755)
    return script
