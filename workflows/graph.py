"""The FireWorks workflow of a study: one graph for every calculator.

    relax(phase) → phonon setup(phase) ⇢ forces(phase, 1..n) [⇢ follow(phase)] ┐
    relax(phase) → …                                                            ├→ analysis
    …                                                                           ┘

The force jobs (⇢) are added as detours by the setup job once the relaxed cell is known, so the
analysis waits for all of them; they run in parallel wherever workers are. The analysis computes
each phase's phonons (F, S, Cv) once, from the stored forces, and then the thermodynamics.
With ``--follow-instabilities`` a follow job per phase, child of its force jobs, follows its
lowest unstable mode (``follow_tasks.py``); the analysis then waits for it too.
With ``--qha``, per phase and volume (``QhaSettings.volume_factors``)::

    relax(phase) → relax at volume v → phonon setup(phase, qha-v…) ⇢ forces(phase, qha-v…, 1..n)

and the analysis waits for those force jobs too.
"""

from __future__ import annotations

from pathlib import Path

from fireworks import Firework, Workflow

from nasx.layout import CONVERGENCE_SET, MAIN_SET, qha_set
from nasx.run_document import RUN_DIR_KEY, RUN_KEY, RunDocument
from nasx.settings import RunSettings
from nasx.structures import Phase, PhaseSet
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.priorities import PRIORITY_KEY, SETUP_PRIORITY, relax_priority
from nasx.workflows.tasks import (
    ANALYSIS_KEY,
    AnalysisTask,
    PhononSetupTask,
    QhaRelaxTask,
    RelaxTask,
)


def run_document(
    phase_set: PhaseSet, calculator: Calculator, settings: RunSettings, command: str = ""
) -> RunDocument:
    """The run's settings (run.json, and the workflow's metadata); ``command`` started it."""
    return RunDocument.for_study(
        phase_set, calculator.info(), settings, calculator.software(), command
    )


def build_workflow(
    phase_set: PhaseSet, calculator: Calculator, settings: RunSettings, run_dir: Path
) -> Workflow:
    """The workflow computing ``phase_set`` with ``calculator`` into ``run_dir``."""
    run_dir = str(Path(run_dir).resolve())
    fireworks, _ = model_fireworks(phase_set, calculator, settings, run_dir)
    return Workflow(
        fireworks,
        name=f"nasx {phase_set.system.name} ({calculator.name})",
        metadata={
            RUN_DIR_KEY: run_dir,
            RUN_KEY: run_document(phase_set, calculator, settings).to_document(),
            "nasx_system": phase_set.system.name,
            "nasx_calculator": calculator.name,
        },
    )


def model_fireworks(
    phase_set: PhaseSet,
    calculator: Calculator,
    settings: RunSettings,
    run_dir: str,
    label: str | None = None,
) -> tuple[list[Firework], Firework]:
    """One model's sub-graph into ``run_dir``: its jobs, and its analysis job (the last).
    ``label`` (a committee's model name) is added to every job name."""
    category = {"_category": calculator.category}
    tag = f" [{label}]" if label else ""
    labelled = {"label": label} if label else {}
    fireworks, setups = [], []
    for phase in phase_set:
        relax = Firework(
            RelaxTask(
                run_dir=run_dir,
                phase_id=phase.id,
                structure=phase.structure.as_dict(),
                calculator=calculator,
                relax_settings=settings.relax,
            ),
            name=f"relax {phase.id}{tag}",
            spec={
                **category,
                "nasx_kind": "relax",
                "nasx_phase": phase.id,
                PRIORITY_KEY: relax_priority(len(phase.structure)),
            },
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
                    phonon_settings=phonon_settings,
                    phonon_set=phonon_set,
                    **labelled,
                    **(
                        {"follow_relax_settings": settings.relax}
                        if settings.follow_instabilities and phonon_set == MAIN_SET
                        else {}
                    ),
                ),
                name=f"phonon setup {phase.id}{suffix}{tag}",
                parents=[relax],
                spec={
                    **category,
                    "nasx_kind": "setup",
                    "nasx_phase": phase.id,
                    PRIORITY_KEY: SETUP_PRIORITY,
                },
            )
            fireworks.append(setup)
            setups.append(setup)
        if settings.qha is not None:
            jobs = qha_fireworks(phase, relax, calculator, settings, run_dir, label)
            fireworks += jobs
            setups += jobs[1::2]
    analysis = Firework(
        AnalysisTask(run_dir=run_dir),
        name=f"analysis{tag}",
        parents=setups,
        spec={ANALYSIS_KEY: settings.analysis.as_dict(), "nasx_kind": "analysis"},
    )
    fireworks.append(analysis)
    return fireworks, analysis


def qha_fireworks(
    phase: Phase,
    relax: Firework,
    calculator: Calculator,
    settings: RunSettings,
    run_dir: str,
    label: str | None = None,
) -> list[Firework]:
    """A phase's QHA jobs, children of its relaxation: per volume its fixed-volume relaxation
    and then its phonon setup (which adds the force jobs), in that order."""
    category = {"_category": calculator.category}
    tag = f" [{label}]" if label else ""
    fireworks = []
    for factor in settings.qha.volume_factors:
        name = qha_set(factor)
        relax_at_volume = Firework(
            QhaRelaxTask(
                run_dir=run_dir,
                phase_id=phase.id,
                phonon_set=name,
                volume_factor=factor,
                calculator=calculator,
                relax_settings=settings.relax,
            ),
            name=f"relax {phase.id} ({name}){tag}",
            parents=[relax],
            spec={
                **category,
                "nasx_kind": "qha-relax",
                "nasx_phase": phase.id,
                PRIORITY_KEY: relax_priority(len(phase.structure)),
            },
        )
        setup = Firework(
            PhononSetupTask(
                run_dir=run_dir,
                phase_id=phase.id,
                calculator=calculator,
                phonon_settings=settings.phonons,
                phonon_set=name,
                **({"label": label} if label else {}),
            ),
            name=f"phonon setup {phase.id} ({name}){tag}",
            parents=[relax_at_volume],
            spec={
                **category,
                "nasx_kind": "setup",
                "nasx_phase": phase.id,
                PRIORITY_KEY: SETUP_PRIORITY,
            },
        )
        fireworks += [relax_at_volume, setup]
    return fireworks
