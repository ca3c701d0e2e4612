"""Find a phonon data set in a folder, in any of phonopy's own layouts, and read it.

A folder holds a phonon set when it has a phonopy yaml (``phonopy_disp.yaml``, ``phonopy.yaml``,
``phonopy_params*.yaml``), the old ``disp.yaml``, or ``FORCE_SETS`` / ``FORCE_CONSTANTS`` /
``force_constants.hdf5`` beside a unit cell (``POSCAR-unitcell``, else ``POSCAR``).

Forces, in order of preference: the displacement vasprun files (complete), ``FORCE_SETS``,
forces stored in the yaml, then force constants (``FORCE_CONSTANTS``, ``force_constants.hdf5``,
or stored in the yaml). Whatever is not used is listed with the reason. The supercell matrix is
the yaml's; without one, ``DIM`` of a phonopy configuration file beside the set (``*.conf``), or
the ratio of a supercell file (``SPOSCAR``, the ``POSCAR`` beside a ``POSCAR-unitcell``, or the
supercell of ``disp.yaml``) to the unit cell, or the caller's. BORN is read from the set's own
folder only.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import phonopy
from phonopy import Phonopy
from phonopy.cui.settings import PhonopyConfParser
from phonopy.file_IO import parse_disp_yaml
from phonopy.interface.vasp import read_vasp
from phonopy.structure.cells import PrimitiveMatrixAutoDefaultWarning
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Structure

from nasx.analysis.readers.phonopy_dirs import (
    displacement_files,
    find_file,
    isolated_cwd,
    phonon_input,
    plain,
    read_displacement_forces,
)
from nasx.analysis.readers.records import PhononInput
from nasx.analysis.readers.safe_files import list_folder, present
from nasx.errors import NasxInputError
from nasx.results import unphysical

_YAML = re.compile(r"^phonopy(?:_disp|_params[\w.-]*)?\.yaml(?:\.(?:gz|xz|lzma|bz2))?$")
_YAML_ORDER = ("phonopy_disp.", "phonopy.", "phonopy_params")
FORCE_CONSTANT_FILES = ("FORCE_CONSTANTS", "force_constants.hdf5")
VOLUME_TOLERANCE = 0.05
"""Largest relative difference of volume per atom between a relaxed structure and the unit cell
of a phonon set for the two to be combined as one phase."""
AT_REST_TOLERANCE_A = 1e-3
"""Largest distance (Å) of an atom from its site in a phonon set's unit cell for a structure to
be that cell undisplaced: far below any displacement phonopy makes (0.01 Å by default), far
above the rounding of positions written to files."""


@dataclass
class PhononSet:
    """One phonon data set: what it is, the data for phonopy (None when unusable) and why not."""

    directory: Path
    description: str
    data: PhononInput | None = None
    unitcell: Structure | None = None
    errors: list[NasxInputError] = field(default_factory=list)
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    claimed: list[Path] = field(default_factory=list)
    rank: int = 9
    """Lower is preferred: 0 vasprun forces, 1 FORCE_SETS, 2 forces in the yaml, 3 force constants."""
    first_vasprun: Path | None = None
    """The first displacement's vasprun file when the forces come from them (its settings are
    compared with the energy's)."""

    @property
    def complete(self) -> bool:
        return self.data is not None and not self.errors


def is_phonon_folder(directory: Path) -> bool:
    return (
        _yaml_file(directory) is not None
        or find_file(directory, "disp.yaml") is not None
        or (
            find_file(directory, "FORCE_SETS", *FORCE_CONSTANT_FILES) is not None
            and _unitcell_file(directory) is not None
        )
    )


def _yaml_file(directory: Path) -> Path | None:
    try:
        entries = [Path(e.path) for e in list_folder(directory)]
    except NasxInputError:  # the tree walk names a folder it cannot read
        return None
    found = sorted(p for p in entries if _YAML.match(p.name) and present(p))
    ranked = sorted(
        found, key=lambda p: next(i for i, s in enumerate(_YAML_ORDER) if p.name.startswith(s))
    )
    return ranked[0] if ranked else None


def _unitcell_file(directory: Path) -> Path | None:
    return find_file(directory, "POSCAR-unitcell", "UPOSCAR", "POSCAR")


