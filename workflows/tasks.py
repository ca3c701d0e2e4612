"""The FireWorks tasks of a nasx workflow. Each is idempotent: outputs that exist and validate
are returned without recomputing, so any job can be repeated after an interruption.

Per phase: RelaxTask → PhononSetupTask (adds one ForcesTask per displacement as detours) →
PhononTask; then one AnalysisTask waits for every phase.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from fireworks import Firework, FWAction, Workflow
from fireworks.core.firework import FiretaskBase
from fireworks.utilities.fw_utilities import explicit_serialize
from pymatgen.core import Structure

from nasx.layout import MAIN_SET, RunDirectory, read_json, write_json_atomic
from nasx.workflows import phonons
from nasx.workflows.calculators.base import Calculator, ForcesResult, RelaxResult, RelaxSettings
from nasx.workflows.symmetry import RELAXED_SYMPREC_A

ANALYSIS_KEY = "nasx_analysis"
"""Spec key of the analysis options (temperatures, bypass): changing them reruns only the
phonon and analysis jobs."""


def _decoded(value: object) -> object:
    """FireWorks hands MSONable parameters back as objects, other launchers as dicts."""
    if isinstance(value, dict) and "@module" in value:
        from monty.json import MontyDecoder

        return MontyDecoder().process_decoded(value)
    return value


@explicit_serialize
class RelaxTask(FiretaskBase):
    """Relax one phase (cell and positions, symmetry held)."""

    required_params = ["run_dir", "phase_id", "structure", "calculator", "relax_settings"]

    def run_task(self, fw_spec: dict) -> FWAction:
        run = RunDirectory(Path(self["run_dir"]))
        phase = run.phase(self["phase_id"])
        job = f"relax {self['phase_id']}"
        start = time.perf_counter()
        cached = read_json(phase.relax_result)
        if cached is not None:
            run.record(job, computed=False, seconds=time.perf_counter() - start)
            return FWAction(stored_data=_relax_summary(cached))
        calculator: Calculator = _decoded(self["calculator"])
        calculator.use_environment(fw_spec.get("_fw_env", {}))
        structure: Structure = _decoded(self["structure"])
        cell = calculator.relaxation_cell(structure)
        phase.relax_dir.mkdir(parents=True, exist_ok=True)
        result = calculator.relax(cell, RelaxSettings(**self["relax_settings"]), phase.relax_dir)
        document = {
            **result.as_dict(),
            "input_structure": cell.as_dict(),
            "conventional_matrix": phonons.conventional_matrix(structure, cell).tolist(),
            "calculator": calculator.describe(),
            "corrections": calculator.corrections(),
        }
        write_json_atomic(phase.relax_result, document)
        result.structure.to(filename=str(phase.relaxed_cif))
        clock = calculator.clock
        run.record(
            job,
            computed=True,
            seconds=time.perf_counter() - start,
            model_calls=clock.calls,
            model_seconds=round(clock.seconds, 4),
            steps=result.steps,
        )
        return FWAction(stored_data=_relax_summary(document))


def _relax_summary(document: dict) -> dict:
    """What the LaunchPad keeps of a relaxation: enough to analyse without the run directory."""
    keys = ("energy_eV", "max_force_eV_per_A", "max_stress_GPa", "steps", "converged", "structure")
    return {**{k: document[k] for k in keys}, "corrections": document.get("corrections", [])}


@explicit_serialize
class PhononSetupTask(FiretaskBase):
    """Finite displacements on the symmetrised relaxed cell; adds one force job per displacement."""

    required_params = ["run_dir", "phase_id", "calculator", "phonon_settings"]
    optional_params = ["phonon_set"]

    def run_task(self, fw_spec: dict) -> FWAction:
        run = RunDirectory(Path(self["run_dir"]))
        phase_id, phonon_set = self["phase_id"], self.get("phonon_set", MAIN_SET)
        phase = run.phase(phase_id)
        settings = phonons.PhononSettings.from_dict(self["phonon_settings"])
        dataset = phase.displacement_dataset(phonon_set)
        start = time.perf_counter()
        reused = dataset.exists()  # written last: it marks a finished setup
        if reused:
            ph = phonons.load(dataset)
        else:
            relax = read_json(phase.relax_result)
            relaxed = RelaxResult.from_dict(
                {k: relax[k] for k in RelaxResult.__dataclass_fields__}
            ).structure
            unitcell = phonons.conventional_cell(
                relaxed, np.array(relax["conventional_matrix"]), RELAXED_SYMPREC_A
            )
            ph = phonons.displacements(
                unitcell, settings.supercell_for(phase_id, unitcell.lattice.matrix), settings
            )
            for index, supercell in enumerate(phonons.displaced_supercells(ph), start=1):
                directory = phase.displacement_dir(index, phonon_set)
                directory.mkdir(parents=True, exist_ok=True)
                supercell.to(filename=str(directory / "POSCAR"), fmt="poscar")
            phonons.save(ph, dataset)
        n = len(ph.displacements)
        run.record(
            f"setup {phonon_set} {phase_id}",
            computed=not reused,
            seconds=time.perf_counter() - start,
            displacements=n,
        )
        jobs = [
            Firework(
                ForcesTask(
                    run_dir=self["run_dir"],
                    phase_id=phase_id,
                    index=i,
                    calculator=self["calculator"],
                    phonon_set=phonon_set,
                ),
                name=f"forces {phase_id} {i}/{n}"
                + ("" if phonon_set == MAIN_SET else f" ({phonon_set})"),
                spec={
                    "_category": fw_spec.get("_category", ""),
                    "nasx_kind": "forces",
                    "nasx_phase": phase_id,
                },
            )
            for i in range(1, n + 1)
        ]
        return FWAction(
            stored_data={
                "displacements": n,
                "supercell": list(np.diag(ph.supercell_matrix).tolist()),
                "phonopy_disp_yaml": dataset.read_text(),
            },
            detours=Workflow(jobs),
        )


@explicit_serialize
class ForcesTask(FiretaskBase):
    """Forces on one displaced supercell."""

    required_params = ["run_dir", "phase_id", "index", "calculator"]
    optional_params = ["phonon_set"]

    def run_task(self, fw_spec: dict) -> FWAction:
        run = RunDirectory(Path(self["run_dir"]))
        phonon_set = self.get("phonon_set", MAIN_SET)
        directory = run.phase(self["phase_id"]).displacement_dir(self["index"], phonon_set)
        structure = Structure.from_file(directory / "POSCAR")
        job = f"forces {phonon_set} {self['phase_id']} {self['index']}"
        start = time.perf_counter()
        cached = read_json(directory / "forces.json")
        if cached is not None and np.shape(cached.get("forces_eV_per_A")) == (len(structure), 3):
            run.record(job, computed=False, seconds=time.perf_counter() - start)
            return FWAction(stored_data=_forces_summary(cached))
        calculator: Calculator = _decoded(self["calculator"])
        calculator.use_environment(fw_spec.get("_fw_env", {}))
        result: ForcesResult = calculator.forces(structure, directory)
        document = {**result.as_dict(), "corrections": calculator.corrections()}
        write_json_atomic(directory / "forces.json", document)
        clock = calculator.clock
        run.record(
            job,
            computed=True,
            seconds=time.perf_counter() - start,
            model_calls=clock.calls,
            model_seconds=round(clock.seconds, 4),
        )
        return FWAction(stored_data=_forces_summary(document))


def _forces_summary(document: dict) -> dict:
    keys = ("energy_eV", "forces_eV_per_A", "corrections")
    return {k: document.get(k, []) for k in keys}


@explicit_serialize
class PhononTask(FiretaskBase):
    """Force constants and harmonic thermal properties from the finished force jobs."""

    required_params = ["run_dir", "phase_id", "phonon_settings"]
    optional_params = ["phonon_set"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from nasx.workflows import phonon_plots

        run = RunDirectory(Path(self["run_dir"]))
        phase_id, phonon_set = self["phase_id"], self.get("phonon_set", MAIN_SET)
        phase = run.phase(phase_id)
        settings = phonons.PhononSettings.from_dict(self["phonon_settings"])
        start = time.perf_counter()
        temperatures = sorted({float(t) for t in fw_spec[ANALYSIS_KEY]["temperatures_K"]} - {0.0})
        job = f"phonons {phonon_set} {phase_id}"
        cached = read_json(phase.thermal(phonon_set))  # written last: it marks a finished job
        if cached is not None and cached.get("temperatures_K") == temperatures:
            run.record(job, computed=False, seconds=time.perf_counter() - start)
            return FWAction(stored_data=cached)
        ph = phonons.load(phase.displacement_dataset(phonon_set))
        forces = []
        for index in range(1, len(ph.displacements) + 1):
            document = read_json(phase.displacement_dir(index, phonon_set) / "forces.json")
            if document is None:
                raise FileNotFoundError(f"missing forces for displacement {index} of {phase_id}")
            forces.append(ForcesResult.from_dict(document).forces_eV_per_A)
        thermal = phonons.thermal_properties(ph, forces, temperatures, settings)
        phonons.save(ph, phase.phonopy_yaml(phonon_set))
        if phonon_set == MAIN_SET:
            phonon_plots.write(ph, phase.root, phase_id, temperatures)
        write_json_atomic(phase.thermal(phonon_set), thermal.as_dict())
        run.record(job, computed=True, seconds=time.perf_counter() - start)
        return FWAction(stored_data=thermal.as_dict())


@explicit_serialize
class AnalysisTask(FiretaskBase):
    """Thermodynamics of every phase: results.json, report.md and figures in the run directory."""

    required_params = ["run_dir"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from nasx.analysis.reanalysis import analyze_calculations
        from nasx.analysis.run_reader import read_run_directory

        options = fw_spec[ANALYSIS_KEY]
        start = time.perf_counter()
        run_dir = Path(self["run_dir"])
        analysis = analyze_calculations(
            read_run_directory(run_dir),
            run_dir,
            temperatures_K=options["temperatures_K"],
            bypass=options.get("bypass"),
            phase_files=False,  # the phonon jobs wrote them
        )
        RunDirectory(run_dir).record("analysis", computed=True, seconds=time.perf_counter() - start)
        return FWAction(stored_data={"complete": analysis.complete})
