"""A study's run directory and its workflow for a LaunchPad: run.json written (or checked
against the calculations already there), the fingerprint that makes two submissions the same
study, and the workflow added for cluster workers (``nasx submit``) or handed to the caller.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fireworks import Workflow

from nasx.errors import NasxInputError
from nasx.layout import RunDirectory, read_json, write_json_atomic
from nasx.run_document import calculation_key_of
from nasx.settings import RunSettings
from nasx.structures import PhaseSet
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.claims import claim_submission
from nasx.workflows.graph import build_workflow, run_document


def check_or_write_settings(
    run: RunDirectory,
    phase_set: PhaseSet,
    calculator: Calculator,
    settings: RunSettings,
    command: str = "",
) -> None:
    """Write run.json, or refuse a run directory that holds other calculations (a committee,
    or other calculation settings: only the analysis options may change on a rerun).
    ``command`` is what started this run (recorded for ``nasx status``)."""
    document = run_document(phase_set, calculator, settings, command)
    previous = read_json(run.settings)
    if previous is not None and "committee" in previous:
        raise NasxInputError(
            run.root,
            f"holds a committee of {', '.join(previous['committee'].get('models', []))}; use "
            "another --out for new calculations (or give the same --calculator names to resume it)",
        )
    if previous is not None:
        fixed, before = document.calculation_key(), calculation_key_of(previous)
        # --qha only adds jobs (its volumes are folders of their own): it may be added to a
        # harmonic run, or its volumes changed, but not dropped from a QHA run unnoticed
        changed = [k for k, v in fixed.items() if k != "qha" and _normal(before[k]) != _normal(v)]
        if before["qha"] is not None and fixed["qha"] is None and not changed:
            raise NasxInputError(
                run.root,
                "holds a run with --qha; give --qha (and its --qha-volumes) to resume it, or use "
                "another --out for a harmonic run",
            )
        if changed:
            raise NasxInputError(
                run.root,
                f"holds a run with different {', '.join(changed)}; use another --out for new calculations "
                "(only --temperatures and --bypass may change on a rerun, and --qha be added)",
            )
    write_json_atomic(run.settings, document.to_document())


def _normal(value: object) -> object:
    return json.loads(json.dumps(value, default=str))


def fingerprint(phase_set: PhaseSet, calculator: Calculator, settings: RunSettings) -> str:
    """What makes two submissions the same study: system, structures, calculator, settings."""
    document = {
        "system": phase_set.system.name,
        "structures": {p.id: p.structure.as_dict()["sites"] for p in phase_set},
        "calculator": calculator.identity(),
        **settings.calculation_key(),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[
        :16
    ]


def submit_study(
    phase_set: PhaseSet,
    calculator: Calculator,
    settings: RunSettings,
    run_dir: Path,
    launchpad,
    force: bool = False,
) -> dict[int, str]:
    """Add the study's workflow to ``launchpad`` for workers to run (``qlaunch``/``rlaunch``).

    The run directory must be reachable by the workers (a shared file system). Submitting the
    same study twice (also at the same instant: ``claims``) is refused unless ``force``; a run
    directory gets one workflow, forced or not. Returns fw_id → job name.
    """
    run_dir = Path(run_dir).resolve()
    settings = settings.for_calculator(calculator.translation_invariant)
    key = fingerprint(phase_set, calculator, settings)
    added: dict[int, str] = {}

    def add() -> int:
        workflow = study_workflow(phase_set, calculator, settings, run_dir)
        names = {fw.fw_id: fw.name for fw in workflow.fws}  # add_wf renumbers them in place
        mapping = launchpad.add_wf(workflow)
        added.update(
            {new: names[old] for old, new in sorted(mapping.items(), key=lambda kv: kv[1])}
        )
        return min(mapping.values())

    claim_submission(launchpad, key, run_dir, add, force)
    return added


def study_workflow(
    phase_set: PhaseSet, calculator: Calculator, settings: RunSettings, run_dir: Path
) -> Workflow:
    """The study's workflow, for a LaunchPad of the caller's: run.json is checked or written
    in ``run_dir`` (the jobs' settings) and the workflow carries the study's fingerprint."""
    run_dir = Path(run_dir).resolve()
    settings = settings.for_calculator(calculator.translation_invariant)
    check_or_write_settings(RunDirectory(run_dir), phase_set, calculator, settings)
    workflow = build_workflow(phase_set, calculator, settings, run_dir)
    workflow.metadata["nasx_fingerprint"] = fingerprint(phase_set, calculator, settings)
    return workflow
