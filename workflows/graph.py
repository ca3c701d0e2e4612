"""The FireWorks workflow of a study: one graph for every calculator.

    relax(phase) → phonon setup(phase) ⇢ forces(phase, 1..n) → phonons(phase) ┐
    relax(phase) → …                                                          ├→ analysis
    …                                                                         ┘

The force jobs (⇢) are added as detours by the setup job once the relaxed cell is known, so the
phonons job waits for all of them; they run in parallel wherever workers are.
"""

from __future__ import annotations

import json
from pathlib import Path

from fireworks import Firework, Workflow
from monty.json import MontyEncoder

from nasx.layout import CONVERGENCE_SET, MAIN_SET
from nasx.structures import PhaseSet
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.settings import RunSettings
from nasx.workflows.tasks import (
    ANALYSIS_KEY,
    AnalysisTask,
    PhononSetupTask,
    PhononTask,
    RelaxTask,
)

RUN_DIR_KEY = "nasx_run_dir"
RUN_KEY = "nasx_run"


def run_document(phase_set: PhaseSet, calculator: Calculator, settings: RunSettings) -> dict:
    """The run's settings (run.json, and the workflow's metadata): calculator, phases with their
    provenance, calculation settings and analysis options."""
    return {
        "calculator": {
            "name": calculator.name,
            "description": calculator.describe(),
            "object": calculator.as_dict(),
        },
        "system": phase_set.system.name,
        "phases": [
            {
                "id": p.id,
                "formula": p.formula,
                "label": p.label,
                "status": p.status,
                "source": p.source,
                "phase_changes": [
                    {"temperature_K": c.temperature_K, "description": c.description}
                    for c in p.phase_changes
                ],
            }
            for p in phase_set
        ],
        **settings.calculation_key(),
        "analysis": settings.analysis_options(),
    }


def build_workflow(
    phase_set: PhaseSet, calculator: Calculator, settings: RunSettings, run_dir: Path
) -> Workflow:
    """The workflow computing ``phase_set`` with ``calculator`` into ``run_dir``."""
    run_dir = str(Path(run_dir).resolve())
    category = {"_category": getattr(calculator, "category", "")}
    analysis_spec = {ANALYSIS_KEY: settings.analysis_options()}
    fireworks, phonon_jobs = [], []
    for phase in phase_set:
        relax = Firework(
            RelaxTask(
                run_dir=run_dir,
                phase_id=phase.id,
                structure=phase.structure.as_dict(),
                calculator=calculator,
                relax_settings=settings.relax.as_dict(),
            ),
            name=f"relax {phase.id}",
            spec={**category, "nasx_kind": "relax", "nasx_phase": phase.id},
        )
        fireworks.append(relax)
        sets = [(MAIN_SET, settings.phonons)]
        if phase.id in settings.convergence_phases:
            sets.append((CONVERGENCE_SET, settings.convergence_settings()))
        for phonon_set, phonon_settings in sets:
            suffix = "" if phonon_set == MAIN_SET else f" ({phonon_set})"
            setup = Firework(
                PhononSetupTask(
                    run_dir=run_dir,
                    phase_id=phase.id,
                    calculator=calculator,
                    phonon_settings=phonon_settings.as_dict(),
                    phonon_set=phonon_set,
                ),
                name=f"phonon setup {phase.id}{suffix}",
                parents=[relax],
                spec={**category, "nasx_kind": "setup", "nasx_phase": phase.id},
            )
            phonon = Firework(
                PhononTask(
                    run_dir=run_dir,
                    phase_id=phase.id,
                    phonon_settings=phonon_settings.as_dict(),
                    phonon_set=phonon_set,
                ),
                name=f"phonons {phase.id}{suffix}",
                parents=[setup],
                spec={**analysis_spec, "nasx_kind": "phonons", "nasx_phase": phase.id},
            )
            fireworks += [setup, phonon]
            phonon_jobs.append(phonon)
    analysis = Firework(
        AnalysisTask(run_dir=run_dir),
        name="analysis",
        parents=phonon_jobs,
        spec={**analysis_spec, "nasx_kind": "analysis"},
    )
    fireworks.append(analysis)
    return Workflow(
        fireworks,
        name=f"nasx {phase_set.system.name} ({calculator.name})",
        metadata={
            RUN_DIR_KEY: run_dir,
            RUN_KEY: json.loads(
                json.dumps(run_document(phase_set, calculator, settings), cls=MontyEncoder)
            ),
            "nasx_system": phase_set.system.name,
            "nasx_calculator": calculator.name,
        },
    )
