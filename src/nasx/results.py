"""What a calculation gives back: a relaxation and the forces on one fixed structure.

These records cross every seam: calculators return them, jobs store them (``as_dict``), and
the readers of finished calculations rebuild them (``from_dict``, or from VASP outputs in
``nasx.analysis.readers.vasp``). Energies are eV per cell, forces eV/Å, stresses GPa.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pymatgen.core import Structure

SUMMARY_KEYS = ("energy_eV", "max_force_eV_per_A", "max_stress_GPa", "steps", "converged")

MAX_ABS_ENERGY_EV_PER_ATOM = 1000.0
"""Largest |total energy| per atom (eV/atom) a calculation may report. VASP's PAW energies
(relative to the isolated PAW atoms) and the ML models trained on them lie within a few tens of
eV/atom; a number beyond this is corrupt (VASP's ``****``, a bit flip, an edited file)."""
MAX_ABS_FORCE_EV_PER_A = 1000.0
"""Largest |force| on an atom (eV/Å) a calculation may report. Two atoms pushed to half their
bond length feel tens of eV/Å; beyond this a number is corrupt and would give absurd phonons."""


def unphysical(
    energy_eV: float | None = None, n_atoms: int = 1, forces_eV_per_A: object = None
) -> str | None:
    """Why an energy (eV per cell of ``n_atoms`` atoms) or forces (eV/Å) cannot be a
    calculation's result: not finite, or beyond ``MAX_ABS_ENERGY_EV_PER_ATOM`` or
    ``MAX_ABS_FORCE_EV_PER_A``. None when both are plausible (or not given)."""
    if energy_eV is not None:
        if not np.isfinite(energy_eV):
            return f"holds a non-finite energy ({energy_eV} eV; VASP writes **** for an overflow)"
        per_atom = abs(energy_eV) / max(n_atoms, 1)
        if per_atom > MAX_ABS_ENERGY_EV_PER_ATOM:
            return (
                f"holds an energy of {energy_eV:.6g} eV ({per_atom:.3g} eV/atom), beyond "
                f"±{MAX_ABS_ENERGY_EV_PER_ATOM:g} eV/atom: not a physical result"
            )
    if forces_eV_per_A is not None:
        forces = np.asarray(forces_eV_per_A, dtype=float)
        if not np.all(np.isfinite(forces)):
            return "holds forces that are not finite (nan or inf)"
        largest = float(np.abs(forces).max(initial=0.0))
        if largest > MAX_ABS_FORCE_EV_PER_A:
            return (
                f"holds a force component of {largest:.3g} eV/Å, beyond "
                f"±{MAX_ABS_FORCE_EV_PER_A:g} eV/Å: not a physical result"
            )
    return None


class RecordError(ValueError):
    """A stored record (relax/result.json, forces.json, a job's data) that cannot be used: the
    message says which key is missing or what its value is."""


def _field(d: object, key: str, convert: Callable[[Any], Any], finite: bool = False) -> Any:
    """``convert(d[key])``, or a RecordError naming the key and the problem."""
    if not isinstance(d, dict):
        raise RecordError(f"is a JSON {type(d).__name__}, not an object")
    if key not in d:
        raise RecordError(f"has no {key!r}")
    try:
        value = convert(d[key])
    except Exception as exc:  # from_dict and numpy raise many types for bad data
        raise RecordError(f"{key!r} is not readable ({type(exc).__name__})") from None
    if finite and not np.all(np.isfinite(value)):
        raise RecordError(f"{key!r} holds {_shown(d[key])}, not a finite number")
    return value


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, int | float | str) else "values that are not finite"


@dataclass(frozen=True)
class RelaxResult:
    """A relaxed structure and its static energy (eV per cell).

    ``converged`` is the ionic convergence within the step limit; ``scf_converged`` whether the
    electronic SCF of the energy calculation converged (always true for ML models).
    ``corrections`` are what custodian changed on the way (VASP only)."""

    structure: Structure
    energy_eV: float
    max_force_eV_per_A: float
    max_stress_GPa: float
    steps: int
    converged: bool
    scf_converged: bool = True
    corrections: list[dict] = field(default_factory=list)

    def unusable_reason(self) -> str | None:
        """Why this energy must not enter a phase diagram, or None when it may."""
        if not self.converged:
            return (
                f"relaxation not converged after {self.steps} ionic steps "
                f"(residual force {self.max_force_eV_per_A:.3g} eV/Å)"
            )
        if not self.scf_converged:
            return "electronic SCF not converged"
        return None

    def summary(self) -> dict:
        """The relaxation as results.json reports it (no structure)."""
        return {key: getattr(self, key) for key in SUMMARY_KEYS}

    def as_dict(self) -> dict:
        return {
            "structure": self.structure.as_dict(),
            **self.summary(),
            "scf_converged": self.scf_converged,
            "corrections": list(self.corrections),
        }

    @classmethod
    def from_dict(cls, d: dict) -> RelaxResult:
        """From a stored relaxation (relax/result.json, a job's stored data); RecordError when a
        key is missing or a number is not finite."""
        result = cls(
            structure=_field(d, "structure", Structure.from_dict),
            energy_eV=_field(d, "energy_eV", float, finite=True),
            max_force_eV_per_A=_field(d, "max_force_eV_per_A", float, finite=True),
            max_stress_GPa=_field(d, "max_stress_GPa", float, finite=True),
            steps=_field(d, "steps", int),
            converged=_field(d, "converged", bool),
            scf_converged=bool(d.get("scf_converged", True)),
            corrections=list(d.get("corrections", [])),
        )
        problem = unphysical(result.energy_eV, len(result.structure), [result.max_force_eV_per_A])
        if problem is not None:
            raise RecordError(problem)
        return result


@dataclass(frozen=True)
class ForcesResult:
    """Energy (eV per cell) and forces (eV/Å, shape (n_atoms, 3)) of one fixed structure."""

    energy_eV: float
    forces_eV_per_A: np.ndarray
    corrections: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "energy_eV": self.energy_eV,
            "forces_eV_per_A": np.asarray(self.forces_eV_per_A).tolist(),
            "corrections": list(self.corrections),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ForcesResult:
        """From stored forces (forces.json, a job's stored data); RecordError when a key is
        missing, the forces are not an (n, 3) array or a number is not finite."""
        forces = _field(d, "forces_eV_per_A", lambda f: np.asarray(f, dtype=float), finite=True)
        if forces.ndim != 2 or forces.shape[1:] != (3,):
            raise RecordError(f"'forces_eV_per_A' has shape {forces.shape}, not (atoms, 3)")
        result = cls(
            _field(d, "energy_eV", float, finite=True),
            forces,
            list(d.get("corrections", [])),
        )
        problem = unphysical(result.energy_eV, len(forces), forces)
        if problem is not None:
            raise RecordError(problem)
        return result
