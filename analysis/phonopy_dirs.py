"""Finite-displacement calculations in phonopy's own convention, read with phonopy's API.

A folder holds ``phonopy_disp.yaml`` (or ``phonopy.yaml``), one ``vasprun.xml-NNN`` (or
``vasprun-NNN.xml``, or ``disp-NNN/vasprun.xml``) per displacement, or a single
``vasprun.xml`` for one displacement, and
optionally ``BORN``. Any file may be gzipped. The force constants are symmetrised, as
``phonopy.load`` does by default.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import phonopy
from phonopy import Phonopy

from nasx.analysis.records import PhononInput
from nasx.analysis.vasp_outputs import existing_output, read_forces
from nasx.errors import NasxInputError
from nasx.settings import PhononSettings

DATASETS = ("phonopy_disp.yaml", "phonopy.yaml")
_INDEXED = re.compile(r"^vasprun(?:\.xml-|-)(\d+)(?:\.xml)?(?:\.gz)?$")
DISPLACEMENT_FOLDER = re.compile(r"^(?:disp-?)?(\d+)$")


def dataset_file(directory: Path) -> Path | None:
    """The displacement data set of a phonopy folder, if there is one."""
    for name in DATASETS:
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.exists():
                return candidate
    return None


def displacement_vaspruns(directory: Path) -> list[Path]:
    """vasprun files of the displacements, ordered by their number: ``vasprun.xml-NNN`` files,
    else ``disp-NNN/vasprun.xml`` sub-folders, else a lone ``vasprun.xml``."""
    return [path for _, path in _numbered_vaspruns(directory)]


def _numbered_vaspruns(directory: Path) -> list[tuple[int, Path]]:
    indexed = sorted(
        (int(m.group(1)), p) for p in directory.iterdir() if (m := _INDEXED.match(p.name))
    )
    if not indexed:
        indexed = sorted(
            (int(m.group(1)), found)
            for p in directory.iterdir()
            if p.is_dir()
            and (m := DISPLACEMENT_FOLDER.match(p.name))
            and (found := existing_output(p)) is not None
        )
    if indexed:
        return indexed
    lone = existing_output(directory)
    return [(1, lone)] if lone is not None else []


def load_dataset(directory: Path) -> Phonopy:
    """The displacement data set of a phonopy folder (with NAC parameters when BORN is there)."""
    dataset = dataset_file(directory)
    if dataset is None:
        raise NasxInputError(directory, "has no phonopy_disp.yaml or phonopy.yaml")
    born = directory / "BORN"
    try:
        return phonopy.load(
            str(dataset),
            born_filename=str(born) if born.exists() else None,
            produce_fc=False,
            log_level=0,
        )
    except Exception as exc:  # phonopy raises several types for a broken file
        raise NasxInputError(dataset, f"unreadable ({type(exc).__name__}: {exc})") from None


def read_displacement_forces(
    directory: Path, ph: Phonopy
) -> tuple[list[np.ndarray], list[NasxInputError]]:
    """Forces of every displacement, and one error per missing or unreadable file."""
    numbered = _numbered_vaspruns(directory)
    forces, errors = [], []
    for _, path in numbered:
        try:
            forces.append(read_forces(path, len(ph.supercell)))
        except NasxInputError as exc:
            errors.append(exc)
    n = len(ph.displacements)
    absent = sorted(set(range(1, n + 1)) - {i for i, _ in numbered})
    if absent or len(numbered) != n:
        errors.append(
            NasxInputError(
                directory,
                f"missing displacement{'s' * (len(absent) != 1)} "
                f"{', '.join(f'{i:03d}' for i in absent) or '(numbering)'}: "
                f"the data set has {n}, {len(numbered)} vasprun files were found",
            )
        )
    return forces, errors


def phonon_input(
    directory: Path, ph: Phonopy, forces: list[np.ndarray], source: str
) -> PhononInput:
    """Real (translationally invariant) data, symmetrised force constants as phonopy.load does."""
    settings = PhononSettings(exclude_gamma_acoustic=True)
    return PhononInput(ph, forces, settings, symmetrize_fc=True, source=source)
