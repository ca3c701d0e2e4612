"""The FireWorks tasks of a nasx workflow. Each is idempotent: outputs that exist and validate
are returned without recomputing, so any job can be repeated after an interruption.

Per phase: RelaxTask → PhononSetupTask (adds one ForcesTask per displacement as detours); then
one AnalysisTask waits for every phase and computes all thermodynamics, phonons included.
With ``--qha``, per phase and volume: RelaxTask → QhaRelaxTask → PhononSetupTask of that
volume's set (``layout.qha_set``) → its ForcesTasks.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from fireworks import Firework, FWAction, Workflow
from fireworks.utilities.fw_utilities import explicit_serialize
from pymatgen.core import Structure

from nasx import phonons
from nasx.layout import MAIN_SET, PhaseDirectory, is_qha_set, read_json, write_json_atomic
from nasx.results import ForcesResult, RecordError, RelaxResult
from nasx.run_document import ANALYSIS_KEY
from nasx.settings import AnalysisOptions, PhononSettings, RelaxSettings
from nasx.symmetry import RELAXED_SYMPREC_A
from nasx.workflows.priorities import (
    FOLLOW_PRIORITY,
    PHONONS_PRIORITY,
    PRIORITY_KEY,
    SETUP_PRIORITY,
    forces_priority,
)
from nasx.workflows.task_base import NasxTask, decoded, model_fields


def _reusable(path: Path, kind: type[RelaxResult] | type[ForcesResult]):
    """The job's finished record at ``path``, or None when it is missing or not a usable one
    (unreadable, a key missing, a number not finite): then the step is computed again."""
    document = read_json(path)
    try:
        return kind.from_dict(document) if document is not None else None
    except RecordError:
        return None


@explicit_serialize
class RelaxTask(NasxTask):
    """Relax one phase (cell and positions, symmetry held)."""

    required_params = ["run_dir", "phase_id", "structure", "calculator", "relax_settings"]

    def run_task(self, fw_spec: dict) -> FWAction:
        phase = self.run.phase(self["phase_id"])
        with self.journal(f"relax {self['phase_id']}") as entry:
            cached = _reusable(phase.relax_result, RelaxResult)
            if cached is not None:
                entry["computed"] = False
                return FWAction(stored_data=cached.as_dict())
            calculator = self.calculator(fw_spec)
            structure: Structure = decoded(self["structure"])
            settings: RelaxSettings = decoded(self["relax_settings"])
            cell = calculator.relaxation_cell(structure)
            phase.relax_dir.mkdir(parents=True, exist_ok=True)
            result = calculator.relax(cell, settings, phase.relax_dir)
            document = {
                **result.as_dict(),
                "input_structure": cell.as_dict(),
                "conventional_matrix": phonons.conventional_matrix(structure, cell).tolist(),
                "calculator": calculator.describe(),
            }
            write_json_atomic(phase.relax_result, document)
            result.structure.to(filename=str(phase.relaxed_cif))
            entry.update(model_fields(calculator), steps=result.steps)
            return FWAction(stored_data=result.as_dict())


@explicit_serialize
class QhaRelaxTask(NasxTask):
    """Relax one phase at one QHA volume: its relaxed cell scaled isotropically to
    ``volume_factor`` × its volume, then positions and cell shape relaxed at that volume with
    the space group held, into the volume's own relax/ (``PhaseDirectory.qha_point``)."""

    required_params = [
        "run_dir",
        "phase_id",
        "phonon_set",
        "volume_factor",
        "calculator",
        "relax_settings",
    ]

    def run_task(self, fw_spec: dict) -> FWAction:
        phase = self.run.phase(self["phase_id"])
        point = phase.qha_point(self["phonon_set"])
        with self.journal(f"relax {self['phonon_set']} {self['phase_id']}") as entry:
            cached = _reusable(point.relax_result, RelaxResult)
            if cached is not None:
                entry["computed"] = False
                return FWAction(stored_data=cached.as_dict())
            calculator = self.calculator(fw_spec)
            parent = read_json(phase.relax_result)
            cell = RelaxResult.from_dict(parent).structure.copy()
            cell.scale_lattice(cell.volume * float(self["volume_factor"]))
            settings: RelaxSettings = decoded(self["relax_settings"])
            settings = replace(settings, constant_volume=True)
            point.relax_dir.mkdir(parents=True, exist_ok=True)
            result = calculator.relax(cell, settings, point.relax_dir)
            document = {
                **result.as_dict(),
                "input_structure": cell.as_dict(),
                "conventional_matrix": parent["conventional_matrix"],  # scaling keeps it
                "volume_factor": float(self["volume_factor"]),
                "calculator": calculator.describe(),
            }
            write_json_atomic(point.relax_result, document)
            result.structure.to(filename=str(point.relaxed_cif))
            entry.update(model_fields(calculator), steps=result.steps)
            return FWAction(stored_data=result.as_dict())


