"""The files of a phonopy folder, named as phonopy's own tools name them, read with phonopy's API.

Any file may be compressed as phonopy reads it (gzip, xz, lzma, bz2). phonopy's text readers
of FORCE_SETS, FORCE_CONSTANTS, BORN and disp.yaml open plain files only, so compressed ones are
decompressed into a private folder first, as a capped stream (``safe_files``); only regular
files are read and symbolic links are not followed. ``phonopy.load`` reads ``FORCE_SETS``,
``FORCE_CONSTANTS``, ``force_constants.hdf5`` and ``BORN`` from the working directory when it is
not given them, so nasx calls it from an empty one (``isolated_cwd``): a set only ever uses its
own files.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from phonopy import Phonopy

from nasx.analysis.readers.records import PhononInput
from nasx.analysis.readers.safe_files import (
    COMPRESSIONS,
    is_folder,
    list_folder,
    plain_file,
    present,
)
from nasx.analysis.readers.vasp import read_forces
from nasx.errors import NasxInputError
from nasx.settings import PhononSettings

DISPLACEMENT_FOLDER = re.compile(r"^(?:disp-?)?(\d+)$")
_INDEXED = re.compile(r"^vasprun(?:\.xml-|-)([^.]+?)(?:\.xml)?(?:\.(?:gz|xz|lzma|bz2))?$")
REFERENCE_REASON = (
    "the undisplaced supercell (number 000): a reference, not a displacement; its residual "
    "forces are not subtracted (as `phonopy -f` without `--fz`)"
)


def find_file(directory: Path, *names: str) -> Path | None:
    """The first of ``names`` in ``directory``, plain or compressed: any file or link there
    (reading it refuses what is not a regular file)."""
    for name in names:
        for candidate in (directory / name, *(directory / f"{name}{c}" for c in COMPRESSIONS)):
            if present(candidate):
                return candidate
    return None


def vasprun_in(directory: Path) -> Path | None:
    return find_file(directory, "vasprun.xml")


def plain(path: Path, scratch: Path) -> Path:
    """``path`` itself, or its decompressed copy in ``scratch`` (for phonopy's text readers);
    NasxInputError when it is not a regular file or expands beyond the limit."""
    return plain_file(path, scratch)


@contextmanager
def isolated_cwd() -> Iterator[Path]:
    """Run inside an empty temporary folder, so phonopy finds no FORCE_SETS or BORN of the
    caller's working directory; yields that folder (a scratch space for decompressed files)."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="nasx-phonopy-") as scratch:
        os.chdir(scratch)
        try:
            yield Path(scratch)
        finally:
            os.chdir(before)


@dataclass
class DisplacementFiles:
    """The displacement vasprun files of a phonon set and what was set aside, with reasons."""

    numbered: list[tuple[int, Path]] = field(default_factory=list)
    """(displacement number ≥ 1, vasprun file), ordered by number."""
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    claimed: list[Path] = field(default_factory=list)
    """Folders that hold displacements: phonon inputs, never relaxations."""

    @property
    def paths(self) -> list[Path]:
        return [path for _, path in self.numbered]


def _entries(folder: Path) -> list[Path]:
    """The entries of ``folder``; none when it cannot be listed (the tree walk names it)."""
    try:
        return [Path(e.path) for e in list_folder(folder)]
    except NasxInputError:
        return []


def _indexed_in(folder: Path) -> tuple[list[tuple[int, Path]], list[tuple[Path, str]]]:
    numbered, ignored = [], []
    for path in _entries(folder):
        match = _INDEXED.match(path.name)
        if not match or is_folder(path):
            continue
        label = match.group(1)
        if not label.isdigit():
            ignored.append((path, f"not a numbered displacement ('{label}')"))
        elif int(label) == 0:
            ignored.append((path, REFERENCE_REASON))
        else:
            numbered.append((int(label), path))
    return numbered, ignored


def _folders_in(folder: Path) -> tuple[list[tuple[int, Path]], list[tuple[Path, str]], list]:
    numbered, ignored, claimed = [], [], []
    for sub in _entries(folder):
        match = DISPLACEMENT_FOLDER.match(sub.name)
        if not match:
            continue
        if not is_folder(sub):
            if sub.is_symlink():
                ignored.append((sub, "a symbolic link: not followed"))
            continue
        claimed.append(sub)
        found = vasprun_in(sub)
        if found is None:
            continue
        if int(match.group(1)) == 0:
            ignored.append((found, REFERENCE_REASON))
        else:
            numbered.append((int(match.group(1)), found))
    return numbered, ignored, claimed


def displacement_files(directory: Path, n_displacements: int | None = None) -> DisplacementFiles:
    """The displacement vaspruns wherever phonopy's tools put them: ``vasprun.xml-NNN`` (or
    ``vasprun-NNN.xml``) files, else ``disp-NNN/vasprun.xml`` (or ``NNN/``) folders, in the
    folder itself or in one sub-folder (``vaspruns/``, ``vasprun_xmls/``, ``force-calcs/``…);
    else a lone ``vasprun.xml`` when the set has a single displacement."""
    found = DisplacementFiles()
    subfolders = (p for p in _entries(directory) if is_folder(p))
    containers = [
        directory,
        *sorted(p for p in subfolders if not DISPLACEMENT_FOLDER.match(p.name)),
    ]
    for container in containers:
        numbered, ignored = _indexed_in(container)
        claimed = []
        if not numbered:
            numbered, more, claimed = _folders_in(container)
            ignored += more
        if numbered or ignored:
            found.ignored += ignored
            found.claimed += claimed + ([container] if container != directory else [])
        if numbered:
            found.numbered = sorted(numbered)
            break
    lone = vasprun_in(directory)
    if lone is not None:
        if not found.numbered and n_displacements == 1:
            found.numbered = [(1, lone)]
        else:
            found.ignored.append(
                (
                    lone,
                    "a VASP run in a phonon set's folder (e.g. the DFPT run or the supercell): "
                    "a phonon input, not a relaxation or an energy",
                )
            )
    return found


def displacement_vaspruns(directory: Path) -> list[Path]:
    """The displacement vasprun files of a phonopy folder, ordered by their number."""
    return displacement_files(directory, 1).paths


def read_displacement_forces(
    files: DisplacementFiles, n_displacements: int, n_atoms: int, directory: Path
) -> tuple[list[np.ndarray], list[NasxInputError]]:
    """Forces (eV/Å) of every displacement, and one error per missing or unreadable file."""
    forces, errors = [], []
    for _, path in files.numbered:
        try:
            forces.append(read_forces(path, n_atoms))
        except NasxInputError as exc:
            errors.append(exc)
    absent = sorted(set(range(1, n_displacements + 1)) - {i for i, _ in files.numbered})
    if absent or len(files.numbered) != n_displacements:
        errors.append(
            NasxInputError(
                directory,
                f"missing displacement{'s' * (len(absent) != 1)} "
                f"{', '.join(f'{i:03d}' for i in absent) or '(numbering)'}: "
                f"the data set has {n_displacements}, {len(files.numbered)} vasprun files "
                "were found",
            )
        )
    return forces, errors


def phonon_input(ph: Phonopy, forces: list[np.ndarray] | None, source: str) -> PhononInput:
    """Real (translationally invariant) data, symmetrised force constants as phonopy.load does;
    ``forces`` None: the force constants already set on ``ph`` are used as they are."""
    settings = PhononSettings(exclude_gamma_acoustic=True)
    return PhononInput(ph, forces, settings, symmetrize_fc=True, source=source)
