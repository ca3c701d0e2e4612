"""The Γ-point phonons of a phase: frequencies, irreducible representations (phonopy's) and
their Raman and IR activity by symmetry.

phonopy (``Phonopy.run_irreps``) gives each set of degenerate modes at Γ its characters over
the point group and, where its character tables have one, the Mulliken label. The activity
follows from the characters alone (the selection rules of group theory, e.g. Wilson, Decius &
Cross, *Molecular Vibrations*, 1955, ch. 7): a representation Γ is

- IR-active when it occurs in the vector representation (x, y, z), whose character is
  χ_v(R) = tr R;
- Raman-active when it occurs in the symmetric square of the vector representation (the
  quadratic functions x², xy, …, the polarisability tensor), χ_s(R) = [(tr R)² + tr R²] / 2;

with the multiplicity of Γ in a representation χ being (1/|G|) Σ_R χ_Γ(R)* χ(R). The trace of
a rotation does not depend on the basis, so phonopy's integer rotations serve as they are. No
table of basis functions is needed, and a set phonopy cannot label still gets its activity.

Frequencies are the analytic part at q = 0 (no LO–TO splitting: TO for polar modes); the three
acoustic modes are marked. Computed here for comparison with measured lines only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from phonopy import Phonopy
from phonopy.phonon.irreps import IrRepLabels, IrReps

CM_PER_THZ = 33.35641
"""1 THz = 33.35641 cm⁻¹ (c = 299 792 458 m/s)."""
DEGENERACY_TOLERANCE_THZ = 1e-3
"""Where phonopy's symmetry-adapted modes fail: modes closer than this form one degenerate set
(symmetrised force constants keep true degeneracies far tighter)."""
ACOUSTIC_TOLERANCE_CM = 5.0
"""The three lowest modes at Γ count as acoustic when within this of zero."""


@dataclass(frozen=True)
class GammaMode:
    """One set of degenerate modes at Γ: frequency (cm⁻¹), how many modes, its irreducible
    representation (phonopy's label; None where its tables have none) and activity."""

    frequency_per_cm: float
    degeneracy: int
    irrep: str | None
    raman_active: bool
    ir_active: bool
    acoustic: bool = False


@dataclass(frozen=True)
class GammaModes:
    """The Γ-point modes of one phase, lowest first, with the point group they belong to."""

    point_group: str
    modes: list[GammaMode]
    note: str = ""

    def raman_per_cm(self) -> list[float]:
        """The frequencies of the Raman-active optical sets (cm⁻¹)."""
        return [m.frequency_per_cm for m in self.modes if m.raman_active and not m.acoustic]

    def ir_per_cm(self) -> list[float]:
        """The frequencies of the IR-active optical sets (cm⁻¹)."""
        return [m.frequency_per_cm for m in self.modes if m.ir_active and not m.acoustic]


def gamma_modes(ph: Phonopy) -> GammaModes:
    """The Γ modes of ``ph`` (force constants produced) with irreps and activity by symmetry."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # degenerate sets from the symmetry, so accidental near-degeneracies stay apart
            irreps = ph.run_irreps([0, 0, 0], symmetry_adapted=True)
        except (NotImplementedError, ValueError, RuntimeError):
            irreps = ph.run_irreps([0, 0, 0], degeneracy_tolerance=DEGENERACY_TOLERANCE_THZ)
    rotations = np.asarray(irreps.conventional_rotations, dtype=float)
    vector, quadratic = _vector_and_quadratic(rotations)
    point_group = str(ph.primitive_symmetry.pointgroup_symbol).strip()
    labels = _labels(irreps, point_group)
    frequencies = np.asarray(irreps.frequencies, dtype=float) * CM_PER_THZ
    acoustic = set(int(i) for i in np.argsort(np.abs(frequencies))[:3])
    acoustic = {i for i in acoustic if abs(frequencies[i]) < ACOUSTIC_TOLERANCE_CM}
    modes = []
    for i, bands in enumerate(irreps.band_indices):
        characters = np.asarray(irreps.characters[i])
        modes.append(
            GammaMode(
                frequency_per_cm=round(float(np.mean(frequencies[bands])), 2),
                degeneracy=len(bands),
                irrep=labels[i],
                raman_active=multiplicity(characters, quadratic) > 0.5,
                ir_active=multiplicity(characters, vector) > 0.5,
                acoustic=all(b in acoustic for b in bands),
            )
        )
    unlabelled = sum(m.irrep is None for m in modes)
    note = (
        f"{unlabelled} of {len(modes)} degenerate sets have no label in phonopy's tables "
        "(an accidental degeneracy or a group without a table); their activity is from "
        "their characters"
        if unlabelled
        else ""
    )
    return GammaModes(point_group, modes, note)


def multiplicity(characters: np.ndarray, representation: np.ndarray) -> float:
    """How often the representation of ``characters`` occurs in ``representation`` (both
    characters over the same group elements): (1/|G|) Σ_R χ(R)* χ_rep(R)."""
    return float(np.real(np.vdot(characters, representation)) / len(representation))


def _vector_and_quadratic(rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Characters of the vector representation and of its symmetric square."""
    traces = np.einsum("rii->r", rotations)
    squares = np.einsum("rij,rji->r", rotations, rotations)
    return traces, (traces**2 + squares) / 2


def _labels(irreps: IrReps, point_group: str) -> list[str | None]:
    """phonopy's Mulliken labels of the degenerate sets (None: no table, or no match)."""
    try:
        return list(
            IrRepLabels(
                irreps.characters, irreps.conventional_rotations, point_group, False
            ).irrep_labels
        )
    except RuntimeError:  # phonopy has no character table for this point group
        return [None] * len(irreps.band_indices)
