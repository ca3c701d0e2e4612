"""The inputs of the quasi-harmonic analysis (``qha``): one ``VolumePoint`` per volume of a phase,
the temperature grid they share, and the checks that they are what they claim to be, per atom in
eV and eV/K (``input_problem``).

phonopy's kJ/mol and J/K/mol become eV/atom and eV/K/atom in one place, ``nasx.phonons``;
``VolumePoint.from_phonopy`` goes through it. A value that slipped past it (kJ/mol, J/K/mol, per
cell instead of per atom) is caught here by physics rather than magnitude alone: a harmonic Cv
above 3 k_B per atom, a free energy whose change is not −∫S dT, a zero-point energy outside
0–1 eV/atom, a volume outside 2–200 Å³/atom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from phonopy import Phonopy

from nasx.phonons import ThermalProperties, thermal_properties
from nasx.settings import PhononSettings
from nasx.units import K_B_EV_PER_K

if TYPE_CHECKING:
    from nasx.analysis.readers.records import PhononInput

GRID_STEP_K = 10.0
MAX_ZPE_EV_PER_ATOM = 1.0
VOLUME_RANGE_A3_PER_ATOM = (2.0, 200.0)
CV_LIMIT_EV_PER_K = 3 * K_B_EV_PER_K * (1 + 1e-3)
"""Harmonic Cv per atom never exceeds 3 k_B (Dulong–Petit); 0.1 % for phonopy's constants."""
FS_TOLERANCE = 0.1
"""Largest mismatch of ΔF and −∫S dT, relative to the largest ΔF (a kJ/mol F is off 96×)."""


@dataclass(frozen=True)
class VolumePoint:
    """One volume of a phase: its fixed-volume relaxed electronic energy and harmonic thermal
    properties per atom on ``temperatures_K`` (ascending from 0 K; F includes the zero-point
    energy), and the number of modes below the imaginary tolerance (0: none)."""

    volume_A3_per_atom: float
    energy_eV_per_atom: float
    temperatures_K: tuple[float, ...]
    free_energy_eV_per_atom: tuple[float, ...]
    entropy_eV_per_K_per_atom: tuple[float, ...]
    heat_capacity_eV_per_K_per_atom: tuple[float, ...]
    imaginary_modes: int = 0
    min_frequency_THz: float | None = None
    imaginary_tolerance_THz: float | None = None
    """The tolerance ``imaginary_modes`` were counted below (for messages)."""
    label: str = ""
    """Where the point came from (e.g. a directory), for messages."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "volume_A3_per_atom", float(self.volume_A3_per_atom))
        object.__setattr__(self, "energy_eV_per_atom", float(self.energy_eV_per_atom))
        object.__setattr__(self, "imaginary_modes", int(self.imaginary_modes))
        for name in ("temperatures_K", "free_energy_eV_per_atom", "entropy_eV_per_K_per_atom"):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        capacity = tuple(float(v) for v in self.heat_capacity_eV_per_K_per_atom)
        object.__setattr__(self, "heat_capacity_eV_per_K_per_atom", capacity)

    @classmethod
    def from_thermal(
        cls,
        volume_A3_per_atom: float,
        energy_eV_per_atom: float,
        thermal: ThermalProperties,
        label: str = "",
    ) -> VolumePoint:
        """From nasx's harmonic thermal properties of the cell at this volume."""
        modes = thermal.imaginary_modes
        if modes is not None:  # on the mesh, or only at Γ and the zone-boundary points
            count, tolerance = max(modes.n_mesh_modes, len(modes.modes)), modes.tolerance_THz
        else:  # an older record: the fraction alone, so at least one
            count, tolerance = (1 if thermal.imaginary_fraction > 0 else 0), None
        return cls(
            float(volume_A3_per_atom),
            float(energy_eV_per_atom),
            tuple(thermal.temperatures_K),
            tuple(thermal.free_energy_eV_per_atom),
            tuple(thermal.entropy_eV_per_K_per_atom),
            tuple(thermal.heat_capacity_eV_per_K_per_atom),
            count,
            thermal.min_frequency_THz,
            tolerance,
            label,
        )

    @classmethod
    def from_phonopy(
        cls,
        ph: Phonopy,
        energy_eV: float,
        n_atoms: int,
        temperatures_K: Sequence[float],
        settings: PhononSettings,
        *,
        forces_eV_per_A: Sequence[np.ndarray] | None = None,
        symmetrize_fc: bool = False,
        label: str = "",
    ) -> VolumePoint:
        """From phonopy at this volume, ``energy_eV`` the electronic energy of a cell of
        ``n_atoms`` atoms at the same volume. Thermal properties by
        ``nasx.phonons.thermal_properties``, as for the phase's harmonic F_vib: from
        ``forces_eV_per_A`` (symmetrised as ``symmetrize_fc`` says), else from the force
        constants on ``ph``, else from the forces in its dataset."""
        if forces_eV_per_A is None and ph.force_constants is None:
            ph.produce_force_constants()
        forces = None if forces_eV_per_A is None else list(forces_eV_per_A)
        thermal = thermal_properties(ph, forces, list(temperatures_K), settings, symmetrize_fc)
        volume = float(ph.primitive.volume) / len(ph.primitive)
        return cls.from_thermal(volume, energy_eV / n_atoms, thermal, label)

    @classmethod
    def from_phonon_input(
        cls,
        data: PhononInput,
        energy_eV: float,
        n_atoms: int,
        temperatures_K: Sequence[float],
        label: str = "",
    ) -> VolumePoint:
        """From a phonon set as nasx's readers give it (its settings and symmetrisation)."""
        return cls.from_phonopy(
            data.phonopy, energy_eV, n_atoms, temperatures_K, data.settings,
            forces_eV_per_A=data.forces_eV_per_A, symmetrize_fc=data.symmetrize_fc,
            label=label or data.source,
        )  # fmt: skip


