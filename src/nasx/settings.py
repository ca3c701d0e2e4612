"""Settings of a study: how to relax, how to compute phonons, and how to analyse.

Each settings object has two forms: ``to_document()``, the plain dict written to run.json and
results.json, and ``as_dict()``, the same with monty's class tags, so it travels inside a
Firework spec as an object (MSONable) and comes back as one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from monty.json import MSONable

from nasx import defaults
from nasx.qha_settings import QhaSettings


class _Settings(MSONable):
    """MSONable through the plain document form."""

    def to_document(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_document(cls, d: dict) -> Any:
        return cls(**d)

    def as_dict(self) -> dict:
        return {
            "@module": type(self).__module__,
            "@class": type(self).__name__,
            **self.to_document(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Any:
        return cls.from_document({k: v for k, v in d.items() if not k.startswith("@")})


def normalized_temperatures(temperatures_K: Iterable[float]) -> tuple[float, ...]:
    """The temperatures of F_vib: sorted, unique, without 0 K (always reported anyway)."""
    return tuple(sorted({float(t) for t in temperatures_K} - {0.0}))


@dataclass(frozen=True)
class RelaxSettings(_Settings):
    """How to relax: cell and positions with the space group held.

    ``fmax_eV_per_A`` bounds the residual force (and, through the cell filter, the stress ×
    volume); ``max_steps`` is the step limit after which the relaxation is reported unconverged.
    ``symprec`` None relaxes without the symmetry constraint (mode following only).
    ``constant_volume`` relaxes the cell's shape at its given volume (a QHA volume; VASP's
    ISIF = 4); it is written only when set, so run.json keeps its form.
    """

    fmax_eV_per_A: float = defaults.FMAX_EV_PER_A
    max_steps: int = defaults.MAX_STEPS
    relax_cell: bool = True
    symprec: float | None = defaults.RELAX_SYMPREC_A
    constant_volume: bool = False

    def to_document(self) -> dict:
        document = asdict(self)
        if not self.constant_volume:
            del document["constant_volume"]
        return document


@dataclass(frozen=True)
class PhononSettings(_Settings):
    """Finite-displacement settings.

    The supercell is the smallest diagonal multiple of the conventional cell whose every height
    (distance between opposite faces) is at least ``min_length_A``; ``supercells`` overrides it
    per phase id. ``symprec`` is phonopy's tolerance for the displacements of the (already
    symmetrised) cell. ``mesh_length_A`` sets phonopy's q-mesh density (its length-based mesh).
    Modes below ``imaginary_tolerance_THz`` count as imaginary and are reported; what enters
    F_vib is ``imaginary_policy``.
    """

    min_length_A: float = defaults.MIN_SUPERCELL_LENGTH_A
    supercells: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    displacement_A: float = defaults.DISPLACEMENT_A
    symprec: float = defaults.PHONOPY_SYMPREC
    mesh_length_A: float = defaults.MESH_LENGTH_A
    imaginary_tolerance_THz: float = defaults.IMAGINARY_TOLERANCE_THZ
    exclude_gamma_acoustic: bool | None = None
    """Leave the three acoustic modes at Γ out of the thermal sums: their frequencies are zero
    up to noise, and kT ln(1 − e^(−hν/kT)) diverges there (phonopy's recommendation). None:
    decided by the calculator (yes for translationally invariant models)."""
    imaginary_policy: str = defaults.IMAGINARY_POLICY
    """"flag": imaginary modes are left out of F_vib (phonopy sums only ν > 0) and reported;
    "pretend_real": |ν| enters F_vib instead."""

    @property
    def symmetrize_fc(self) -> bool:
        """Impose translational and permutation symmetry on the force constants (symfc's
        projector, as ``phonopy.load`` does): for the sets whose Γ acoustic modes are zero, i.e.
        of a translation-invariant model (CHGNet, VASP); the stub's springs keep their closed form."""
        return bool(self.exclude_gamma_acoustic)

    def supercell_for(
        self, phase_id: str, conventional_lattice: np.ndarray
    ) -> tuple[int, int, int]:
        """Repetitions of the conventional cell (rows of ``conventional_lattice``, Å)."""
        if phase_id in self.supercells:
            return tuple(int(n) for n in self.supercells[phase_id])
        lattice = np.asarray(conventional_lattice, dtype=float)
        volume = abs(np.linalg.det(lattice))
        heights = [
            volume / np.linalg.norm(np.cross(lattice[(i + 1) % 3], lattice[(i + 2) % 3]))
            for i in range(3)
        ]
        return tuple(max(1, math.ceil(self.min_length_A / h - 1e-9)) for h in heights)

    def to_document(self) -> dict:
        return {
            "min_length_A": self.min_length_A,
            "supercells": {k: list(v) for k, v in self.supercells.items()},
            "displacement_A": self.displacement_A,
            "symprec": self.symprec,
            "mesh_length_A": self.mesh_length_A,
            "imaginary_tolerance_THz": self.imaginary_tolerance_THz,
            "imaginary_policy": self.imaginary_policy,
            "exclude_gamma_acoustic": self.exclude_gamma_acoustic,
        }

    @classmethod
    def from_document(cls, d: dict) -> PhononSettings:
        supercells = {k: tuple(v) for k, v in d.get("supercells", {}).items()}
        return cls(**{**d, "supercells": supercells})


@dataclass(frozen=True)
class AnalysisOptions(_Settings):
    """What only the analysis depends on: changing it on a rerun redoes the analysis alone.

    ``bypass`` None: the study's default (Na2S2 for Na–S)."""

    temperatures_K: tuple[float, ...] = defaults.TEMPERATURES_K
    bypass: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "temperatures_K", normalized_temperatures(self.temperatures_K))
        if self.bypass is not None:
            object.__setattr__(self, "bypass", tuple(self.bypass))

    def to_document(self) -> dict:
        return {
            "temperatures_K": list(self.temperatures_K),
            "bypass": None if self.bypass is None else list(self.bypass),
        }


