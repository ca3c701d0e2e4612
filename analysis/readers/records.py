"""What was found for each phase, before any thermodynamics: the common currency of every source.

A run directory, a tree of VASP and phonopy folders and a LaunchPad are all read into
``Calculations``; one analysis (``reanalysis.py``) turns them into results. Whatever could not be
read is a ``Problem`` naming the file and the reason, never an exception that stops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from phonopy import Phonopy
from pymatgen.core import Structure

from nasx.mode_following import InstabilityResult
from nasx.results import RelaxResult
from nasx.run_document import PhaseInfo, RunDocument
from nasx.settings import PhononSettings
from nasx.structures import PhaseChange

LEFT_OUT = "energy: the phase is left out"
NO_PHONONS = "phonons: no F_vib, S, Cv"


@dataclass(frozen=True)
class Problem:
    """An input that could not be used: where it is, what is wrong, and what is missing because of it."""

    path: str
    reason: str
    phase: str | None = None
    missing: str = ""


@dataclass(frozen=True)
class Ignored:
    """An input that was read (or recognised) and deliberately not used, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class DftSettings:
    """What makes two total energies comparable."""

    functional: str
    encut_eV: float
    potcar_family: str
    potcars: tuple[str, ...]


@dataclass
class PhononInput:
    """A displacement data set with the forces of every displacement, ready for phonopy, or
    (``forces_eV_per_A`` None) a Phonopy that already holds its force constants."""

    phonopy: Phonopy
    forces_eV_per_A: list[np.ndarray] | None
    settings: PhononSettings
    symmetrize_fc: bool
    source: str
    description: str = ""
    """What the set is made of (``phonopy_disp.yaml + BORN + FORCE_SETS``), for the inventory
    and results.json's ``phonon_set`` (with the supercell, q-mesh and NAC)."""


@dataclass
class PhaseRecord:
    """One phase: its relaxation (energy of the cell, structure) and its phonons, each optional."""

    id: str
    formula: str = ""
    structure: Structure | None = None
    energy_eV: float | None = None
    relaxation: RelaxResult | None = None
    label: str = ""
    status: str = ""
    phase_changes: tuple[PhaseChange, ...] = ()
    dft: DftSettings | None = None
    phonons: PhononInput | None = None
    convergence: PhononInput | None = None
    corrections: list[dict] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """What came from where (paths relative to the analysed root)."""
    ignored: list[Ignored] = field(default_factory=list)
    """Inputs of this phase that were not used, with the reason (tree sources)."""
    flags: list[str] = field(default_factory=list)
    """Doubts about the energy that do not refuse it (a low ENCUT): failed checks."""
    test_model: bool = False
    """The energy's VASP files were written by nasx's fake VASP (a test model), not by VASP."""
    instability: InstabilityResult | None = None
    """What following its lowest unstable mode found (``--follow-instabilities``)."""

    @classmethod
    def from_run(cls, phase: PhaseInfo) -> PhaseRecord:
        """An empty record for one phase of a run document (run.json or workflow metadata)."""
        return cls(
            id=phase.id,
            formula=phase.formula,
            label=phase.label,
            status=phase.status,
            phase_changes=phase.phase_changes,
        )

    def use_relaxation(self, relaxation: RelaxResult, source: str) -> Problem | None:
        """Take the relaxation's structure; its energy only when it is usable, else the Problem
        (at ``source``) that says why not. Corrections are kept either way."""
        self.relaxation = relaxation
        self.structure = relaxation.structure
        self.corrections += list(relaxation.corrections)
        reason = relaxation.unusable_reason()
        if reason is None:
            self.energy_eV = relaxation.energy_eV
            return None
        return Problem(source, reason, self.id, LEFT_OUT)


@dataclass
class Calculations:
    """Everything read from one source."""

    source: str
    kind: str
    """"nasx run", "tree" or "launchpad"."""
    phases: list[PhaseRecord]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things worth knowing that cost no result (e.g. a second phonon set of a phase)."""
    ignored: list[Ignored] = field(default_factory=list)
    """Inputs not used that belong to no phase (tree sources)."""
    run: RunDocument | None = None
    """The run document when the source is a nasx run (settings, phases, analysis options)."""

    def phase(self, phase_id: str) -> PhaseRecord | None:
        return next((p for p in self.phases if p.id == phase_id), None)
