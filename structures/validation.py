"""Checks on a structure file before it enters a workflow. Each failure names the file.

A structure leaves `read_structure` with a finite, right-handed, non-degenerate cell, so
nothing downstream (the overlap check's neighbour search, spglib, phonopy, VASP) meets a cell
it would crash, hang or run out of memory on.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
from ase.data import covalent_radii
from pymatgen.core import Element, Structure
from pymatgen.io.cif import CifBlock, CifFile, CifParser, str2float

from nasx.errors import NasxInputError
from nasx.structures.folder import MAX_STRUCTURE_BYTES, read_bounded

T = TypeVar("T")

MIN_DISTANCE_FRACTION = 0.5
"""Two atoms closer than this fraction of the sum of their covalent radii are overlapping.

Real bonds are rarely shorter than 0.8 of that sum; a CIF read with the wrong origin choice
(α-S8 in origin 1 gives S–S 0.63 Å against 2.10 Å) or with a duplicated site falls far below.
"""
MIN_PLANE_SPACING_A = 0.5
"""The smallest spacing of a cell's lattice planes accepted: shorter than any bond, so only a
degenerate cell (or an absurdly skewed basis) has it; the neighbour search would need
millions of periodic images."""
MAX_CELL_LENGTH_A = 1000.0
"""The longest lattice vector accepted (a bulk phase's cell is tens of Å)."""
CELL_LENGTHS = ("_cell_length_a", "_cell_length_b", "_cell_length_c")
CELL_ANGLES = ("_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma")
SITE_COORDINATES = tuple(
    f"_atom_site_{kind}_{axis}" for kind in ("fract", "Cartn") for axis in "xyz"
)


def read_structure(path: Path) -> Structure:
    """Read one crystal structure file (CIF, POSCAR) or raise `NasxInputError` naming it.

    A CIF must hold one structure; every cell must pass `check_cell`.
    """
    text = read_bounded(path, MAX_STRUCTURE_BYTES).decode("utf-8", errors="replace")
    if path.suffix.lower() == ".cif":
        structure = _read_cif(text, path)
    else:
        structure = _parse(path, lambda: Structure.from_str(text, fmt="poscar"))
    if len(structure) == 0:
        raise NasxInputError(path, "contains no atoms")
    check_cell(structure, path)
    if not structure.is_ordered:
        raise NasxInputError(path, "has partially occupied sites; nasx needs an ordered structure")
    return structure


def check_cell(structure: Structure, source: Path | str) -> None:
    """Refuse a cell that is not finite, has no volume, is left-handed, or is degenerate."""
    matrix = structure.lattice.matrix
    if not np.isfinite(matrix).all():
        raise NasxInputError(source, "its lattice holds a number that is not finite (nan or inf)")
    if not np.isfinite(structure.frac_coords).all():
        raise NasxInputError(source, "an atom's coordinates are not finite numbers (nan or inf)")
    lengths_A = np.linalg.norm(matrix, axis=1)
    volume_A3 = float(np.linalg.det(matrix))
    if not abs(volume_A3) > 1e-8 * float(np.prod(lengths_A)):
        raise NasxInputError(
            source,
            "its lattice has zero volume (a vector of zero length, a POSCAR scale of 0, or "
            "three vectors in one plane)",
        )
    if volume_A3 < 0:
        raise NasxInputError(
            source,
            f"its lattice is left-handed (a·(b×c) = {volume_A3:.4g} Å³ < 0), which phonopy and "
            "VASP refuse: swap two lattice vectors, and the matching columns of Direct "
            "coordinates",
        )
    if lengths_A.max() > MAX_CELL_LENGTH_A:
        raise NasxInputError(
            source,
            f"a lattice vector is {lengths_A.max():.4g} Å long, above {MAX_CELL_LENGTH_A:g} Å "
            "(a bulk crystal's cell is tens of Å)",
        )
    spacing_A = volume_A3 / np.linalg.norm(
        np.cross(np.roll(matrix, -1, 0), np.roll(matrix, -2, 0)), axis=1
    )
    if spacing_A.min() < MIN_PLANE_SPACING_A:
        raise NasxInputError(
            source,
            f"its cell is degenerate: lattice planes {spacing_A.min():.3g} Å apart (below "
            f"{MIN_PLANE_SPACING_A} Å); give a cell of reasonable shape (e.g. Niggli-reduced)",
        )


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


def _read_cif(text: str, path: Path) -> Structure:
    """The one structure of a CIF whose cell parameters and coordinates are checked first."""
    blocks = _parse(path, lambda: CifFile.from_str(text)).data
    if not blocks:
        raise NasxInputError(path, "is not a CIF: it has no data_ block")
    for name, block in blocks.items():
        _check_cif_block(block, f"{path} (data_{name})" if len(blocks) > 1 else path)
    parser = _parse(path, lambda: CifParser.from_str(text))
    structures = _parse(
        path, lambda: parser.parse_structures(primitive=False, on_error="ignore"), parser.warnings
    )
    if len(structures) > 1:
        names = [n for n, b in blocks.items() if any(k in b.data for k in SITE_COORDINATES)]
        raise NasxInputError(
            path,
            f"holds {len(structures)} crystal structures (data blocks {', '.join(names)}); "
            "nasx reads one structure per file: split it",
        )
    return structures[0]


def _check_cif_block(block: CifBlock, source: Path | str) -> None:
    """Refuse cell lengths that are not finite and > 0, angles outside (0°, 180°) or that give
    no cell, and coordinates that are not finite (spglib would crash on them)."""
    data = block.data
    lengths = {key: _number(data[key]) for key in CELL_LENGTHS if key in data}
    for key, value in lengths.items():
        if value is not None and not (math.isfinite(value) and value > 0):
            raise NasxInputError(
                source, f"cell length {key[-1]} = {data[key]} Å is not a finite number > 0"
            )
    angles = {key: _number(data[key]) for key in CELL_ANGLES if key in data}
    for key, value in angles.items():
        if value is not None and not (math.isfinite(value) and 0 < value < 180):
            raise NasxInputError(
                source, f"cell angle {key[12:]} = {data[key]}° is not between 0° and 180°"
            )
    if len(angles) == 3 and None not in angles.values():
        cosines = [math.cos(math.radians(v)) for v in angles.values()]
        a, b, c = cosines
        if 1 - a * a - b * b - c * c + 2 * a * b * c <= 1e-12:
            shown = ", ".join(f"{data[k]}°" for k in CELL_ANGLES)
            raise NasxInputError(source, f"cell angles {shown} describe no cell (zero volume)")
    for key in SITE_COORDINATES:
        values = data.get(key, [])
        for value in [values] if isinstance(values, str) else values:
            number = _number(value)
            if number is not None and not math.isfinite(number):
                raise NasxInputError(source, f"atom coordinate {key} = {value} is not finite")


def _number(text: str | list) -> float | None:
    """A CIF number (uncertainty in brackets dropped), or None when it is not one."""
    try:
        return float(str2float(text))
    except (TypeError, ValueError):
        return None


def _parse(path: Path, read: Callable[[], T], notes: Iterable[str] = ()) -> T:
    """``read()``, with pymatgen's warnings silenced and any failure as `NasxInputError`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pymatgen's chatter; real problems raise
            return read()
    except Exception as exc:  # pymatgen raises many types for unreadable files
        reasons = [n for n in notes if n.startswith("No structure parsed")] or [str(exc)]
        lines = [line.strip() for line in reasons[0].splitlines() if line.strip()]
        reason = lines[-1] if lines else type(exc).__name__
        raise NasxInputError(path, f"cannot read a crystal structure ({reason})") from None
