"""Finite-displacement calculations in phonopy's own convention, read with phonopy's API.

A folder holds ``phonopy_disp.yaml`` (or ``phonopy.yaml``), one ``vasprun.xml-NNN`` (or
``vasprun-NNN.xml``) per displacement, or a single ``vasprun.xml`` for one displacement, and
optionally ``BORN``. Any file may be gzipped. The force constants are symmetrised, as
``phonopy.load`` does by default.
"""

from __future__ import annotations

import re
from pathlib import Path

import phonopy
from phonopy import Phonopy
from phonopy.interface.vasp import parse_set_of_forces

from nasx.errors import NasxInputError
from nasx.workflows.phonons import PhononSettings, ThermalProperties, thermal_properties

DATASETS = ("phonopy_disp.yaml", "phonopy.yaml")
_INDEXED = re.compile(r"^vasprun(?:\.xml-|-)(\d+)(?:\.xml)?(?:\.gz)?$")


def dataset_file(directory: Path) -> Path | None:
    """The displacement data set of a phonopy folder, if there is one."""
    for name in DATASETS:
        for candidate in (directory / name, directory / f"{name}.gz"):
            if candidate.exists():
                return candidate
    return None


def displacement_vaspruns(directory: Path) -> list[Path]:
    """vasprun files of the displacements, ordered by their number."""
    indexed = sorted(
        (int(m.group(1)), p) for p in directory.iterdir() if (m := _INDEXED.match(p.name))
    )
    if indexed:
        return [p for _, p in indexed]
    return [p for p in (directory / "vasprun.xml", directory / "vasprun.xml.gz") if p.exists()][:1]


def load_phonopy_directory(directory: str | Path) -> tuple[Phonopy, list]:
    """The phonopy object of a folder and the forces of its displacements (eV/Å)."""
    directory = Path(directory)
    dataset = dataset_file(directory)
    if dataset is None:
        raise NasxInputError(directory, "has no phonopy_disp.yaml or phonopy.yaml")
    born = directory / "BORN"
    ph = phonopy.load(
        str(dataset),
        born_filename=str(born) if born.exists() else None,
        produce_fc=False,
        log_level=0,
    )
    files = displacement_vaspruns(directory)
    if len(files) != len(ph.displacements):
        raise NasxInputError(
            directory,
            f"{dataset.name} has {len(ph.displacements)} displacements but {len(files)} vasprun files were found",
        )
    forces = []
    for path in files:
        parsed = parse_set_of_forces(len(ph.supercell), [str(path)], verbose=False)
        if not parsed:
            raise NasxInputError(
                path, f"holds no forces for the {len(ph.supercell)} atoms of the supercell"
            )
        forces.append(parsed["forces"][0])
    return ph, forces


def thermal_from_directory(
    directory: str | Path, temperatures_K: list[float], mesh_length_A: float
) -> ThermalProperties:
    """F, S and Cv per atom at ``temperatures_K`` from a phonopy folder (q-mesh by length, Å)."""
    ph, forces = load_phonopy_directory(directory)
    settings = PhononSettings(
        mesh_length_A=mesh_length_A, exclude_gamma_acoustic=True
    )  # real, invariant data
    return thermal_properties(ph, forces, temperatures_K, settings, symmetrize_fc=True)
