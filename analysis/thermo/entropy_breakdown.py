"""Where a phase's harmonic entropy at 298.15 K sits: by frequency band, and for a crystal of
molecules, between the molecules' rigid-body motions and their internal vibrations.

Each mode (q, j) of the thermal sums' q-mesh, with the same imaginary-mode policy and Γ
acoustic treatment, adds its weight times k_B [x/(eˣ − 1) − ln(1 − e⁻ˣ)], x = hν/k_BT; the
bands and the split add up to the phase's S(298.15 K).

Molecules are the connected groups of bonded atoms, a bond being two non-metal atoms closer
than ``BOND_FACTOR`` × the sum of their covalent radii (pymatgen's covalent radii; S–S: 2.42 Å; α-S8's bonds are 2.05 Å,
its closest intermolecular S–S distance 3.3 Å). A group that bonds to its own periodic image
(a chain, a layer, a network) is no molecule, and then no split is made; atoms in no bond
(Na⁺ in a polysulfide) are rigid units of one atom (three translations). Each mode's weight on
the rigid-body motions of the units, Σ_b |⟨b|e_qj⟩|² over an orthonormal basis b of the
units' translations and rotations at q, splits its entropy into "external" (rigid units,
intermolecular) and "internal" (intramolecular). The basis uses phonopy's phase convention
(u(lκ) ∝ e_κ exp(iq·r(lκ)) with r the atomic position): a rigid motion of a unit with centre
of mass R at q is e_κ ∝ √m_κ v_κ exp(iq·(R − r_κ)), r_κ the atom's position in that unit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from phonopy import Phonopy
from phonopy.phonon.thermal_properties import gamma_acoustic_bands
from phonopy.physical_units import get_physical_units
from pymatgen.analysis.molecule_structure_comparator import CovalentRadius
from pymatgen.core import Element, Structure

from nasx.analysis.document_sections import Omittable

BAND_EDGES_THZ = (0.0, 1.0, 2.0, 4.0, 8.0)
"""Lower edges of the frequency bands; the last band is open above."""
BOND_FACTOR = 1.15
"""Two non-metal atoms are bonded when closer than this × the sum of their covalent radii."""
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
Q_BATCH = 64
"""q-points whose eigenvectors are held at once."""


@dataclass(frozen=True, kw_only=True)
class EntropyBand:
    """The entropy (J/(mol·K) per atom) of the modes with lower_THz < ν ≤ upper_THz."""

    lower_THz: float
    upper_THz: float | None
    """None: no upper bound."""
    entropy_J_per_mol_K_per_atom: float
    modes_per_atom: float
    """How many modes per atom the band holds (3 over all bands, less any left out)."""
    external_J_per_mol_K_per_atom: Omittable[float] = None
    """The part from the molecules' rigid-body motions (molecular crystals only)."""
    external_modes_per_atom: Omittable[float] = None
    """How many of ``modes_per_atom`` are rigid-body motions (molecular crystals only)."""


@dataclass(frozen=True, kw_only=True)
class EntropyBreakdown:
    """A phase's harmonic S at ``temperature_K`` by frequency band and, where molecules are
    found, split into rigid-unit (external) and intramolecular (internal) motion."""

    temperature_K: float
    entropy_J_per_mol_K_per_atom: float
    bands: list[EntropyBand]
    molecule_sizes: Omittable[list[int]] = None
    """Atoms per molecule in the primitive cell (absent: no molecule found)."""
    external_J_per_mol_K_per_atom: Omittable[float] = None
    internal_J_per_mol_K_per_atom: Omittable[float] = None
    external_modes_per_atom: Omittable[float] = None
    """The rigid-unit modes per atom (6 per molecule, 5 if linear, 3 per lone atom)."""

    @classmethod
    def from_dict(cls, d: dict) -> EntropyBreakdown:
        return cls(**{**d, "bands": [EntropyBand(**b) for b in d["bands"]]})


@dataclass(frozen=True)
class RigidUnit:
    """One molecule (or lone atom) of the primitive cell: its atoms' indices and their
    positions in fractional coordinates, unwrapped so the unit is whole."""

    atoms: list[int]
    fractional: np.ndarray