def temperature_grid(
    temperatures_K: Sequence[float], step_K: float = GRID_STEP_K
) -> tuple[float, ...]:
    """0, step, 2·step, … past the highest of ``temperatures_K``, with each T and T ± step
    added: the grid ``quasi_harmonic`` needs to report at every one of ``temperatures_K``."""
    top = max([0.0, *temperatures_K]) + step_K
    grid = {round(float(t), 6) for t in np.arange(0.0, top + step_K / 2, step_K)}
    for t in temperatures_K:
        grid |= {round(float(t) + d, 6) for d in (-step_K, 0.0, step_K) if t + d >= 0}
    return tuple(sorted(grid))


def input_problem(points: Sequence[VolumePoint]) -> str | None:
    """Why these points cannot be used at all, in a few words (None: they can)."""
    if not points:
        return "no volume points"
    grid = points[0].temperatures_K
    if len(grid) < 3 or grid[0] != 0 or np.any(np.diff(grid) <= 0):
        return "the temperature grid must ascend from 0 K with at least 3 temperatures"
    if np.any(np.diff(sorted(p.volume_A3_per_atom for p in points)) <= 1e-9):
        return "two volume points share a volume"
    for p in points:
        where = f"volume {p.volume_A3_per_atom:.4g} Å³/atom{f' ({p.label})' if p.label else ''}"
        series = (p.free_energy_eV_per_atom, p.entropy_eV_per_K_per_atom,
                  p.heat_capacity_eV_per_K_per_atom)  # fmt: skip
        if p.temperatures_K != grid or any(len(s) != len(grid) for s in series):
            return f"{where}: its temperatures differ from the first point's"
        values = [p.volume_A3_per_atom, p.energy_eV_per_atom, *[v for s in series for v in s]]
        if not all(math.isfinite(v) for v in values):
            return f"{where}: a value is not finite"
        problem = _units_problem(p, np.array(grid), *map(np.array, series))
        if problem:
            return f"{where}: {problem} (not in eV/atom and eV/K/atom?)"
    return None


def _units_problem(p: VolumePoint, grid, free, entropy, capacity) -> str | None:
    lo, hi = VOLUME_RANGE_A3_PER_ATOM
    if not lo <= p.volume_A3_per_atom <= hi:
        return f"volume outside {lo:g}–{hi:g} Å³/atom"
    if capacity.max() > CV_LIMIT_EV_PER_K:
        return f"Cv {capacity.max():.4g} eV/K/atom above 3 k_B = {3 * K_B_EV_PER_K:.4g}"
    if not 0 <= free[0] <= MAX_ZPE_EV_PER_ATOM:
        return f"zero-point energy F(0 K) = {free[0]:.4g} eV/atom outside 0–{MAX_ZPE_EV_PER_ATOM:g}"
    step = np.diff(free)
    mismatch = np.abs(step + 0.5 * (entropy[1:] + entropy[:-1]) * np.diff(grid)).max()
    if mismatch > FS_TOLERANCE * np.abs(step).max() + 1e-9:
        return "F and S disagree: ΔF ≠ −∫S dT"
    return None
