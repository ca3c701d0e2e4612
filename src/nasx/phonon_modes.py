"""What the force constants say beyond F_vib: the acoustic sum rule and where imaginary modes sit.

A mode below the imaginary tolerance is located on the q-mesh and at Γ and the seven
zone-boundary points (½ or 0 along each reciprocal axis of the primitive cell), then classified:
an instability at Γ (a lower-symmetry structure in the same cell), at a zone-boundary point (a
supercell distortion), at a general q, or numerical noise that symmetrising removed. The mode
that names the instability is the lowest, unless that sits at a general q and a mode at Γ (else
at a zone-boundary point) lies within ``LEADING_MARGIN_THZ`` of it: on a flat soft branch the
mesh's lowest point can be a few mTHz below the commensurate one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from phonopy import Phonopy

SYMMETRIZATION_METHOD = "symfc projector (translational + permutation + space-group symmetry)"
ZONE_BOUNDARY = [q for q in itertools.product((0.0, 0.5), repeat=3) if any(q)]
MAX_MODES_LISTED = 12
LEADING_MARGIN_THZ = 0.02
"""A commensurate mode this close to a general-q lowest one names the instability (CHGNet's
Na2S5: Γ 1 mTHz above the mesh's lowest point; S8: 14 mTHz)."""


@dataclass(frozen=True)
class SumRule:
    """The acoustic-sum-rule violation of the force constants before and (where symmetrised)
    after symmetrisation: max |Σ_j Φ_ij| and max |ν| of the three acoustic modes at Γ."""

    symmetrized: bool
    method: str | None
    max_row_sum_before_eV_per_A2: float
    max_gamma_acoustic_before_THz: float
    max_row_sum_after_eV_per_A2: float | None = None
    max_gamma_acoustic_after_THz: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ImaginaryMode:
    """One mode below the tolerance: reduced q (primitive reciprocal basis), branch, ν."""

    q_reduced: tuple[float, float, float]
    branch: int
    frequency_THz: float
    location: str

    def as_dict(self) -> dict:
        return {**asdict(self), "q_reduced": list(self.q_reduced)}


@dataclass(frozen=True)
class ImaginaryModes:
    """The modes below ``tolerance_THz`` (lowest first, at most MAX_MODES_LISTED), how many
    there are on the mesh, how many symmetrisation removed, and what they are, in words."""

    tolerance_THz: float
    modes: tuple[ImaginaryMode, ...]
    n_mesh_modes: int
    n_removed_by_symmetrization: int
    classification: str

    @property
    def leading(self) -> ImaginaryMode | None:
        """The mode the classification names and ``--follow-instabilities`` follows."""
        return leading_mode(self.modes)

    def as_dict(self) -> dict:
        return {**asdict(self), "modes": [m.as_dict() for m in self.modes]}

    @classmethod
    def from_dict(cls, d: dict) -> ImaginaryModes:
        modes = tuple(
            ImaginaryMode(**{**m, "q_reduced": tuple(m["q_reduced"])}) for m in d["modes"]
        )
        return cls(**{**d, "modes": modes})


def max_row_sum_eV_per_A2(ph: Phonopy) -> float:
    """max over atoms i and components of |Σ_j Φ_ij| (zero for translation-invariant ones);
    full and compact force constants both sum over their second index."""
    return float(np.abs(np.asarray(ph.force_constants).sum(axis=1)).max())


def gamma_acoustic_THz(ph: Phonopy) -> float:
    """max |ν| of the three modes of smallest |ν| at Γ."""
    frequencies = _frequencies_at(ph, [(0.0, 0.0, 0.0)])[0]
    return float(np.sort(np.abs(frequencies))[:3].max())


def location(q: np.ndarray) -> str:
    """ "Γ", "zone boundary (½, 0, 0)" (any of the seven points), else "general q"."""
    q = np.asarray(q, dtype=float) % 1.0
    q = np.where(np.isclose(q, 1.0, atol=1e-6), 0.0, q)
    if np.allclose(q, 0.0, atol=1e-6):
        return "Γ"
    if np.allclose(q * 2, np.rint(q * 2), atol=1e-6):
        return "zone boundary (" + ", ".join("½" if v > 0.25 else "0" for v in q) + ")"
    return "general q"


def count_below(ph: Phonopy, tolerance_THz: float, exclude_gamma_acoustic: bool) -> int:
    """Modes below the tolerance on the mesh of ``ph`` (Γ acoustic modes left out if asked)."""
    return sum(
        len(_below(q, f, tolerance_THz, exclude_gamma_acoustic))
        for q, f in zip(ph.mesh.qpoints, ph.mesh.frequencies, strict=True)
    )


def imaginary_modes(
    ph: Phonopy, tolerance_THz: float, exclude_gamma_acoustic: bool, n_before: int | None
) -> ImaginaryModes:
    """The modes below ``tolerance_THz`` of ``ph`` (its mesh already run) on the mesh and at
    Γ and the zone-boundary points; ``n_before`` is the mesh count before symmetrisation
    (None: not symmetrised)."""
    special = [(0.0, 0.0, 0.0), *ZONE_BOUNDARY]
    found: dict[tuple, ImaginaryMode] = {}
    points = [(tuple(q), f) for q, f in zip(special, _frequencies_at(ph, special), strict=True)]
    points += [(tuple(q), f) for q, f in zip(ph.mesh.qpoints, ph.mesh.frequencies, strict=True)]
    for q, frequencies in points:
        for branch in _below(q, frequencies, tolerance_THz, exclude_gamma_acoustic):
            reduced = tuple(round(float(v) % 1.0, 6) % 1.0 for v in q)
            found.setdefault(
                (reduced, branch),
                ImaginaryMode(reduced, branch, float(frequencies[branch]), location(q)),
            )
    modes = sorted(found.values(), key=lambda m: m.frequency_THz)
    listed = modes[:MAX_MODES_LISTED]
    lead = leading_mode(modes)
    if lead is not None and lead not in listed:  # listed, so that it can be followed
        listed = [*listed[: MAX_MODES_LISTED - 1], lead]
    n_mesh = count_below(ph, tolerance_THz, exclude_gamma_acoustic)
    removed = 0 if n_before is None else max(0, n_before - n_mesh)
    return ImaginaryModes(
        tolerance_THz,
        tuple(listed),
        n_mesh,
        removed,
        _classification(modes, removed, tolerance_THz),
    )


def leading_mode(modes: Sequence[ImaginaryMode]) -> ImaginaryMode | None:
    """The lowest of ``modes`` (lowest first), or the lowest at Γ, else at a zone-boundary
    point, within ``LEADING_MARGIN_THZ`` of it when the lowest is at a general q."""
    if not modes:
        return None
    lowest = modes[0]
    if lowest.location != "general q":
        return lowest
    near = [m for m in modes if m.frequency_THz <= lowest.frequency_THz + LEADING_MARGIN_THZ]
    for kind in ("Γ", "zone boundary"):
        commensurate = [m for m in near if m.location.startswith(kind)]
        if commensurate:
            return commensurate[0]
    return lowest


def _frequencies_at(ph: Phonopy, qpoints: list[tuple]) -> np.ndarray:
    ph.run_qpoints(qpoints)
    return np.asarray(ph.qpoints.frequencies)


def _below(q, frequencies, tolerance_THz: float, exclude_gamma_acoustic: bool) -> list[int]:
    frequencies = np.asarray(frequencies)
    skip: set[int] = set()
    if exclude_gamma_acoustic and location(q) == "Γ":
        skip = {int(i) for i in np.argsort(np.abs(frequencies))[:3]}
    return [int(i) for i in np.flatnonzero(frequencies < tolerance_THz) if int(i) not in skip]


def _classification(modes: list[ImaginaryMode], removed: int, tolerance_THz: float) -> str:
    noise = (
        f"numerical noise: {removed} mesh mode(s) below {tolerance_THz:g} THz removed by "
        "symmetrising the force constants"
        if removed
        else ""
    )
    if not modes:
        return noise or "none: no mode below the tolerance"
    lowest = leading_mode(modes)
    if lowest is not modes[0]:
        q = ", ".join(f"{v:.3f}" for v in modes[0].q_reduced)
        tie = (
            f"; the mesh's lowest mode, {modes[0].frequency_THz:.3f} THz at ({q}), is within "
            f"{LEADING_MARGIN_THZ:g} THz of it"
        )
    else:
        tie = ""
    if lowest.location == "Γ":
        what = (
            f"instability at Γ ({lowest.frequency_THz:.3f} THz, branch {lowest.branch}): "
            f"a lower-symmetry structure within the same cell{tie}"
        )
    elif lowest.location.startswith("zone boundary"):
        what = (
            f"instability at the {lowest.location} point ({lowest.frequency_THz:.3f} THz, "
            f"branch {lowest.branch}): a supercell distortion{tie}"
        )
    else:
        q = ", ".join(f"{v:.3f}" for v in lowest.q_reduced)
        what = (
            f"instability at a general q ({q}) ({lowest.frequency_THz:.3f} THz, "
            f"branch {lowest.branch}): an incommensurate distortion or too small a supercell"
        )
    return f"{what}; {noise}" if noise else what
