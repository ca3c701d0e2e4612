"""Following an unstable phonon mode to the lower-symmetry structure it points to.

The mode (q, branch) of a phonopy object with force constants is written as a displacement of
the smallest diagonal supercell of the primitive cell that holds q (n_α = the denominator of q_α:
Γ keeps the primitive cell, a zone-boundary point doubles the axes where q_α = ½), with phonopy's
``Modulation`` and the largest atomic displacement scaled to ``amplitude_A``. That structure is
relaxed (cell and positions) without the symmetry constraint, and compared with the symmetric
structure in the same supercell: energy gained per atom and space groups (spglib through
pymatgen's ``SpacegroupAnalyzer`` at ``SPACEGROUP_SYMPREC_A``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np
from phonopy import Phonopy
from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.phonon_modes import ImaginaryMode, ImaginaryModes
from nasx.results import ForcesResult, RelaxResult
from nasx.settings import RelaxSettings

SPACEGROUP_SYMPREC_A = 1e-3
"""spglib tolerance of the space groups before and after: the relaxed distortion is resolved
down to 1e-3 Å (a relaxation to fmax 1e-3 eV/Å leaves residual displacements far below it)."""
AMPLITUDE_A = 0.05
"""Largest atomic displacement of the starting structure along the mode."""
MAX_REPETITIONS = 8
"""A q whose components need a larger supercell than this is not followed (general q)."""


class ModeCalculator(Protocol):
    """What following needs of a calculator (every nasx ``Calculator`` has it)."""

    def relax(
        self, structure: Structure, settings: RelaxSettings, workdir: Path
    ) -> RelaxResult: ...

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult: ...


@dataclass(frozen=True)
class SpaceGroup:
    symbol: str
    number: int

    @classmethod
    def of(cls, structure: Structure) -> SpaceGroup:
        analyzer = SpacegroupAnalyzer(structure, symprec=SPACEGROUP_SYMPREC_A)
        return cls(analyzer.get_space_group_symbol(), int(analyzer.get_space_group_number()))


@dataclass(frozen=True)
class FollowedMode:
    """The structure reached from one unstable mode, against the symmetric one."""

    q_reduced: tuple[float, float, float]
    branch: int
    frequency_THz: float
    supercell: tuple[int, int, int]
    """Repetitions of the primitive cell."""
    n_atoms: int
    amplitude_A: float
    space_group_before: SpaceGroup
    space_group_after: SpaceGroup
    symprec_A: float
    energy_symmetric_eV_per_atom: float
    energy_distorted_eV_per_atom: float
    energy_gain_meV_per_atom: float
    max_displacement_A: float
    """Largest atomic displacement of the relaxed structure from the symmetric one (a uniform
    translation removed)."""
    converged: bool
    steps: int
    structure: Structure
    """The relaxed distorted structure."""

    def as_dict(self) -> dict:
        return {
            "q_reduced": list(self.q_reduced),
            "branch": self.branch,
            "frequency_THz": self.frequency_THz,
            "supercell": list(self.supercell),
            "n_atoms": self.n_atoms,
            "amplitude_A": self.amplitude_A,
            "space_group_before": vars(self.space_group_before),
            "space_group_after": vars(self.space_group_after),
            "symprec_A": self.symprec_A,
            "energy_symmetric_eV_per_atom": self.energy_symmetric_eV_per_atom,
            "energy_distorted_eV_per_atom": self.energy_distorted_eV_per_atom,
            "energy_gain_meV_per_atom": self.energy_gain_meV_per_atom,
            "max_displacement_A": self.max_displacement_A,
            "converged": self.converged,
            "steps": self.steps,
            "structure": self.structure.as_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> FollowedMode:
        return cls(
            **{
                **d,
                "q_reduced": tuple(d["q_reduced"]),
                "supercell": tuple(d["supercell"]),
                "space_group_before": SpaceGroup(**d["space_group_before"]),
                "space_group_after": SpaceGroup(**d["space_group_after"]),
                "structure": Structure.from_dict(d["structure"]),
            }
        )


def commensurate_supercell(q_reduced) -> tuple[int, int, int] | None:
    """The smallest diagonal supercell of the primitive cell holding q (None: none up to
    ``MAX_REPETITIONS``)."""
    repeats = tuple(
        Fraction(float(v) % 1.0).limit_denominator(MAX_REPETITIONS * 2).denominator
        for v in q_reduced
    )
    ok = all(
        n <= MAX_REPETITIONS and abs(n * float(v) - round(n * float(v))) < 1e-4
        for n, v in zip(repeats, q_reduced, strict=True)
    )
    return repeats if ok else None


def modulated_supercell(
    ph: Phonopy, mode: ImaginaryMode, repeats: tuple[int, int, int], amplitude_A: float
) -> tuple[Structure, Structure]:
    """The symmetric supercell and the one displaced along ``mode`` (largest |u| = amplitude)."""
    modulation = ph.run_modulations(repeats, [[list(mode.q_reduced), mode.branch, 1.0, 0.0]])
    cell = modulation.supercell
    u = np.real(modulation.modulations[0])
    u *= amplitude_A / np.linalg.norm(u, axis=1).max()
    lattice = np.array(cell.cell)
    symmetric = Structure(lattice, cell.symbols, cell.scaled_positions)
    displaced = Structure(lattice, cell.symbols, cell.positions + u, coords_are_cartesian=True)
    return symmetric, displaced


def follow_mode(
    ph: Phonopy,
    calculator: ModeCalculator,
    mode: ImaginaryMode,
    settings: RelaxSettings,
    workdir: Path,
    amplitude_A: float = AMPLITUDE_A,
) -> FollowedMode | None:
    """Displace along ``mode`` of ``ph`` (force constants made), relax without the symmetry
    constraint and compare with the symmetric supercell; None for a q no small supercell holds."""
    repeats = commensurate_supercell(mode.q_reduced)
    if repeats is None:
        return None
    symmetric, displaced = modulated_supercell(ph, mode, repeats, amplitude_A)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    n = len(symmetric)
    e_symmetric = calculator.forces(symmetric, workdir).energy_eV / n
    relaxed = calculator.relax(displaced, replace(settings, symprec=None), workdir)
    e_distorted = relaxed.energy_eV / n
    return FollowedMode(
        q_reduced=tuple(float(v) for v in mode.q_reduced),
        branch=mode.branch,
        frequency_THz=mode.frequency_THz,
        supercell=repeats,
        n_atoms=n,
        amplitude_A=amplitude_A,
        space_group_before=SpaceGroup.of(symmetric),
        space_group_after=SpaceGroup.of(relaxed.structure),
        symprec_A=SPACEGROUP_SYMPREC_A,
        energy_symmetric_eV_per_atom=float(e_symmetric),
        energy_distorted_eV_per_atom=float(e_distorted),
        energy_gain_meV_per_atom=float(1000 * (e_symmetric - e_distorted)),
        max_displacement_A=max_displacement_A(symmetric, relaxed.structure),
        converged=relaxed.converged,
        steps=relaxed.steps,
        structure=relaxed.structure,
    )


def max_displacement_A(symmetric: Structure, distorted: Structure) -> float:
    """Largest displacement of ``distorted``'s atoms (same order) from ``symmetric``'s, in the
    distorted cell, after removing their mean (a uniform translation is no distortion)."""
    delta = np.array(distorted.frac_coords) - np.array(symmetric.frac_coords)
    delta -= np.rint(delta)
    delta -= delta.mean(axis=0)
    cartesian = delta @ np.array(distorted.lattice.matrix)
    return float(np.linalg.norm(cartesian, axis=1).max())


@dataclass(frozen=True)
class InstabilityResult:
    """What following a phase's instability found: the classification of its imaginary modes,
    the mode followed (None: no instability, or none a small supercell holds) and why not."""

    classification: str
    followed: FollowedMode | None
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "classification": self.classification,
            "followed": self.followed.as_dict() if self.followed else None,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict) -> InstabilityResult:
        followed = d["followed"]
        return cls(
            d["classification"], FollowedMode.from_dict(followed) if followed else None, d["note"]
        )


def follow_instability(
    ph: Phonopy,
    modes: ImaginaryModes,
    calculator: ModeCalculator,
    settings: RelaxSettings,
    workdir: Path,
) -> InstabilityResult:
    """Follow the imaginary mode the classification names (``modes.leading``: the lowest, or a
    commensurate one within a few mTHz of it) when there is one; modes that symmetrisation
    removed are noise and never listed."""
    lowest = modes.leading
    if lowest is None:
        return InstabilityResult(modes.classification, None, "no instability: nothing to follow")
    followed = follow_mode(ph, calculator, lowest, settings, workdir)
    if followed is None:
        q = ", ".join(f"{v:.3f}" for v in lowest.q_reduced)
        note = f"q = ({q}) needs a supercell of more than {MAX_REPETITIONS} cells along an axis"
        return InstabilityResult(modes.classification, None, note)
    return InstabilityResult(modes.classification, followed)