def unitcell_structure(directory: Path) -> Structure | None:
    """The unit cell file of a folder (``POSCAR-unitcell``, else ``POSCAR``), or None."""
    path = _unitcell_file(directory)
    if path is None:
        return None
    with isolated_cwd() as scratch:
        try:
            cell = read_vasp(str(plain(path, scratch)))
        except Exception:  # an unreadable POSCAR: the caller reports the set itself
            return None
    return Structure(cell.cell, cell.symbols, cell.scaled_positions)


def read_phonon_set(
    directory: Path,
    supercell_matrix: np.ndarray | None = None,
    rel: Callable[[Path], str] = str,
) -> PhononSet:
    """The phonon set of ``directory`` (see the module docstring); ``supercell_matrix`` is used
    where the files do not state one; ``rel`` names paths in messages."""
    yaml = _yaml_file(directory)
    disp_yaml = find_file(directory, "disp.yaml") if yaml is None else None
    born = find_file(directory, "BORN")
    force_sets = find_file(directory, "FORCE_SETS")
    fc_file = find_file(directory, *FORCE_CONSTANT_FILES)
    structure_file = yaml or disp_yaml or _unitcell_file(directory)
    result = PhononSet(directory, "")
    with isolated_cwd() as scratch:
        try:
            ph = _load(directory, yaml, disp_yaml, born, scratch, supercell_matrix)
        except NasxInputError as exc:
            result.description = f"{structure_file.name}: unreadable"
            result.errors.append(exc)
            return result
        result.unitcell = Structure(
            ph.unitcell.cell, ph.unitcell.symbols, ph.unitcell.scaled_positions
        )
        n = _n_displacements(ph)
        files = displacement_files(directory, n or None)
        if not n:  # without displacements, any vasprun here is no displacement
            files.ignored += [(p, "no displacement data set to match it to") for p in files.paths]
            files.numbered = []
        result.claimed, result.ignored = files.claimed, list(files.ignored)
        forces, errors = (
            read_displacement_forces(files, n, len(ph.supercell), directory)
            if files.numbered
            else ([], [])
        )
        stored = _stored_forces(ph) if yaml is not None else None
        sources: list[tuple[int, str, Path | None]] = []
        if files.numbered:
            count = len(files.numbered)
            sources.append((0, f"{count} displacement vasprun file{'s' * (count != 1)}", None))
        if force_sets is not None:
            sources.append((1, force_sets.name, force_sets))
        if stored is not None:
            sources.append((2, f"forces stored in {yaml.name}", None))
        if fc_file is not None:
            sources.append((3, fc_file.name, fc_file))
        if ph.force_constants is not None and yaml is not None:
            sources.append((3, f"force constants stored in {yaml.name}", None))
        chosen = next((s for s in sources if s[0] != 0 or not errors), None)
        what = structure_file.name + (f" + {born.name}" if born else "")
        if chosen is None:
            result.description = what
            result.errors += errors or [
                NasxInputError(
                    directory,
                    "has no forces: no vasprun files, FORCE_SETS or force "
                    "constants for its displacements",
                )
            ]
            return result
        rank, label, path = chosen
        result.rank, result.description = rank, f"{what} + {label}"
        if rank == 0:
            data_forces: list[np.ndarray] | None = forces
            result.first_vasprun = files.numbered[0][1]
        elif rank == 2:
            data_forces = stored
        else:
            try:  # reload with the chosen file (a FORCE_SETS of another supercell fails here)
                if rank == 1:
                    ph = _load(directory, yaml, disp_yaml, born, scratch, supercell_matrix, path)
                    data_forces = list(ph.forces)
                else:
                    if path is not None:
                        args = (directory, yaml, disp_yaml, born, scratch, supercell_matrix)
                        ph = _load(*args, None, path)
                    data_forces = None
            except NasxInputError as exc:
                result.errors.append(NasxInputError(path or directory, exc.problem))
                return result
        forces_file = yaml if rank == 2 or (rank == 3 and path is None) else path
        problem = _unphysical_data(ph, data_forces, forces_file or directory, born or yaml)
        if problem is not None:
            result.errors.append(problem)
            return result
        if rank != 0 and files.numbered:
            why = "; ".join(e.problem for e in errors) or "complete, but another source is used"
            result.ignored.append((directory, f"displacement vasprun files not used ({why})"))
        result.ignored += [
            (p, f"not used: the forces come from {label}")
            for _, other, p in sources
            if p is not None and other != label
        ]
        result.data = phonon_input(ph, data_forces, rel(directory))
        result.data.description = result.description
    return result


