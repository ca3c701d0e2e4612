"""Checks on a structure file before it enters a workflow. Each failure names the file."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from ase.data import covalent_radii
from pymatgen.core import Element, Structure

from nasx.errors import NasxInputError

MIN_DISTANCE_FRACTION = 0.5
"""Two atoms closer than this fraction of the sum of their covalent radii are overlapping.

Real bonds are rarely shorter than 0.8 of that sum; a CIF read with the wrong origin choice
(α-S8 in origin 1 gives S–S 0.63 Å against 2.10 Å) or with a duplicated site falls far below.
"""


def read_structure(path: Path) -> Structure:
    """Read one crystal structure file (CIF, POSCAR, …) or raise `NasxInputError` naming it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pymatgen's CIF chatter; real problems raise below
            structure = Structure.from_file(path)
    except Exception as exc:  # pymatgen raises many types for unreadable files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NasxInputError(path, f"cannot read a crystal structure ({reason})") from None
    if not structure.is_ordered:
        raise NasxInputError(path, "has partially occupied sites; nasx needs an ordered structure")
    if len(structure) == 0:
        raise NasxInputError(path, "contains no atoms")
    return structure


def check_no_overlap(structure: Structure, source: Path | str) -> None:
    """Raise when two atoms (periodic images included) overlap; see `MIN_DISTANCE_FRACTION`."""
    radii = np.array([covalent_radii[Element(str(sp)).Z] for sp in structure.species])
    cutoff = 2.0 * radii.max()
    centers, neighbors, _, distances = structure.get_neighbor_list(cutoff)
    if len(distances) == 0:
        return
    bound = MIN_DISTANCE_FRACTION * (radii[centers] + radii[neighbors])
    ratio = distances / bound
    worst = int(np.argmin(ratio))
    if ratio[worst] < 1.0:
        i, j = int(centers[worst]), int(neighbors[worst])
        raise NasxInputError(
            source,
            f"atoms overlap: {structure[i].specie}{i + 1}–{structure[j].specie}{j + 1} are "
            f"{distances[worst]:.2f} Å apart (bound {bound[worst]:.2f} Å = "
            f"{MIN_DISTANCE_FRACTION} × sum of covalent radii); check the CIF's origin choice "
            "and duplicated sites",
        )
