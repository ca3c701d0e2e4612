"""`nasx run`: compute the study here, through a FireWorks workflow."""

from __future__ import annotations

import argparse
import sys

from nasx import interrupts
from nasx.arguments import ArgumentError
from nasx.cli import options
from nasx.cli.parser import add_command
from nasx.cli.results import exit_status, print_results
from nasx.study import CALCULATORS
from nasx.wording import counted

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
          phases/<id>/qha/v<factor>/ (with --qha: each volume's relaxation and phonons);
          run.json (settings), journal.jsonl (one line per job), launches/jobs.log
committee: --calculator chgnet sevennet computes the study with each model in one workflow:
          DIR/models/<name>/ is each model's run directory (as above), and DIR's own
          results.json, report.md and figures give each model's value, min and max of every
          formation energy, hull distance and plateau at every temperature
units:    eV, eV/atom, meV/atom, Å, K, V, mAh/g
exit status: 0 complete results, 3 partial results, 1 jobs failed (run the same command
          again to retry them), 2 bad option or input (one line, before any job), 130 interrupted
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "run", SUMMARY, DESCRIPTION, command)
    options.add_out(parser, "nasx-run", "run directory: results, report, per-phase files")
    parser.add_argument(
        "--calculator",
        nargs="+",
        default=[CALCULATORS[0]],
        metavar="NAME",
        help="chgnet: CHGNet's r2SCAN model (no VASP needed); sevennet: SevenNet 7net-mf-0's r2SCAN "
        'head (optional: pip install "nasx[sevennet]"); stub, stub-stiff: analytic test models '
        "(stub-stiff: the compounds' springs × 1.5); vasp: r2SCAN VASP under custodian, run here with "
        "--vasp-cmd; gpaw: r2SCAN DFT with GPAW (optional: scripts/install_gpaw.sh; settings: "
        "--gpaw); chgnet+d4, sevennet+d4: with DFT-D4 dispersion (see --dispersion). Several "
        "names: a committee, one run per model in DIR/models/<name>/ and the spread across them "
        "in DIR (default chgnet)",
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
    from nasx import api
    from nasx.workflows.runner import RunFailed

    study = study_options(args).resolve()
    for warning in study.size_warnings(("--supercell", "--min-length")):
        print(f"nasx: warning: {warning}", file=sys.stderr)
    calculators = study.options.calculator
    if interrupts.requested():  # a Ctrl-C during the imports and checks above
        print(STARTUP_INTERRUPTED, file=sys.stderr)
        return 130
    try:
        result = api.execute(
            study,
            out=args.out,
            workers=args.workers,
            launchpad=args.launchpad,
            progress=not args.quiet,
            command=args.command_line,
            on_start=lambda models: print(
                f"nasx run: {counted(len(study.phase_set), 'phase')} of {study.phase_set.system.name} "
                f"with {models} -> {args.out}"
            ),
        )
    except api.StartupInterrupted:
        print(STARTUP_INTERRUPTED, file=sys.stderr)
        return 130
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
    if len(calculators) > 1:
        return _committee_summary(result, list(calculators), args.out)
    print_results(result.to_json())
    print(
        f"{counted(result.jobs_launched, 'job')} in {result.seconds:.0f} s; report: {args.out / 'report.md'}"
    )
    return exit_status(result.to_json())


def study_options(args: argparse.Namespace):
    """The `StudyOptions` of ``nasx run`` / ``nasx submit``'s options."""
    from dataclasses import fields, replace

    from nasx.qha_settings import QhaSettings
    from nasx.study import StudyOptions

    given = vars(args)
    names = {f.name for f in fields(StudyOptions)}
    values = {k: v for k, v in given.items() if k in names}
    values["supercell"] = dict(given.get("supercell") or [])
    values["gpaw"] = _settings("gpaw", given.get("gpaw"))
    values["vasp"] = _settings("vasp", given.get("vasp"))
    values["qha"] = given.get("qha_volumes") or given.get("qha")  # --qha-volumes implies --qha
    if given.get("qha_imaginary"):  # so does --qha-imaginary
        volumes = values["qha"] if isinstance(values["qha"], QhaSettings) else QhaSettings()
        values["qha"] = replace(volumes, imaginary_policy=given["qha_imaginary"])
    return StudyOptions.from_arguments(**values)


def _settings(argument: str, pairs: list[tuple[str, str]] | None) -> dict[str, str] | None:
    """``--gpaw``'s or ``--vasp``'s KEY=VALUE pairs (the option repeated or not) as one
    mapping; a key given twice is refused."""
    if not pairs:
        return None
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ArgumentError(argument, f"{', '.join(repeated)} given more than once")
    return dict(pairs)


def _committee_summary(result, names: list[str], out) -> int:
    """Each model's voltages, then the committee's spread of the plateaus; the worst status."""
    from nasx.cli.results import print_committee

    statuses = []
    for name in names:
        model = result.models[name]
        print(f"{name}:")
        print_results(model.to_json())
        statuses.append(exit_status(model.to_json()))
    print_committee(result.to_json())
    print(
        f"{counted(result.jobs_launched, 'job')} in {result.seconds:.0f} s; report: {out / 'report.md'}"
    )
    return max(statuses)
