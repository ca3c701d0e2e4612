"""DFT-D4 with r2SCAN's damping parameters, added to a machine-learned r2SCAN model.

The ``dftd4`` library (LGPL-3.0-or-later; optional extra ``pip install "nasx[d4]"``) through its
ASE calculator, summed with the model's (ASE's `SumCalculator`). Its three-body
(Axilrod–Teller–Muto) term is kept but summed within `ATM_CUTOFF_BOHR` instead of the library's
40 bohr: measured by ``benchmarks/dispersion_cost.py`` on α-S8 (one core, CPU time), that makes
a call 8× cheaper (0.60 s instead of 5.1 s for 128 atoms, against 0.28 s for CHGNet itself) and
changes the energy by 0.37 meV/atom, forces by 0.11 meV/Å and the stress by 6.5 MPa. Leaving the
three-body term out, or D3(BJ) instead (simple-dftd3), would change the energy by 7–11 meV/atom
and the stress by 90–120 MPa on α-S8, and D3 overbinds Na2S by 81 meV/atom; tad-dftd4 (torch)
pins numpy < 2. The two-body term and the coordination numbers keep the library's cutoffs.

VASP takes the same correction in its INCAR (`VASP_TAGS`): IVDW = 13 with r2SCAN's D4
parameters written out, the same as the library's (``tests/workflows/test_dispersion.py``), at
the cutoffs of the DFT-D4 library VASP is linked to.
"""

from __future__ import annotations

import importlib.util
from functools import cache

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from ase.calculators.mixing import SumCalculator
from ase.units import Bohr
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.errors import NasxInputError

EXTRA_INSTALL = 'pip install "nasx[d4]"'
PACKAGES = ("dftd4",)
"""Distributions whose versions fix the dispersion's numbers (recorded in run.json)."""
METHOD = "r2scan"
ATM_CUTOFF_BOHR = 25.0
"""Real-space cutoff of the three-body term (the library's default: 40 bohr)."""
EDGE_WIDTH_BOHR = 2.0
"""Width of the smooth edge of the two- and three-body cutoffs. With the library's default hard
edges, pairs and triples crossing a cutoff make the energy jump as the cell is strained: its
analytic stress then differs from the energy's strain derivative by 1.2 MPa on β-Na2S2; with a
smooth edge by < 0.01 MPa (tests/workflows/test_dispersion.py). A narrow edge (the library's
suggested 0.05 bohr) makes steep switching forces instead: on α-S8 they differ from full D4 by
0.8 meV/Å, against 0.11 meV/Å with this width, at the same cost."""
R2SCAN_D4 = {"s6": 1.0, "s8": 0.6018749, "a1": 0.51559235, "a2": 5.77342911, "s9": 1.0}
"""DFT-D4's rational-damping parameters for r2SCAN, as the library holds them (checked by the
tests): what VASP is given, since it need not know them for METAGGA = R2SCAN."""
VASP_TAGS = {
    "IVDW": 13,
    "VDW_S6": R2SCAN_D4["s6"],
    "VDW_S8": R2SCAN_D4["s8"],
    "VDW_A1": R2SCAN_D4["a1"],
    "VDW_A2": R2SCAN_D4["a2"],
}


def require_dftd4() -> None:
    """Refuse, in one line naming the pip command, when the optional package is missing."""
    if importlib.util.find_spec("dftd4") is None:
        raise NasxInputError(
            "--dispersion d4",
            f"needs the optional package dftd4, which is not installed: {EXTRA_INSTALL}",
        )


def ase_calculator(dispersion: str) -> AseCalculator:
    """A fresh ASE calculator of ``dispersion`` (``"d4"``)."""
    from dftd4.ase import DFTD4

    if dispersion != "d4":
        raise ValueError(f"unknown dispersion {dispersion!r}")
    cutoffs = {"disp3": ATM_CUTOFF_BOHR, "width2": EDGE_WIDTH_BOHR, "width3": EDGE_WIDTH_BOHR}
    return DFTD4(method=METHOD, realspace_cutoff={k: v * Bohr for k, v in cutoffs.items()})


def summed(model: AseCalculator, dispersion: str | None) -> AseCalculator:
    """``model`` plus ``dispersion`` (None: ``model`` itself)."""
    if dispersion is None:
        return model
    return SumCalculator([model, ase_calculator(dispersion)])


def energy_and_forces(structure: Structure, dispersion: str) -> tuple[float, np.ndarray]:
    """The dispersion energy (eV) and forces (eV/Å) of ``structure`` alone."""
    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.calc = ase_calculator(dispersion)
    return float(atoms.get_potential_energy()), np.array(atoms.get_forces())


@cache
def _version() -> str:
    from importlib.metadata import version

    return version("dftd4")


def describe(dispersion: str) -> str:
    """The correction in a few words, for the model's description."""
    return (
        f"DFT-D4 with r2SCAN's parameters (dftd4 {_version()}, three-body term within "
        f"{ATM_CUTOFF_BOHR:g} bohr, smooth cutoffs)"
    )


def described(description: str, dispersion: str | None, details: str | None = None) -> str:
    """A model's one-line ``description`` with ``dispersion`` named before its first
    parenthesis (figure titles keep that part) and ``details`` (default `describe`) at the end."""
    if dispersion is None:
        return description
    head, paren, rest = description.partition(" (")
    return f"{head} + DFT-D4{paren}{rest}; {details or describe(dispersion)}"
