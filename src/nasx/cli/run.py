"""`nasx run`: compute the study here, through a FireWorks workflow."""

from __future__ import annotations

import argparse
import os
import sys

from nasx import interrupts
from nasx.cli import checks, options
from nasx.cli.parser import add_command
from nasx.cli.results import exit_status, print_results
from nasx.layout import read_results

STARTUP_INTERRUPTED = "nasx: interrupted before the first job; nothing was changed"

SUMMARY = "compute the study (relaxations, phonons, thermodynamics) through FireWorks"

DESCRIPTION = """\
Compute the study: relax every phase (cell and positions, space group held), compute
finite-displacement phonons with phonopy, then formation energies, hull distances and OCV
plateaus (thermodynamic and kinetic path) at 0 K and every --temperatures.

The jobs run here, on --workers processes (one per core by default), as one FireWorks
workflow on an embedded file-backed LaunchPad inside --out (or on --launchpad). Interrupt
it (Ctrl-C, kill) and run the same command again to resume; rerunning a finished directory redoes only the analysis, and with
other --temperatures or --bypass only the phonon and analysis jobs.

inputs:   the built-in Na–S set, or --structures DIR (CIFs of one binary A–X system)
outputs:  in --out: results.json, report.md, voltage_profile.png, hull.png;
          phases/<id>/relaxed.cif, phonopy.yaml, thermal.json, phonon figures;
          phases/<id>/instability/ (with --follow-instabilities);
          run.json (settings), journal.jsonl (one line per job), launches/jobs.log
committee: --calculator chgnet sevennet computes the study with each model in one workflow:
          DIR/models/<name>/ is each model's run directory (as above), and DIR's own
          results.json, report.md and figures give each model's value, min and max of every
          formation energy, hull distance and plateau at every temperature
units:    eV, eV/atom, meV/atom, Å, K, V, mAh/g
exit status: 0 complete results, 3 partial results, 1 jobs failed (run the same command
          again to retry them), 2 bad option or input (one line, before any job), 130 interrupted
"""

CALCULATORS = ("chgnet", "sevennet", "stub", "stub-stiff", "vasp")

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""One thread each by default: torch's and OpenBLAS's pools collide on small CPUs (measured
3× slower with two of each on 2 cores; README, "Performance"). Set them to override."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "run", SUMMARY, DESCRIPTION, command)
    options.add_out(parser, "nasx-run", "run directory: results, report, per-phase files")
    parser.add_argument(
        "--calculator",
        nargs="+",
        choices=CALCULATORS,
        default=[CALCULATORS[0]],
        metavar="NAME",
        help="chgnet: CHGNet's r2SCAN model (no VASP needed); sevennet: SevenNet 7net-mf-0's r2SCAN "
        'head (optional: pip install "nasx[sevennet]"); stub, stub-stiff: analytic test models '
        "(stub-stiff: the compounds' springs × 1.5); vasp: r2SCAN VASP under custodian, run here with "
        "--vasp-cmd. Several names: a committee, one run per model in DIR/models/<name>/ and "
        "the spread across them in DIR (default chgnet)",
    )
    parser.add_argument(
        "--launchpad",
        type=options.path,
        metavar="FILE",
        help="my_launchpad.yaml of your MongoDB (default: the embedded store DIR/launchpad.json)",
    )
    parser.add_argument(
        "--workers",
        type=options.count,
        metavar="N",
        help="worker processes, one thread each (≥ 1; default: $NASX_WORKERS, else the usable "
        "cores); with --launchpad, N FireWorks workers on this machine against that database",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    options.add_study_options(parser)
    vasp = options.add_calculation_options(parser)
    vasp.add_argument(
        "--vasp-cmd",
        metavar="COMMAND",
        help="command that runs VASP here, e.g. 'mpirun -n 8 vasp_std' or nasx-fake-vasp "
        "(needed with --calculator vasp; its program must be on PATH)",
    )


def command(args: argparse.Namespace) -> int:
    for variable in THREAD_VARIABLES:  # before torch and numpy's BLAS start their pools
        os.environ.setdefault(variable, "1")
    from nasx.workflows.calculators import CalculatorOptions, get_calculator
    from nasx.workflows.committee import run_committee
    from nasx.workflows.launchpad import launchpad_from_file
    from nasx.workflows.runner import RunFailed, run_study

    checks.check_out(args.out)
    if not args.launchpad:
        checks.check_embedded_store(args.out)
    workers = args.workers or checks.default_workers()
    names = checks.calculator_names(args.calculator)
    checks.check_follow(args, names)
    if "vasp" in names:
        checks.check_vasp_cmd(args.vasp_cmd)
    phase_set = checks.phase_set(args)
    settings = checks.run_settings(args, phase_set)
    for warning in checks.size_warnings(phase_set, settings):
        print(warning, file=sys.stderr)
    launchpad = launchpad_from_file(args.launchpad) if args.launchpad else None
    calculator_options = CalculatorOptions(
        structures_dir=str(args.structures.resolve()) if args.structures else None,
        phase_set=phase_set,
        vasp_cmd=args.vasp_cmd,
        auto_kspacing=args.auto_kspacing,
        polling_seconds=args.polling_seconds,
    )
    calculators = [get_calculator(name, calculator_options) for name in names]
    if interrupts.requested():  # a Ctrl-C during the imports and checks above
        print(STARTUP_INTERRUPTED, file=sys.stderr)
        return 130
    committee = len(calculators) > 1
    models = (
        "a committee of " + "; ".join(f"{c.name}: {c.describe()}" for c in calculators)
        if committee
        else calculators[0].describe()
    )
    print(
        f"nasx run: {len(phase_set)} phases of {phase_set.system.name} with {models} -> {args.out}"
    )
    run = run_committee if committee else run_study
    try:
        summary = run(
            phase_set,
            calculators if committee else calculators[0],
            settings,
            args.out,
            launchpad=launchpad,
            progress=not args.quiet,
            workers=workers,
            launchpad_file=args.launchpad,
        )
    except RunFailed as exc:
        print(f"nasx: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"\nnasx: interrupted; finished jobs are saved in {args.out}. "
            "Run the same command again to resume.",
            file=sys.stderr,
        )
        return 130
    if committee:
        return _committee_summary(summary, names)
    results = read_results(summary.run_dir)
    print_results(results)
    print(
        f"{summary.jobs_launched} jobs in {summary.seconds:.0f} s; "
        f"report: {summary.run_dir / 'report.md'}"
    )
    return exit_status(results)


def _committee_summary(summary, names: list[str]) -> int:
    """Each model's voltages, then the committee's spread of the plateaus; the worst status."""
    from nasx.cli.results import print_committee
    from nasx.layout import MODELS_DIR

    statuses = []
    for name in names:
        results = read_results(summary.run_dir / MODELS_DIR / name)
        print(f"{name}:")
        print_results(results)
        statuses.append(exit_status(results))
    print_committee(read_results(summary.run_dir))
    print(
        f"{summary.jobs_launched} jobs in {summary.seconds:.0f} s; "
        f"report: {summary.run_dir / 'report.md'}"
    )
    return max(statuses)
