"""Read the volumes of a ``--qha`` run: per phase and volume, the cell relaxed at that volume
(volume and electronic energy per atom) and its phonon set, for the quasi-harmonic analysis.

Each volume's files are laid out as a phase's own (phases/<id>/qha/v1.0400/: relax/,
phonons/), and read as the phase's are: VASP's vasprun.xml files where VASP ran, else the
calculator's JSON records. A volume that cannot be used is a `Problem` naming the file, never a
silent gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pymatgen.core import Structure

from nasx.analysis.readers.records import PhononInput, Problem
from nasx.analysis.readers.run_directory import read_phase_files, read_run_document
from nasx.errors import NasxInputError
from nasx.layout import RunDirectory, qha_set
from nasx.qha_settings import QhaSettings

LEFT_OUT = "QHA: this volume is left out"
ALL_LEFT_OUT = "QHA: every volume is left out (no relaxed volume to place them)"
VOLUME_TOLERANCE = 1e-4
"""Largest relative difference between a volume's relaxed cell and its set's volume (the
relaxed volume of the phase × the set's factor): a fixed-volume relaxation keeps it exactly."""


@dataclass(frozen=True)
class QhaPoint:
    """One volume of a phase: its set (``qha-v1.0400``), the factor of the relaxed volume it was
    made at, the cell relaxed there (volume and electronic energy per atom) and its phonons (a
    `PhononInput` like the main set's, ready for phonopy)."""

    phonon_set: str
    volume_factor: float
    volume_A3_per_atom: float
    energy_eV_per_atom: float
    structure: Structure
    phonons: PhononInput
    source: str
    """The volume's folder, relative to the run directory."""


@dataclass
class QhaInputs:
    """The usable volumes of one phase, smallest first, and why the others are not."""

    phase_id: str
    settings: QhaSettings | None
    """The run's volumes (None: a run without ``--qha``; then no points and no problems)."""
    points: list[QhaPoint] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every volume of the run's settings is usable."""
        return self.settings is not None and len(self.points) == self.settings.count


def read_qha_inputs(root: str | Path, phase_id: str) -> QhaInputs:
    """The QHA volumes of phase ``phase_id`` in the run directory ``root`` (see `QhaInputs`);
    a NasxInputError when ``root`` holds no readable run.json or no such phase."""
    root = Path(root)
    run = RunDirectory(root)
    settings = read_run_document(root)
    if phase_id not in [p.id for p in settings.phases]:
        ids = ", ".join(p.id for p in settings.phases)
        raise NasxInputError(run.settings, f"has no phase {phase_id} (phases: {ids})")
    inputs = QhaInputs(phase_id, settings.qha)
    if settings.qha is None:
        return inputs
    files = run.phase(phase_id)
    relaxed, problems = read_phase_files(root, files, phase_id, None, ALL_LEFT_OUT)
    if relaxed.structure is None:  # no volume can be placed without the relaxed cell
        inputs.problems += problems
        return inputs
    per_atom = relaxed.structure.volume / len(relaxed.structure)
    for factor in settings.qha.volume_factors:
        name = qha_set(factor)
        point = files.qha_point(name)
        record, problems = read_phase_files(root, point, phase_id, settings.phonons, LEFT_OUT)
        inputs.problems += problems
        if record.energy_eV is None or record.phonons is None or record.structure is None:
            continue
        volume = record.structure.volume / len(record.structure)
        if abs(volume / (per_atom * factor) - 1) > VOLUME_TOLERANCE:
            inputs.problems.append(
                Problem(
                    record.sources.get("structure", str(point.root.relative_to(root))),
                    f"its relaxed cell has {volume:.4f} Å³/atom, not {per_atom * factor:.4f} "
                    f"({factor:g} × the relaxed {per_atom:.4f}): not a relaxation at the volume "
                    "of its set",
                    phase_id,
                    LEFT_OUT,
                )
            )
            continue
        inputs.points.append(
            QhaPoint(
                phonon_set=name,
                volume_factor=factor,
                volume_A3_per_atom=volume,
                energy_eV_per_atom=record.energy_eV / len(record.structure),
                structure=record.structure,
                phonons=record.phonons,
                source=str(point.root.relative_to(root)),
            )
        )
    return inputs