@dataclass(frozen=True)
class RunSettings:
    """Everything a study is computed and analysed with. ``analysis`` may change on a rerun; the
    rest fixes the calculations of a run directory.

    ``convergence_phases`` repeat their phonons in a supercell of at least
    ``convergence_length_A`` (default 1.5 × the main minimum length) to report how F_vib moves.
    ``follow_instabilities`` enters the calculation key only when set, so the run directories
    made before it existed keep their key.
    """

    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    relax: RelaxSettings = field(default_factory=RelaxSettings)
    phonons: PhononSettings = field(default_factory=PhononSettings)
    convergence_phases: tuple[str, ...] = ()
    convergence_length_A: float | None = None
    follow_instabilities: bool = False
    """Follow each phase's lowest unstable mode to the lower-symmetry structure it leads to."""
    qha: QhaSettings | None = None
    """The volumes of the quasi-harmonic study (None: harmonic only); in the calculation key
    only when set."""

    def for_calculator(self, translation_invariant: bool) -> RunSettings:
        """Settings adapted to the model: Γ acoustic modes are only zero for a translationally
        invariant one (not for the stub's springs to fixed sites)."""
        if self.phonons.exclude_gamma_acoustic is not None:
            return self
        phonons = replace(self.phonons, exclude_gamma_acoustic=translation_invariant)
        return replace(self, phonons=phonons)

    def convergence_settings(self) -> PhononSettings:
        length = self.convergence_length_A or (
            defaults.CONVERGENCE_LENGTH_FACTOR * self.phonons.min_length_A
        )
        return replace(self.phonons, min_length_A=length, supercells={})

    def calculation_key(self) -> dict:
        """What a run directory's finished calculations depend on (as run.json records it)."""
        return {
            "relax_settings": self.relax.to_document(),
            "phonon_settings": self.phonons.to_document(),
            "convergence_phases": sorted(self.convergence_phases),
            "convergence_settings": self.convergence_settings().to_document()
            if self.convergence_phases
            else None,
            **({"follow_instabilities": True} if self.follow_instabilities else {}),
            **({"qha": self.qha.to_document()} if self.qha is not None else {}),
        }
