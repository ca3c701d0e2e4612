"""nasx from Python: compute a study, put its workflow on a LaunchPad, read and analyse results.

Every command of the command line is one of these functions; ``nasx run`` calls `run`,
``nasx submit`` `submit`, ``nasx analyze`` `analyze`. Arguments are checked before any job
starts or any file is written; a bad one raises an `ArgumentError` naming it. Nothing is
printed unless ``progress`` asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nasx import arguments, defaults, interrupts
from nasx.arguments import ArgumentError
from nasx.errors import NasxInputError
from nasx.study import Study, StudyOptions

if TYPE_CHECKING:
    from fireworks import Workflow

    from nasx.analysis.result import CommitteeResult, Result
    from nasx.workflows.status import StudyStatus

Progress = bool | Callable[[str], None]
"""False: silent; True: a progress line on stderr; a function: called with each line."""
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""One thread each by default: torch's and OpenBLAS's pools collide on small CPUs (measured
3× slower with two of each on 2 cores; docs, "Performance"). Set them to override."""


class StartupInterrupted(KeyboardInterrupt):
    """Ctrl-C arrived while the study was being checked: nothing was changed."""


def run(
    system: str | None = None,
    *,
    out: str | Path = defaults.RUN_DIR,
    workers: int | None = None,
    launchpad: str | Path | None = None,
    progress: Progress = False,
    **options: object,
) -> Result | CommitteeResult:
    """Compute a study here through its FireWorks workflow and return its result.

    ``system`` names a built-in set (``"Na-S"``, the default) or give ``structures=DIR``;
    ``options`` are those of `StudyOptions` (``calculator="chgnet"`` or a list of models for a
    committee, ``phases``, ``temperatures_K``, ``bypass``, ``fmax_eV_per_A``, ``supercell`` …).
    The jobs run on ``workers`` processes (default: $NASX_WORKERS, else the usable cores) on
    the embedded LaunchPad in ``out``, or on the MongoDB of the ``launchpad`` file. Calling it
    again on the same ``out`` resumes; a finished run only redoes the analysis.
    Raises `RunFailed` when jobs failed (finished work is kept).
    """
    study = StudyOptions.from_arguments(system=system, **options).resolve()
    return execute(study, out=out, workers=workers, launchpad=launchpad, progress=progress)


def execute(
    study: Study,
    *,
    out: str | Path = defaults.RUN_DIR,
    workers: int | None = None,
    launchpad: str | Path | None = None,
    progress: Progress = False,
    on_start: Callable[[str], None] | None = None,
    command: str | None = None,
) -> Result | CommitteeResult:
    """`run` for a study already checked (`StudyOptions.resolve`). ``on_start`` is called with
    the models' description once everything is checked, just before the first job.
    ``command`` is what `nasx status` will advise to resume it (default: this Python call)."""
    for variable in THREAD_VARIABLES:  # before torch and numpy's BLAS start their pools
        os.environ.setdefault(variable, "1")
    from nasx.analysis.result import load_json
    from nasx.workflows.committee import run_committee
    from nasx.workflows.launchpad import check_embedded_store, launchpad_from_file
    from nasx.workflows.runner import run_study

    out = arguments.out_dir("out", out)
    launchpad_file = arguments.path("launchpad", launchpad)
    if launchpad_file is None:
        check_embedded_store(out)
    workers = default_workers() if workers is None else arguments.count("workers", workers)
    lp = launchpad_from_file(launchpad_file) if launchpad_file else None
    calculators = study.calculators()
    if interrupts.requested():  # a Ctrl-C during the imports and checks above
        raise StartupInterrupted
    if on_start is not None:
        on_start(
            "a committee of " + "; ".join(f"{c.name}: {c.describe()}" for c in calculators)
            if study.committee
            else calculators[0].describe()
        )
    summary = (run_committee if study.committee else run_study)(
        study.phase_set,
        calculators if study.committee else calculators[0],
        study.settings,
        out,
        launchpad=lp,
        progress=progress,
        workers=workers,
        launchpad_file=launchpad_file,
        command=command or study.options.python_call(out=out, launchpad=launchpad_file),
    )
    result = load_json(summary.run_dir)
    result.jobs_launched, result.seconds = summary.jobs_launched, summary.seconds
    return result


CLUSTER_CALCULATORS = ("vasp", "gpaw")
"""What ``submit`` adds for cluster workers; the ML models run where ``run`` starts them."""


def submit(
    system: str | None = None,
    *,
    launchpad: str | Path,
    calculator: str = "vasp",
    out: str | Path | None = None,
    force: bool = False,
    **options: object,
) -> dict[int, str]:
    """Add the study's VASP (or GPAW) workflow to the MongoDB of the ``launchpad`` file for
    cluster workers (qlaunch / rlaunch) and return its jobs (fw_id → name); nothing runs here.
    ``out`` is the run directory the workers share (default ``nasx-<calculator>``). The same
    study is refused twice unless ``force``."""
    if calculator not in CLUSTER_CALCULATORS:
        raise ArgumentError(
            "calculator",
            f"{calculator!r} is not run by cluster workers: submit takes vasp or gpaw (the ML "
            "models and the stub run with nasx run)",
        )
    study = StudyOptions.from_arguments(system=system, calculator=calculator, **options)
    return submit_study(study.resolve(), launchpad=launchpad, out=out, force=force)


