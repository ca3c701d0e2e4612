"""A model committee: one workflow computing the same study with several calculators.

    DIR/models/<name>/   each model's sub-graph (relax → setup ⇢ forces → analysis), an ordinary
                         run directory
    DIR/                 one committee job, child of every model's analysis: the spread

The committee's run.json names the models; each model directory has its own run.json, checked
as a single run's is, so a rerun with other calculation settings is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fireworks import Firework, FWAction, Workflow
from fireworks.utilities.fw_utilities import explicit_serialize

from nasx.errors import NasxInputError
from nasx.layout import MODELS_DIR, RunDirectory, read_json, write_json_atomic
from nasx.settings import RunSettings
from nasx.structures import PhaseSet
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.graph import RUN_DIR_KEY, model_fireworks
from nasx.workflows.runner import RunSummary, run_workflow
from nasx.workflows.submission import check_or_write_settings
from nasx.workflows.task_base import NasxTask

COMMITTEE_KEY = "nasx_committee"
"""Workflow metadata: the model names of a committee."""


def committee_document(phase_set: PhaseSet, calculators: Sequence[Calculator]) -> dict:
    """The committee's run.json: its system and models, and where each model's run lies."""
    names = [c.name for c in calculators]
    return {
        "committee": {"models": names},
        "system": phase_set.system.name,
        "models": {name: f"{MODELS_DIR}/{name}" for name in names},
    }


def _plans(
    calculators: Sequence[Calculator], settings: RunSettings, run_dir: Path
) -> list[tuple[Calculator, RunSettings, Path]]:
    return [
        (c, settings.for_calculator(c.translation_invariant), run_dir / MODELS_DIR / c.name)
        for c in calculators
    ]


def build_committee_workflow(
    phase_set: PhaseSet, calculators: Sequence[Calculator], settings: RunSettings, run_dir: Path
) -> Workflow:
    """Every model's sub-graph into DIR/models/<name>, then the committee job."""
    run_dir = Path(run_dir).resolve()
    fireworks, analyses = [], []
    for calculator, model_settings, model_dir in _plans(calculators, settings, run_dir):
        jobs, analysis = model_fireworks(
            phase_set, calculator, model_settings, str(model_dir), label=calculator.name
        )
        fireworks += jobs
        analyses.append(analysis)
    names = [c.name for c in calculators]
    committee = Firework(
        CommitteeTask(run_dir=str(run_dir), models=names),
        name="committee analysis",
        parents=analyses,
        spec={"nasx_kind": "committee"},
    )
    return Workflow(
        [*fireworks, committee],
        name=f"nasx {phase_set.system.name} (committee: {', '.join(names)})",
        metadata={
            RUN_DIR_KEY: str(run_dir),
            COMMITTEE_KEY: names,
            "nasx_system": phase_set.system.name,
            "nasx_calculator": "+".join(names),
        },
    )


def _check_or_write_committee(
    run_dir: Path,
    phase_set: PhaseSet,
    calculators: Sequence[Calculator],
    plans: list[tuple[Calculator, RunSettings, Path]],
    command: str = "",
) -> None:
    """Refuse a directory holding another run (a single model's, or other models); then check
    or write every model's run.json and the committee's."""
    document = committee_document(phase_set, calculators)
    previous = read_json(RunDirectory(run_dir).settings)
    if previous is not None and previous != document:
        held = previous.get("committee", {}).get("models") if "committee" in previous else None
        what = f"a committee of {', '.join(held)}" if held else "a single-model run"
        raise NasxInputError(
            run_dir,
            f"holds {what}, not a committee of {', '.join(document['committee']['models'])}; "
            "use another --out for new calculations",
        )
    for calculator, model_settings, model_dir in plans:
        check_or_write_settings(
            RunDirectory(model_dir), phase_set, calculator, model_settings, command
        )
    write_json_atomic(RunDirectory(run_dir).settings, document)


def run_committee(
    phase_set: PhaseSet,
    calculators: Sequence[Calculator],
    settings: RunSettings,
    run_dir: Path,
    launchpad=None,
    progress: bool | Callable[[str], None] = True,
    workers: int = 1,
    launchpad_file: Path | None = None,
    command: str = "",
) -> RunSummary:
    """Compute ``phase_set`` with every calculator into ``run_dir`` (see the module), as
    ``run_study`` does for one: resumable, on ``workers`` processes, on ``launchpad``;
    ``command`` is recorded in each model's run.json."""
    run_dir = Path(run_dir).resolve()
    plans = _plans(calculators, settings, run_dir)
    return run_workflow(
        run_dir,
        lambda: _check_or_write_committee(run_dir, phase_set, calculators, plans, command),
        lambda: build_committee_workflow(phase_set, calculators, settings, run_dir),
        settings.analysis,
        launchpad=launchpad,
        progress=progress,
        workers=workers,
        launchpad_file=launchpad_file,
    )


@explicit_serialize
class CommitteeTask(NasxTask):
    """The spread across the models: results.json, report.md and figures of the committee,
    from each model's finished analysis (its entries.json and results.json)."""

    required_params = ["run_dir", "models"]

    def run_task(self, fw_spec: dict) -> FWAction:
        from nasx.analysis.report.committee_outputs import model_output, write_committee

        root = self.run.root
        with self.journal("committee analysis"):
            models = [model_output(name, root / MODELS_DIR / name, root) for name in self["models"]]
            write_committee(models, root)
        return FWAction(stored_data={"models": list(self["models"])})