def _load(
    directory: Path,
    yaml: Path | None,
    disp_yaml: Path | None,
    born: Path | None,
    scratch: Path,
    supercell_matrix: np.ndarray | None,
    force_sets: Path | None = None,
    force_constants: Path | None = None,
) -> Phonopy:
    """phonopy.load on the set's own files only (called inside ``isolated_cwd``)."""
    options = {
        "born_filename": str(plain(born, scratch)) if born else None,
        "is_nac": born is not None or yaml is not None,  # a yaml may carry its own NAC
        "force_sets_filename": str(plain(force_sets, scratch)) if force_sets else None,
        "force_constants_filename": (
            str(plain(force_constants, scratch)) if force_constants else None
        ),
        "produce_fc": False,
        "log_level": 0,
    }
    source = yaml or disp_yaml or _unitcell_file(directory)
    try:
        if yaml is not None:
            return phonopy.load(str(plain(yaml, scratch)), **options)
        dataset, supercell = None, None
        if disp_yaml is not None:
            dataset, supercell = parse_disp_yaml(str(plain(disp_yaml, scratch)), return_cell=True)
        unitcell = _unitcell_file(directory)
        if unitcell is None:
            raise NasxInputError(directory, "has no unit cell (POSCAR-unitcell or POSCAR)")
        matrix = _supercell_matrix(directory, unitcell, supercell, supercell_matrix, scratch)
        with warnings.catch_warnings():  # "auto" is asked for: phonopy's note on it is moot
            warnings.simplefilter("ignore", PrimitiveMatrixAutoDefaultWarning)
            ph = phonopy.load(
                supercell_matrix=matrix,
                unitcell_filename=str(plain(unitcell, scratch)),
                primitive_matrix="auto",
                **options,
            )
        if dataset is not None and force_sets is None:
            ph.dataset = {"natom": dataset["natom"], "first_atoms": dataset["first_atoms"]}
        return ph
    except NasxInputError:
        raise
    except Exception as exc:  # phonopy raises several types for a broken file
        raise NasxInputError(source, f"unreadable ({type(exc).__name__}: {exc})") from None


def _lattice(poscar: Path, scratch: Path) -> np.ndarray:
    """Lattice vectors (rows, Å) of a POSCAR, read with phonopy's reader (VASP 4 files too)."""
    return np.array(read_vasp(str(plain(poscar, scratch))).cell)


def _supercell_matrix(
    directory: Path, unitcell: Path, supercell, given: np.ndarray | None, scratch: Path
) -> np.ndarray:
    """DIM of a phonopy .conf beside the set, else the supercell file's ratio to the unit cell,
    else ``given``; NasxInputError when none states it."""
    for conf in sorted(directory.glob("*.conf")):
        matrix = PhonopyConfParser(filename=str(plain(conf, scratch))).settings.supercell_matrix
        if matrix is not None:
            return np.array(matrix, dtype=int)
    unit = _lattice(unitcell, scratch)
    super_lattice = None
    if supercell is not None:
        super_lattice = np.array(supercell.cell)
    else:
        names = ("SPOSCAR", "POSCAR") if unitcell.name.startswith("POSCAR-") else ("SPOSCAR",)
        found = find_file(directory, *names)
        if found is not None:
            super_lattice = _lattice(found, scratch)
    if super_lattice is not None:
        ratio = (super_lattice @ np.linalg.inv(unit)).T  # phonopy: supercell basis = basis · M
        if np.abs(ratio - np.rint(ratio)).max() < 1e-3 and abs(np.linalg.det(ratio)) >= 1:
            return np.rint(ratio).astype(int)
    if given is not None:
        return np.asarray(given, dtype=int)
    raise NasxInputError(
        directory,
        "supercell unknown: FORCE_SETS and FORCE_CONSTANTS hold only atom counts; give DIM in a "
        "mesh.conf beside them, or nasx analyze --supercell FOLDER_OR_PHASE=2x2x2",
    )


