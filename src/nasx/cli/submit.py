"""`nasx submit`: add the study's VASP or GPAW workflow to a LaunchPad for cluster workers."""

from __future__ import annotations

import argparse

from nasx.api import CLUSTER_CALCULATORS
from nasx.cli import options
from nasx.cli.parser import add_command
from nasx.wording import counted

SUMMARY = (
    "add the VASP (or GPAW) workflow to your LaunchPad for cluster workers (qlaunch / rlaunch)"
)

DESCRIPTION = """\
Add the study's VASP workflow (relaxations, one job per phonon displacement, thermal
properties, analysis) to a FireWorks LaunchPad and print the job ids; nothing runs here.
Workers with env.vasp_cmd in my_fworker.yaml run it (qlaunch / rlaunch; see
hpc_templates/README.md). With --calculator gpaw the same graph runs GPAW r2SCAN (--gpaw
settings) on workers with GPAW installed, each calculation under their env.gpaw_launcher
(e.g. srun; docs/gpaw.md). The same study is refused twice unless --force.

It takes the study and calculation options of nasx run, checked the same way before anything
is added.

inputs:   --launchpad my_launchpad.yaml (MongoDB); the built-in Na–S set or --structures DIR
outputs:  the workflow on the LaunchPad; run.json in --out, a directory that the workers share,
          where they write what nasx run writes (results.json, report.md, phases/<id>/ ...)
units:    eV, eV/atom, meV/atom, Å, K, V, mAh/g
exit status: 0 added, 2 bad option or input (one line; nothing added)
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "submit", SUMMARY, DESCRIPTION, command)
    parser.add_argument(
        "--launchpad",
        type=options.path,
        required=True,
        metavar="FILE",
        help="my_launchpad.yaml of your MongoDB",
    )
    parser.add_argument(
        "--calculator",
        choices=CLUSTER_CALCULATORS,
        default="vasp",
        help="what the workers run: VASP r2SCAN under custodian, or GPAW r2SCAN (default: vasp)",
    )
    parser.add_argument(
        "--out",
        type=options.path,
        metavar="DIR",
        help="run directory on the file system the workers share (default: nasx-<calculator>)",
    )
    parser.add_argument(
        "--force", action="store_true", help="add the study even if it is already on the LaunchPad"
    )
    options.add_study_options(parser)
    options.add_calculation_options(parser, local=False)


def command(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from nasx.api import submit_study
    from nasx.cli.run import study_options

    out = args.out or Path(f"nasx-{args.calculator}")
    study = replace(study_options(args), calculator=(args.calculator,)).resolve()
    jobs = submit_study(study, launchpad=args.launchpad, out=out, force=args.force)
    print(
        f"added {counted(len(jobs), 'job')} for {counted(len(study.phase_set), 'phase')} of "
        f"{study.phase_set.system.name} with {args.calculator} (run directory {out.resolve()}):"
    )
    for fw_id, name in jobs.items():
        print(f"  {fw_id:>6}  {name}")
    print(
        "phonon displacement jobs are added when each relaxation finishes; "
        "start workers with qlaunch (hpc_templates/README.md)"
    )
    return 0