def rigid_units(structure: Structure) -> list[RigidUnit] | None:
    """The molecules and lone atoms of ``structure`` (its periodic cell), or None where no
    molecule of two or more atoms is found or a bonded group is extended (a chain, a layer)."""
    symbols = [site.specie.symbol for site in structure]
    nonmetal = [not Element(el).is_metal for el in symbols]
    radii = [float(CovalentRadius.radius.get(el, 1.5)) for el in symbols]
    cutoff = BOND_FACTOR * 2 * max(radii)
    centres, neighbours, images, distances = structure.get_neighbor_list(cutoff)
    bonds: dict[int, list[tuple[int, np.ndarray]]] = {i: [] for i in range(len(structure))}
    for i, j, image, d in zip(centres, neighbours, images, distances, strict=True):
        if nonmetal[i] and nonmetal[j] and d < BOND_FACTOR * (radii[i] + radii[j]):
            bonds[int(i)].append((int(j), np.asarray(image, dtype=float)))
    frac = structure.frac_coords
    placed: dict[int, np.ndarray] = {}
    units = []
    for start in range(len(structure)):
        if start in placed:
            continue
        placed[start], members, stack = frac[start], [start], [start]
        while stack:
            i = stack.pop()
            for j, image in bonds[i]:
                position = placed[i] + frac[j] + image - frac[i]
                if j not in placed:
                    placed[j] = position
                    members.append(j)
                    stack.append(j)
                elif np.abs(placed[j] - position).max() > 1e-6:
                    return None  # bonded to its own image: extended, not a molecule
        members.sort()
        units.append(RigidUnit(members, np.array([placed[i] for i in members])))
    if all(len(u.atoms) == 1 for u in units):
        return None
    return units


