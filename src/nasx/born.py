"""Born effective charges and the dielectric tensor: phonopy's non-analytic correction (NAC).

In a polar crystal (here: any compound; the ionic Na–S phases) the long-range dipole field of
a longitudinal optical mode raises its frequency near Γ above the transverse one (LO–TO
splitting). Force constants from finite displacements in a periodic supercell miss it; phonopy
adds it from the Born charges Z* and the high-frequency dielectric tensor ε∞ (the
``nac_params`` of a Phonopy object). The machine-learned models give neither; VASP gives both
from a DFPT job (LEPSILON, ``--born-charges``), which phonopy's vasprun.xml reader takes.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from phonopy import Phonopy

NAC_SYMPREC = 1e-5
"""phonopy's tolerance when it symmetrises the charges on the (already symmetrised) cell."""
LEFT_OUT = (
    "the LO–TO splitting at Γ: longitudinal optical branches too low near Γ in the band "
    "structure; F_vib barely changes (a small region of the Brillouin zone)"
)
"""What a polar phase's phonons lack without NAC (report and Problem lines)."""


def is_polar(elements: Iterable[object]) -> bool:
    """Whether a crystal of these elements (symbols or pymatgen Elements, repeats allowed) has
    LO–TO splitting to correct: a compound. Elemental phases are left out: a metal screens the
    field, and the charges of a one-element molecular crystal (α-S8) are small."""
    return len({str(e) for e in elements}) > 1


@dataclass(frozen=True)
class BornCharges:
    """A LEPSILON job's result: Born charges (e, one 3×3 tensor per atom), the high-frequency
    dielectric tensor, and the cell they belong to (lattice rows in Å, symbols, fractional
    positions)."""

    charges: np.ndarray
    epsilon: np.ndarray
    lattice_A: np.ndarray
    symbols: list[str]
    positions: np.ndarray

    def to_document(self) -> dict:
        return {
            "charges": self.charges.tolist(),
            "epsilon": self.epsilon.tolist(),
            "lattice_A": self.lattice_A.tolist(),
            "symbols": list(self.symbols),
            "positions": self.positions.tolist(),
        }

    @classmethod
    def from_document(cls, d: dict) -> BornCharges:
        """ValueError (or KeyError, TypeError) for a document that is not one."""
        found = cls(
            np.asarray(d["charges"], dtype=float),
            np.asarray(d["epsilon"], dtype=float),
            np.asarray(d["lattice_A"], dtype=float),
            [str(s) for s in d["symbols"]],
            np.asarray(d["positions"], dtype=float),
        )
        found.check()
        return found

    def check(self) -> None:
        n = len(self.symbols)
        shapes = (self.charges.shape, self.epsilon.shape, self.lattice_A.shape)
        if shapes != ((n, 3, 3), (3, 3), (3, 3)) or self.positions.shape != (n, 3) or n == 0:
            raise ValueError("no Born charges and dielectric tensor (not a finished LEPSILON job)")
        arrays = (self.charges, self.epsilon, self.lattice_A, self.positions)
        if not all(np.all(np.isfinite(a)) for a in arrays):
            raise ValueError("Born charges or dielectric tensor not finite")


def read_born_charges(vasprun: Path) -> BornCharges:
    """A LEPSILON job's vasprun.xml (or .gz), read with phonopy's reader; ValueError when it
    holds no usable charges."""
    from phonopy.interface.vasp import VasprunxmlExpat

    opener = gzip.open if Path(vasprun).suffix == ".gz" else open
    with opener(vasprun, "rb") as handle:
        parsed = VasprunxmlExpat(handle)
        try:
            parsed.parse()
        except Exception as exc:  # expat and phonopy's own errors on a broken file
            raise ValueError(f"unreadable ({type(exc).__name__})") from None
    cell = parsed.cell
    if cell is None:
        raise ValueError("no Born charges and dielectric tensor (not a finished LEPSILON job)")
    found = BornCharges(
        np.asarray(parsed.born, dtype=float),
        np.asarray(parsed.epsilon, dtype=float),
        np.asarray(cell.cell, dtype=float),
        list(cell.symbols),
        np.asarray(cell.scaled_positions, dtype=float),
    )
    found.check()
    return found


def nac_params(born: BornCharges, ph: Phonopy) -> dict:
    """phonopy's NAC parameters for ``ph`` from ``born`` computed on ``ph``'s unit cell: the
    charges and tensor symmetrised by phonopy on that cell and taken for the atoms of ``ph``'s
    primitive cell. ValueError for charges of another cell."""
    from phonopy.interface.calculator import get_calculator_physical_units
    from phonopy.structure.atoms import PhonopyAtoms
    from phonopy.structure.symmetry import symmetrize_borns_and_epsilon

    unit = ph.unitcell
    same = len(born.symbols) == len(unit) and list(born.symbols) == list(unit.symbols)
    if not same or not np.allclose(born.lattice_A, unit.cell, atol=1e-4):
        raise ValueError("computed on another cell than the phonon unit cell")
    cell = PhonopyAtoms(symbols=born.symbols, cell=born.lattice_A, scaled_positions=born.positions)
    charges, epsilon = symmetrize_borns_and_epsilon(
        born.charges, born.epsilon, cell, primitive=ph.primitive, symprec=NAC_SYMPREC
    )
    factor = get_calculator_physical_units("vasp").nac_factor  # eV/Å units: VASP's
    return {"born": charges, "dielectric": epsilon, "factor": factor}


def read_nac_params(vasprun: Path, ph: Phonopy) -> dict:
    """NAC parameters for ``ph`` from a LEPSILON job's vasprun.xml on its unit cell."""
    return nac_params(read_born_charges(vasprun), ph)
