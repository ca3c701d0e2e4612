"""Finite-displacement phonons with phonopy: displacements, force constants, thermal properties.

Units at this boundary: phonopy gives kJ/mol and J/K/mol per unit cell handed to it (here the
primitive cell); nasx stores eV/atom and eV/K/atom (`nasx.units`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import phonopy
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms
from phonopy.structure.cells import PrimitiveMatrixAutoDefaultWarning
from pymatgen.core import Structure

from nasx.layout import atomic_path
from nasx.phonon_modes import (
    SYMMETRIZATION_METHOD,
    ImaginaryModes,
    SumRule,
    count_below,
    gamma_acoustic_THz,
    imaginary_modes,
    max_row_sum_eV_per_A2,
)
from nasx.settings import PhononSettings
from nasx.symmetry import symmetrized
from nasx.units import j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev

Supercell = tuple[int, ...] | tuple[tuple[int, ...], ...]
"""(n1, n2, n3) of a diagonal supercell matrix, else the matrix's three rows."""


@dataclass(frozen=True)
class ThermalProperties:
    """Harmonic thermal properties per atom at ``temperatures_K`` (F includes zero-point energy)."""

    temperatures_K: list[float]
    free_energy_eV_per_atom: list[float]
    entropy_eV_per_K_per_atom: list[float]
    heat_capacity_eV_per_K_per_atom: list[float]
    imaginary_fraction: float
    """Weighted fraction of q-mesh modes below the imaginary tolerance."""
    min_frequency_THz: float
    supercell: Supercell
    n_displacements: int
    notes: list[str] = field(default_factory=list)
    sum_rule: SumRule | None = None
    imaginary_modes: ImaginaryModes | None = None

    def as_dict(self) -> dict:
        return {
            "temperatures_K": list(self.temperatures_K),
            "free_energy_eV_per_atom": list(self.free_energy_eV_per_atom),
            "entropy_eV_per_K_per_atom": list(self.entropy_eV_per_K_per_atom),
            "heat_capacity_eV_per_K_per_atom": list(self.heat_capacity_eV_per_K_per_atom),
            "imaginary_fraction": self.imaginary_fraction,
            "min_frequency_THz": self.min_frequency_THz,
            "supercell": [list(r) if isinstance(r, tuple) else r for r in self.supercell],
            "n_displacements": self.n_displacements,
            "notes": list(self.notes),
            "sum_rule": self.sum_rule.as_dict() if self.sum_rule else None,
            "imaginary_modes": self.imaginary_modes.as_dict() if self.imaginary_modes else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ThermalProperties:
        supercell = tuple(tuple(r) if isinstance(r, list) else r for r in d["supercell"])
        sum_rule = SumRule(**d["sum_rule"]) if d.get("sum_rule") else None
        modes = d.get("imaginary_modes")
        return cls(
            **{
                **d,
                "supercell": supercell,
                "sum_rule": sum_rule,
                "imaginary_modes": ImaginaryModes.from_dict(modes) if modes else None,
            }
        )


def _to_phonopy(structure: Structure) -> PhonopyAtoms:
    return PhonopyAtoms(
        symbols=[str(s) for s in structure.species],
        cell=np.array(structure.lattice.matrix),
        scaled_positions=np.array(structure.frac_coords),
    )


def _to_structure(atoms: PhonopyAtoms) -> Structure:
    return Structure(atoms.cell, atoms.symbols, atoms.scaled_positions)


def conventional_matrix(conventional: Structure, primitive: Structure) -> np.ndarray:
    """Integer T with conventional lattice = T · primitive lattice (both in one orientation)."""
    t = np.array(conventional.lattice.matrix) @ np.linalg.inv(np.array(primitive.lattice.matrix))
    rounded = np.rint(t)
    if np.abs(t - rounded).max() > 0.05:
        raise ValueError("the conventional cell is not an integer multiple of the primitive cell")
    return rounded.astype(int)


def conventional_cell(relaxed: Structure, matrix: np.ndarray, symprec: float) -> Structure:
    """The conventional cell ``matrix`` · ``relaxed``, symmetrised, as phonopy's unit cell.

    Diagonal supercells of it keep the full point group (diagonal supercells of a primitive cell
    may not, and then phonopy needs several times more displacements)."""
    cell = relaxed.copy()
    cell.make_supercell(np.asarray(matrix, dtype=int))
    return symmetrized(cell, symprec)


def displacements(
    unitcell: Structure, supercell: tuple[int, int, int], settings: PhononSettings
) -> Phonopy:
    """Phonopy with symmetry-reduced displacements on the diagonal supercell of ``unitcell``."""
    with warnings.catch_warnings():  # "auto" is asked for: phonopy's note on it is moot
        warnings.simplefilter("ignore", PrimitiveMatrixAutoDefaultWarning)
        ph = Phonopy(
            _to_phonopy(unitcell),
            supercell_matrix=np.diag(supercell),
            primitive_matrix="auto",
            symprec=settings.symprec,
        )
    ph.generate_displacements(distance=settings.displacement_A)
    return ph


def displaced_supercells(ph: Phonopy) -> list[Structure]:
    return [_to_structure(s) for s in ph.supercells_with_displacements]


def displaced_poscars(ph: Phonopy) -> list[str]:
    """POSCAR texts of the displaced supercells, atoms in phonopy's order (what the force jobs
    read), phonopy's numbers to the 16 decimals printed. ASE's writer, from arrays: 25× faster
    than building pymatgen Structures for it (0.6 s for Na2S4's 18 supercells of 384 atoms)."""
    import io

    from ase import Atoms
    from ase.io.vasp import write_vasp

    texts = []
    for cell in ph.supercells_with_displacements:
        atoms = Atoms(
            cell.symbols, cell=cell.cell, scaled_positions=cell.scaled_positions, pbc=True
        )
        text = io.StringIO()
        write_vasp(text, atoms, direct=True)
        texts.append(text.getvalue())
    return texts


POSCAR_PROPERTIES = ("selective_dynamics", "velocities", "predictor_corrector")
"""The only site properties pymatgen's POSCAR writer prints."""


def poscar_text(structure: Structure) -> str:
    """The text of ``structure.to(fmt="poscar")``, without the writer's per-site lookups of
    site properties (quadratic in the sites) when the structure has none it would print."""
    from pymatgen.io.vasp import Poscar

    if not any(key in structure.site_properties for key in POSCAR_PROPERTIES):
        structure = Structure(structure.lattice, structure.species, structure.frac_coords)
    return Poscar(structure).get_str()


def thermal_properties(
    ph: Phonopy,
    forces: list[np.ndarray] | None,
    temperatures_K: list[float],
    settings: PhononSettings,
    symmetrize_fc: bool = False,
) -> ThermalProperties:
    """Force constants from ``forces`` (one (n_atoms, 3) array per displacement, eV/Å) and
    harmonic properties per atom at ``temperatures_K``. Sets ``ph.forces`` (saved with it).
    ``forces`` None: the force constants already on ``ph`` (e.g. read from FORCE_CONSTANTS).
    ``symmetrize_fc``: also the sum-rule violation and imaginary-mode count before it (not for
    a random-displacement set, which has no unsymmetrised finite-difference fit)."""
    exclude_gamma = bool(settings.exclude_gamma_acoustic)
    before = None
    random_set = "displacements" in (ph.dataset or {})  # type II: only a fit (symfc) reads it
    if forces is not None and symmetrize_fc and not random_set:
        with warnings.catch_warnings():  # the unsymmetrised set is only measured
            warnings.simplefilter("ignore")
            ph.forces = np.array(forces)
            ph.produce_force_constants()
            ph.run_mesh(settings.mesh_length_A, is_mesh_symmetry=True)
            before = (
                max_row_sum_eV_per_A2(ph),
                gamma_acoustic_THz(ph),
                count_below(ph, settings.imaginary_tolerance_THz, exclude_gamma),
            )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if forces is None:
            if ph.force_constants is None:
                raise ValueError("neither forces nor force constants")
        elif symmetrize_fc:  # exactly what phonopy.load does by default: compact, symmetrised
            ph.forces = np.array(forces)
            from phonopy.cui.load_helper import produce_force_constants

            produce_force_constants(
                ph, symmetrize_fc=True, is_compact_fc=True, use_symfc_projector=True
            )
        else:
            ph.forces = np.array(forces)
            ph.produce_force_constants()
        ph.run_mesh(settings.mesh_length_A, is_mesh_symmetry=True)
        ph.run_thermal_properties(
            temperatures=[float(t) for t in temperatures_K],
            pretend_real=settings.imaginary_policy == "pretend_real",
            exclude_gamma_acoustic=settings.exclude_gamma_acoustic,
        )
    row_sum, acoustic = max_row_sum_eV_per_A2(ph), gamma_acoustic_THz(ph)
    if before is None:
        sum_rule = SumRule(False, None, row_sum, acoustic)
    else:
        sum_rule = SumRule(True, SYMMETRIZATION_METHOD, before[0], before[1], row_sum, acoustic)
    modes = imaginary_modes(
        ph, settings.imaginary_tolerance_THz, exclude_gamma, None if before is None else before[2]
    )
    frequencies = ph.mesh.frequencies
    weights = ph.mesh.weights.astype(float)
    below = (frequencies < settings.imaginary_tolerance_THz).sum(axis=1)
    imaginary_fraction = float((below * weights).sum() / (frequencies.shape[1] * weights.sum()))
    temps = [float(t) for t in temperatures_K]
    tp = ph.thermal_properties
    n_atoms = len(ph.primitive)  # phonopy's properties are per primitive cell
    return ThermalProperties(
        temperatures_K=temps,
        free_energy_eV_per_atom=[kj_per_mol_to_ev(f) / n_atoms for f in tp.free_energy],
        entropy_eV_per_K_per_atom=[j_per_k_mol_to_ev_per_k(s) / n_atoms for s in tp.entropy],
        heat_capacity_eV_per_K_per_atom=[
            j_per_k_mol_to_ev_per_k(c) / n_atoms for c in tp.heat_capacity
        ],
        imaginary_fraction=imaginary_fraction,
        min_frequency_THz=float(frequencies.min()),
        supercell=_supercell(ph.supercell_matrix),
        n_displacements=len(ph.displacements) if ph.dataset else 0,
        notes=sorted({f"phonopy: {w.message}".split(". ")[0] for w in caught}),
        sum_rule=sum_rule,
        imaginary_modes=modes,
    )


def _supercell(matrix: np.ndarray) -> Supercell:
    """The diagonal of a diagonal supercell matrix, else the whole matrix (rows)."""
    matrix = np.asarray(matrix, dtype=int)
    if np.count_nonzero(matrix - np.diag(np.diag(matrix))):
        return tuple(tuple(int(v) for v in row) for row in matrix)
    return tuple(int(n) for n in np.diag(matrix))


def save(ph: Phonopy, path: Path, force_constants: bool = False) -> Path:
    """phonopy.yaml with the displacement dataset and its forces (``phonopy.load`` reads it),
    or with the force constants (a set that has no forces, e.g. from FORCE_CONSTANTS), written
    to a temporary file of its own and renamed, so an interrupted write never leaves half a
    file and two writers never share one."""
    path = Path(path)
    with atomic_path(path) as tmp:
        ph.save(
            filename=str(tmp),
            settings={
                "force_sets": not force_constants,
                "displacements": not force_constants,
                "force_constants": force_constants,
            },
        )
    return path


def load(path: Path) -> Phonopy:
    return phonopy.load(str(path), produce_fc=False, log_level=0)