def _supercell_lattice(phase: PhaseDirectory, phonon_set: str, unitcell: Structure) -> np.ndarray:
    """The conventional lattice that fixes a set's supercell: a QHA volume takes the relaxed
    cell's, so that every volume has the main set's supercell."""
    if not is_qha_set(phonon_set):
        return unitcell.lattice.matrix
    relax = read_json(phase.relax_result)
    relaxed = RelaxResult.from_dict(relax).structure
    matrix = np.array(relax["conventional_matrix"])
    return phonons.conventional_cell(relaxed, matrix, RELAXED_SYMPREC_A).lattice.matrix


@explicit_serialize
class PhononSetupTask(NasxTask):
    """Finite displacements on the symmetrised relaxed cell; adds one force job per displacement."""

    required_params = ["run_dir", "phase_id", "calculator", "phonon_settings"]
    optional_params = ["phonon_set", "label", "follow_relax_settings"]
    """``follow_relax_settings``: also a mode-following job after the force jobs (main set)."""

    def run_task(self, fw_spec: dict) -> FWAction:
        phase_id, phonon_set = self["phase_id"], self.get("phonon_set", MAIN_SET)
        phase = self.run.phase(phase_id)
        settings: PhononSettings = decoded(self["phonon_settings"])
        dataset = phase.displacement_dataset(phonon_set)
        calculator = decoded(self["calculator"])
        with self.journal(f"setup {phonon_set} {phase_id}") as entry:
            entry["computed"] = not dataset.exists()  # written last: it marks a finished setup
            if dataset.exists():
                ph = phonons.load(dataset)
            else:
                relax = read_json(phase.relax_result_of(phonon_set))
                unitcell = phonons.conventional_cell(
                    RelaxResult.from_dict(relax).structure,
                    np.array(relax["conventional_matrix"]),
                    RELAXED_SYMPREC_A,
                )
                lattice = _supercell_lattice(phase, phonon_set, unitcell)
                ph = phonons.displacements(
                    unitcell, settings.supercell_for(phase_id, lattice), settings
                )
                for index, poscar in enumerate(phonons.displaced_poscars(ph), start=1):
                    directory = phase.displacement_dir(index, phonon_set)
                    directory.mkdir(parents=True, exist_ok=True)
                    (directory / "POSCAR").write_text(poscar)
                if phonon_set == MAIN_SET and calculator.wants_born_charges(unitcell):
                    phase.born_dir.mkdir(parents=True, exist_ok=True)  # its cell: phonopy's
                    (phase.born_dir / "POSCAR").write_text(phonons.poscar_text(unitcell))
                phonons.save(ph, dataset)
            born = phonon_set == MAIN_SET and (phase.born_dir / "POSCAR").is_file()
            n = len(ph.displacements)
            entry["displacements"] = n
        suffix = "" if phonon_set == MAIN_SET else f" ({phonon_set})"
        suffix += f" [{self['label']}]" if self.get("label") else ""  # a committee's model
        jobs = [
            Firework(
                ForcesTask(
                    run_dir=self["run_dir"],
                    phase_id=phase_id,
                    index=i,
                    calculator=self["calculator"],
                    phonon_set=phonon_set,
                ),
                name=f"forces {phase_id} {i}/{n}{suffix}",
                spec={
                    "_category": fw_spec.get("_category", ""),
                    "nasx_kind": "forces",
                    "nasx_phase": phase_id,
                    PRIORITY_KEY: forces_priority(len(ph.supercell)),
                },
            )
            for i in range(1, n + 1)
        ]
        if phonon_set == MAIN_SET:
            force_jobs = list(jobs)
            if born:  # a polar phase's Born charges: its phonons job applies them
                jobs.append(self._born_job(fw_spec, suffix))
            jobs.append(self._phonons_job(list(jobs), fw_spec, suffix))
            if self.get("follow_relax_settings") is not None:
                jobs.append(self._follow_job(force_jobs, fw_spec, suffix))
        return FWAction(
            stored_data={
                "displacements": n,
                "supercell": list(np.diag(ph.supercell_matrix).tolist()),
                "phonopy_disp_yaml": dataset.read_text(),
            },
            detours=Workflow(jobs),
        )

    def _phonons_job(self, force_jobs: list[Firework], fw_spec: dict, suffix: str) -> Firework:
        from nasx.workflows.phonon_tasks import PhononsTask

        task = PhononsTask(run_dir=self["run_dir"], phase_id=self["phase_id"])
        return self._after_forces(task, "phonons", PHONONS_PRIORITY, force_jobs, fw_spec, suffix)

    def _born_job(self, fw_spec: dict, suffix: str) -> Firework:
        from nasx.workflows.phonon_tasks import BornChargesTask

        phase_id = self["phase_id"]
        return Firework(
            BornChargesTask(
                run_dir=self["run_dir"], phase_id=phase_id, calculator=self["calculator"]
            ),
            name=f"born charges {phase_id}{suffix}",
            spec={
                "_category": fw_spec.get("_category", ""),
                "nasx_kind": "born",
                "nasx_phase": phase_id,
                PRIORITY_KEY: SETUP_PRIORITY,
            },
        )

    def _follow_job(self, force_jobs: list[Firework], fw_spec: dict, suffix: str) -> Firework:
        from nasx.workflows.follow_tasks import FollowInstabilityTask

        task = FollowInstabilityTask(
            run_dir=self["run_dir"],
            phase_id=self["phase_id"],
            calculator=self["calculator"],
            phonon_settings=self["phonon_settings"],
            relax_settings=self["follow_relax_settings"],
        )
        return self._after_forces(task, "follow", FOLLOW_PRIORITY, force_jobs, fw_spec, suffix)

    def _after_forces(
        self, task, kind: str, priority: int, force_jobs: list[Firework], fw_spec: dict, suffix: str
    ) -> Firework:
        """A job of this phase that runs once all its force jobs are done."""
        phase_id = self["phase_id"]
        return Firework(
            task,
            name=f"{kind} {phase_id}{suffix}",
            parents=list(force_jobs),  # a copy: the caller appends jobs to its list
            spec={
                "_category": fw_spec.get("_category", ""),
                "nasx_kind": kind,
                "nasx_phase": phase_id,
                PRIORITY_KEY: priority,
            },
        )


