"""What makes calculations one phase in a tree: their reduced formula and space group, and the
phase id made of them."""

from __future__ import annotations

from pymatgen.core import Composition, Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.chemistry import BinarySystem
from nasx.symmetry import INPUT_SYMPREC_A

PhaseKey = tuple[str, int]
"""Reduced formula and space-group number."""


def phase_key(structure: Structure) -> PhaseKey:
    """The reduced formula and space-group number (0.1 Å tolerance) of ``structure``."""
    number = SpacegroupAnalyzer(structure, symprec=INPUT_SYMPREC_A).get_space_group_number()
    return structure.composition.reduced_formula, number


def phase_id(structure: Structure, key: PhaseKey, system: BinarySystem | None) -> str:
    """``Na2S_Fm-3m``: the formula written as the system writes it, and the space group."""
    symbol = SpacegroupAnalyzer(structure, symprec=INPUT_SYMPREC_A).get_space_group_symbol()
    formula = system.formula(Composition(key[0])) if system else key[0]
    return f"{formula}_{symbol.replace('/', '')}"


def system_of(structures) -> BinarySystem | None:
    """The binary system of ``structures``, or None when they hold other than two elements."""
    elements = {str(el) for s in structures for el in s.composition.elements}
    if len(elements) != 2:
        return None
    return BinarySystem.from_elements(elements)