def _unphysical_data(
    ph: Phonopy, forces: list[np.ndarray] | None, forces_file: Path, nac_file: Path | None
) -> NasxInputError | None:
    """Why a set's forces (eV/Å), force constants or Born charges cannot be used (numbers that
    are not finite, or forces beyond ``MAX_ABS_FORCE_EV_PER_A``), naming the file; or None."""
    problem = unphysical(forces_eV_per_A=np.asarray(forces, dtype=float)) if forces else None
    fc = ph.force_constants
    if problem is None and fc is not None and not np.all(np.isfinite(fc)):
        problem = "holds force constants that are not finite (nan or inf)"
    if problem is not None:
        return NasxInputError(forces_file, problem)
    nac = ph.nac_params or {}
    if any(not np.all(np.isfinite(nac[k])) for k in ("born", "dielectric") if k in nac):
        return NasxInputError(
            nac_file or forces_file, "holds Born charges or a dielectric tensor that are not finite"
        )
    return None


def _n_displacements(ph: Phonopy) -> int:
    try:
        return len(ph.displacements) if ph.dataset else 0
    except (RuntimeError, TypeError, KeyError):  # no displacement data set
        return 0


def _stored_forces(ph: Phonopy) -> list[np.ndarray] | None:
    """Forces saved in the data set itself (a phonopy.yaml written with forces), if any."""
    try:
        return list(ph.forces)
    except (RuntimeError, TypeError, KeyError):  # phonopy: no forces in the data set
        return None


def same_cell(structure: Structure, supercell) -> bool:
    """True when ``structure`` has the lattice and composition of phonopy's ``supercell``."""
    if len(structure) != len(supercell):
        return False
    if sorted(str(s) for s in structure.species) != sorted(supercell.symbols):
        return False
    theirs = Structure(supercell.cell, supercell.symbols, supercell.scaled_positions).lattice
    mine = structure.lattice
    return bool(
        np.allclose(mine.abc, theirs.abc, rtol=1e-3)
        and np.allclose(mine.angles, theirs.angles, atol=0.1)
    )


def at_rest_in(structure: Structure, cell: Structure) -> bool:
    """True when every atom of ``structure`` sits on an atom of the same element of ``cell``
    (within ``AT_REST_TOLERANCE_A``, periodically): the cell itself, not a displaced copy."""
    if len(structure) != len(cell):
        return False
    for element in set(structure.species):
        mine = [site.frac_coords for site in structure if site.specie == element]
        theirs = [site.frac_coords for site in cell if site.specie == element]
        if len(mine) != len(theirs):
            return False
        distances = structure.lattice.get_all_distances(mine, theirs)
        if distances.min(axis=1).max() > AT_REST_TOLERANCE_A:
            return False
    return True


def mismatch(relaxed: Structure | None, unitcell: Structure | None) -> str | None:
    """Why a phonon set's unit cell is not the relaxed structure of the phase, or None."""
    if relaxed is None or unitcell is None:
        return None
    mine, theirs = relaxed.volume / len(relaxed), unitcell.volume / len(unitcell)
    change = theirs / mine - 1.0
    if abs(change) <= VOLUME_TOLERANCE and StructureMatcher().fit(relaxed, unitcell):
        return None
    return (
        f"its unit cell ({theirs:.2f} Å³/atom) is not the relaxed structure of this phase "
        f"({mine:.2f} Å³/atom, {100 * change:+.1f} %): another study, not combined"
    )


def claimed_folders(directory: Path) -> list[Path]:
    """Sub-folders of a phonon folder that hold its displacements (never relaxations)."""
    return displacement_files(directory).claimed


def summary_supercell(ph: Phonopy) -> str:
    """``2×2×2`` for a diagonal supercell matrix, else the matrix ``[[-2,2,2],[2,-2,2],[2,2,-2]]``."""
    return format_supercell(np.asarray(ph.supercell_matrix, dtype=int))


def format_supercell(matrix: np.ndarray) -> str:
    matrix = np.asarray(matrix, dtype=int)
    if matrix.ndim == 1 or not np.count_nonzero(matrix - np.diag(np.diag(matrix))):
        return "×".join(str(int(n)) for n in (matrix if matrix.ndim == 1 else np.diag(matrix)))
    return "[" + ",".join("[" + ",".join(str(int(v)) for v in row) + "]" for row in matrix) + "]"