@explicit_serialize
class ForcesTask(NasxTask):
    """Forces on one displaced supercell."""

    required_params = ["run_dir", "phase_id", "index", "calculator"]
    optional_params = ["phonon_set"]

    def run_task(self, fw_spec: dict) -> FWAction:
        phonon_set = self.get("phonon_set", MAIN_SET)
        directory = self.run.phase(self["phase_id"]).displacement_dir(self["index"], phonon_set)
        structure = Structure.from_file(directory / "POSCAR")
        with self.journal(f"forces {phonon_set} {self['phase_id']} {self['index']}") as entry:
            cached = _reusable(directory / "forces.json", ForcesResult)
            if cached is not None and cached.forces_eV_per_A.shape == (len(structure), 3):
                entry["computed"] = False
                return FWAction(stored_data=cached.as_dict())
            calculator = self.calculator(fw_spec)
            result = calculator.forces(structure, directory)
            write_json_atomic(directory / "forces.json", result.as_dict())
            entry.update(model_fields(calculator))
            return FWAction(stored_data=result.as_dict())


@explicit_serialize
class AnalysisTask(NasxTask):
    """Phonons (F, S, Cv) and thermodynamics of every phase: results.json, report.md, figures
    and the per-phase phonopy.yaml and thermal.json in the run directory."""

    required_params = ["run_dir"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from nasx.analysis.readers.run_directory import read_run_directory
        from nasx.analysis.reanalysis import analyze_calculations

        options: AnalysisOptions = decoded(fw_spec[ANALYSIS_KEY])
        with self.journal("analysis") as entry:
            analysis = analyze_calculations(
                read_run_directory(self.run.root),
                self.run.root,
                temperatures_K=options.temperatures_K,
                bypass=options.bypass,
            )
            entry["reused_phonons"] = len(analysis.reused_phonons)
        return FWAction(stored_data={"complete": analysis.complete})
