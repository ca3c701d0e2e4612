"""Symmetrising structures without rotating them (so supercells stay commensurate)."""

from __future__ import annotations

import warnings

from ase.spacegroup.symmetrize import refine_symmetry
from pymatgen.core import Structure
from pymatgen.io.ase import AseAtomsAdaptor

INPUT_SYMPREC_A = 0.1
"""Tolerance for the space group of an input (CIF) structure: coordinates in the curated CIFs
are rounded by up to 0.05 Å (Na2S4), which a tight tolerance would read as lower symmetry."""

RELAXED_SYMPREC_A = 1e-3
"""Tolerance for a structure relaxed with its symmetry held."""


def symmetrized(structure: Structure, symprec: float) -> Structure:
    """Cell and positions refined to the space group found at ``symprec``; orientation kept."""
    atoms = AseAtomsAdaptor.get_atoms(structure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # spglib deprecation chatter
        refine_symmetry(atoms, symprec=symprec)
    return AseAtomsAdaptor.get_structure(atoms)


def symmetrized_primitive(structure: Structure, symprec: float) -> Structure:
    """The primitive cell of the symmetrised structure, in the same orientation."""
    return symmetrized(
        symmetrized(structure, symprec).get_primitive_structure(tolerance=0.01), symprec
    )