def submit_study(
    study: Study, *, launchpad: str | Path, out: str | Path | None = None, force: bool = False
) -> dict[int, str]:
    """`submit` for a study already checked, whose one calculator is VASP or GPAW."""
    from nasx.workflows.launchpad import launchpad_from_file
    from nasx.workflows.submission import submit_study as add_to_launchpad

    names = study.options.calculator
    if len(names) != 1 or names[0] not in CLUSTER_CALCULATORS:
        raise ArgumentError("calculator", f"submit takes one of vasp, gpaw, not {' '.join(names)}")
    if study.options.gpaw_launcher:
        raise ArgumentError(
            "gpaw_launcher",
            "the workers start GPAW with their own launcher: set env.gpaw_launcher in "
            "my_fworker.yaml (hpc_templates/my_fworker.yaml)",
        )
    out = arguments.out_dir("out", out if out is not None else f"nasx-{names[0]}")
    lp = launchpad_from_file(arguments.path("launchpad", launchpad))
    calculator = study.cluster_calculator()
    return add_to_launchpad(study.phase_set, calculator, study.settings, out, lp, force=force)


def workflow(system: str | None = None, *, out: str | Path, **options: object) -> Workflow:
    """The study's FireWorks workflow, to add to a LaunchPad of your own (``lp.add_wf``) and run
    with FireWorks' launchers; nothing runs. ``out`` is the run directory its jobs write into
    (its run.json is written now, so a later `run` or `analyze` knows the settings)."""
    from nasx.workflows.submission import study_workflow

    study = StudyOptions.from_arguments(system=system, **options).resolve()
    out = arguments.out_dir("out", out)
    if study.committee:
        raise ArgumentError(
            "calculator", "a workflow is built for one model; call workflow() once per model"
        )
    return study_workflow(study.phase_set, study.calculators()[0], study.settings, out)


def analyze(
    *sources: str | Path,
    out: str | Path | None = None,
    launchpad: str | Path | None = None,
    workflow_id: int | None = None,
    phases: Sequence[str] | None = None,
    temperatures_K: Sequence[float] | None = None,
    bypass: Sequence[str] | None = None,
    system: str | None = None,
    supercell: dict[str, tuple[int, int, int]] | None = None,
) -> Result | CommitteeResult:
    """Analyse finished calculations without recomputing anything, and return the result.

    A source is a nasx run directory, any tree of VASP and phonopy folders (or GPAW text logs),
    or an ENTRIES.json (a JSON list of pymatgen entries); or give ``launchpad`` (a my_launchpad.yaml or a run's
    launchpad.json) and, where it holds several workflows, ``workflow_id``. Several sources of
    one system, or a committee run directory, give a `CommitteeResult` (each model analysed
    into ``out/<model>/``, the spread in ``out``). With ``out`` the results.json, report.md,
    figures and per-phase files are written there; without it nothing is written.
    ``temperatures_K`` are those besides 0 K (default: a run's own, else 300 and 400 K).
    ``supercell`` names the supercell of phonon folders whose files do not state it.
    """
    from nasx import sources as reading

    request = reading.Request.from_arguments(
        sources=sources,
        out=out,
        launchpad=launchpad,
        workflow_id=workflow_id,
        phases=phases,
        temperatures_K=temperatures_K,
        bypass=bypass,
        system=system,
        supercell=supercell,
    )
    return reading.analyze(request)


def load(source: str | Path, **options: object) -> Result | CommitteeResult:
    """The result of ``source``: a finished run or analysis directory is read from its
    results.json (as `load_json`); anything else, or any analysis option given, is analysed
    in memory as `analyze` does, without writing."""
    from nasx.analysis.result import RESULTS_JSON, load_json

    path = arguments.path("source", source)
    if not options and path is not None and (path / RESULTS_JSON).is_file():
        return load_json(path)
    return analyze(source, **options)  # type: ignore[arg-type]


def status(
    run_dir: str | Path | None = None,
    *,
    launchpad: str | Path | None = None,
    workflow_id: int | None = None,
    lost_after_s: float | None = None,
) -> StudyStatus:
    """Where a study stands, from its run directory (default: ``nasx-run``, as `run` writes) or
    from the MongoDB of a ``launchpad`` file (every nasx workflow there, or the one holding job
    ``workflow_id``); nothing is changed.
    A running job without a heartbeat for ``lost_after_s`` is lost (default: FireWorks'
    RUN_EXPIRATION_SECS). ``StudyStatus.code`` is the command line's exit status."""
    from nasx.workflows import status as status_module

    run_dir = arguments.path("run_dir", run_dir)
    launchpad = arguments.path("launchpad", launchpad)
    if run_dir is not None and launchpad is not None:
        raise ArgumentError("run_dir", "give either a run directory or a launchpad, not both")
    if run_dir is None and launchpad is None:
        run_dir = Path(defaults.RUN_DIR)
    if workflow_id is not None:
        if launchpad is None:
            raise ArgumentError("workflow_id", "needs a launchpad")
        workflow_id = arguments.count("workflow_id", workflow_id)
    if lost_after_s is None:
        from fireworks.fw_config import RUN_EXPIRATION_SECS as lost_after_s
    else:
        lost_after_s = arguments.positive("lost_after_s", lost_after_s, "s")
    return status_module.status_of(run_dir, launchpad, workflow_id, lost_after_s)


def default_workers() -> int:
    """$NASX_WORKERS (a whole number ≥ 1), else the cores this process may use."""
    from nasx.workflows.workers import usable_cores

    text = os.environ.get("NASX_WORKERS", "").strip()
    if not text:
        return usable_cores()
    try:
        return arguments.count("NASX_WORKERS", text)
    except ArgumentError as exc:
        raise ArgumentError("NASX_WORKERS", f"{exc.problem} (the default of --workers)") from None


__all__ = [
    "ArgumentError",
    "NasxInputError",
    "StartupInterrupted",
    "analyze",
    "default_workers",
    "execute",
    "load",
    "run",
    "status",
    "submit",
    "workflow",
]