def rigid_basis(unit: RigidUnit, lattice: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Orthonormal mass-weighted translations and rotations of ``unit`` at q = 0, as columns
    over its atoms' 3n coordinates (six, five for a linear unit, three for one atom)."""
    cartesian = unit.fractional @ lattice
    m = masses[unit.atoms]
    arm = cartesian - (m[:, None] * cartesian).sum(axis=0) / m.sum()
    root = np.sqrt(m)[:, None]
    vectors = []
    for axis in np.eye(3):
        vectors.append((root * np.broadcast_to(axis, arm.shape)).ravel())
        vectors.append((root * np.cross(axis, arm)).ravel())
    u, singular, _ = np.linalg.svd(np.array(vectors).T, full_matrices=False)
    return u[:, singular > 1e-6 * singular.max()]


def rigid_weights(
    eigenvectors: np.ndarray,
    q_reduced: np.ndarray,
    units: Sequence[RigidUnit],
    bases: Sequence[np.ndarray],
) -> np.ndarray:
    """Each mode's weight (0–1) on the units' rigid-body motions at ``q_reduced`` (phonopy's
    eigenvectors as columns, its phase convention)."""
    weights = np.zeros(eigenvectors.shape[1])
    for unit, basis in zip(units, bases, strict=True):
        phase = np.exp(-2j * np.pi * (unit.fractional @ np.asarray(q_reduced, dtype=float)))
        rows = (3 * np.asarray(unit.atoms)[:, None] + np.arange(3)).ravel()
        projected = (basis * np.repeat(phase, 3)[:, None]).conj().T @ eigenvectors[rows, :]
        weights += (np.abs(projected) ** 2).sum(axis=0)
    return weights


def mode_entropy_J_per_mol_K(frequencies_THz: np.ndarray, temperature_K: float) -> np.ndarray:
    """k_B [x/(eˣ − 1) − ln(1 − e⁻ˣ)] per mode in J/(mol·K); 0 for ν ≤ 0 (left out)."""
    units = get_physical_units()
    nu = np.asarray(frequencies_THz, dtype=float)
    positive = nu > 0
    x = np.where(positive, nu, 1.0) * units.THzToEv / (units.KB * temperature_K)
    with np.errstate(over="ignore"):  # x/(eˣ − 1) → 0 for a mode far above k_BT
        s = units.KB * (x / np.expm1(x) - np.log(-np.expm1(-x))) * units.EvTokJmol * 1000
    return np.where(positive, s, 0.0)


def entropy_breakdown(
    ph: Phonopy,
    temperature_K: float,
    pretend_real: bool,
    exclude_gamma_acoustic: bool,
    edges_THz: Sequence[float] = BAND_EDGES_THZ,
) -> EntropyBreakdown:
    """The breakdown of ``ph``'s S(``temperature_K``) on its current mesh (``run_mesh`` done),
    with phonopy's treatment of imaginary and Γ acoustic modes; ``ph.mesh`` is left as it is."""
    mesh = ph.mesh
    frequencies = np.array(mesh.frequencies, dtype=float)
    if pretend_real:
        frequencies = np.abs(frequencies)
    index, bands = gamma_acoustic_bands(mesh)
    if exclude_gamma_acoustic and index is not None:
        frequencies[index, bands] = 0.0
    weights = np.asarray(mesh.weights, dtype=float)
    per_atom = weights[:, None] / weights.sum() / len(ph.primitive)
    entropy = mode_entropy_J_per_mol_K(frequencies, temperature_K) * per_atom
    counted = (frequencies > 0) * per_atom
    primitive = ph.primitive
    structure = Structure(primitive.cell, primitive.symbols, primitive.scaled_positions)
    units = rigid_units(structure)
    external = None
    if units is not None:
        lattice, masses = np.asarray(primitive.cell), np.asarray(primitive.masses)
        bases = [rigid_basis(u, lattice, masses) for u in units]
        external = _external_weights(ph, mesh.qpoints, units, bases)
    edges = [*edges_THz, math.inf]
    band_list = []
    for lower, upper in itertools.pairwise(edges):
        inside = (frequencies > lower) & (frequencies <= upper)
        band_list.append(
            EntropyBand(
                lower_THz=lower,
                upper_THz=None if math.isinf(upper) else upper,
                entropy_J_per_mol_K_per_atom=float((entropy * inside).sum()),
                modes_per_atom=float((counted * inside).sum()),
                external_J_per_mol_K_per_atom=(
                    None if external is None else float((entropy * external * inside).sum())
                ),
                external_modes_per_atom=(
                    None if external is None else float((counted * external * inside).sum())
                ),
            )
        )
    total = float(entropy.sum())
    if external is None:
        return EntropyBreakdown(
            temperature_K=temperature_K, entropy_J_per_mol_K_per_atom=total, bands=band_list
        )
    outside = float((entropy * external).sum())
    return EntropyBreakdown(
        temperature_K=temperature_K,
        entropy_J_per_mol_K_per_atom=total,
        bands=band_list,
        molecule_sizes=[len(u.atoms) for u in units if len(u.atoms) > 1],
        external_J_per_mol_K_per_atom=outside,
        internal_J_per_mol_K_per_atom=total - outside,
        external_modes_per_atom=float(sum(b.shape[1] for b in bases)) / len(primitive),
    )


def _external_weights(
    ph: Phonopy, qpoints: np.ndarray, units: list[RigidUnit], bases: list[np.ndarray]
) -> np.ndarray:
    """Each mesh mode's rigid-unit weight, the eigenvectors computed a batch of q at a time."""
    out = np.zeros((len(qpoints), 3 * len(ph.primitive)))
    for start in range(0, len(qpoints), Q_BATCH):
        batch = np.asarray(qpoints[start : start + Q_BATCH])
        ph.run_qpoints(batch, with_eigenvectors=True)
        for k, (q, vectors) in enumerate(zip(batch, ph.qpoints.eigenvectors, strict=True)):
            out[start + k] = rigid_weights(vectors, q, units, bases)
    return out


def force_constant_factor(excess_J_per_mol_K_per_atom: float, heat_capacity: float) -> float:
    """The factor s on every force constant (every ν × √s) that changes S by −excess to first
    order, ΔS = −(C/2) ln s: with C = 3R per atom the classical limit, −(3/2) k_B ln s."""
    return math.exp(-2 * excess_J_per_mol_K_per_atom / heat_capacity)


@dataclass(frozen=True, kw_only=True)
class EntropyExcess:
    """What uniformly too-soft force constants would have to be to explain computed − measured
    S(298.15 K) per atom: every force constant × s (every ν × √s) changes S by −(C/2) ln s."""

    excess_J_per_mol_K_per_atom: float
    """computed − measured S(298.15 K)."""
    uniform_factor_classical: float
    """s with −(3/2) R ln s = excess (C = 3R: the classical limit)."""
    uniform_factor: float
    """s with −(Cv/2) ln s = excess, Cv the computed Cv(298.15 K) (first order in ln s)."""
    external_factor_classical: Omittable[float] = None
    """s on the molecules' rigid-body modes alone, −(n/2) R ln s = excess, n their number per
    atom (molecular crystals only)."""


def entropy_excess(
    breakdown: EntropyBreakdown, measured_J_per_mol_K_per_atom: float, heat_capacity: float
) -> EntropyExcess:
    """The softening factors that would explain ``breakdown``'s S − the measured S°."""
    excess = breakdown.entropy_J_per_mol_K_per_atom - measured_J_per_mol_K_per_atom
    external = breakdown.external_modes_per_atom
    return EntropyExcess(
        excess_J_per_mol_K_per_atom=excess,
        uniform_factor_classical=force_constant_factor(excess, 3 * GAS_CONSTANT_J_PER_MOL_K),
        uniform_factor=force_constant_factor(excess, heat_capacity),
        external_factor_classical=(
            force_constant_factor(excess, external * GAS_CONSTANT_J_PER_MOL_K) if external else None
        ),
    )
