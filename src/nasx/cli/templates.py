"""`nasx templates DIR`: the cluster templates shipped with nasx, written out to be filled in."""

from __future__ import annotations

import argparse

from nasx.cli import options
from nasx.cli.parser import add_command

SUMMARY = "write the cluster templates (LaunchPad, worker, queue files, guide) into DIR"

DESCRIPTION = """Write hpc_templates/ as shipped with nasx (README.md, my_launchpad.yaml, my_fworker.yaml,
queue_slurm/pbs/lsf/sge.yaml) into DIR, to be filled in. my_launchpad.yaml is made readable by
you only: it will hold the database password.

exit status: 0 written, 2 DIR holds them already (use --force) or cannot be written
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "templates", SUMMARY, DESCRIPTION, command)
    parser.add_argument(
        "directory",
        type=options.path,
        metavar="DIR",
        help="where to write them (created if missing)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite files already there")


def command(args: argparse.Namespace) -> int:
    from nasx.templates import write_templates

    written = write_templates(args.directory, force=args.force)
    print(f"wrote {', '.join(p.name for p in written)} to {args.directory}")
    print(f"next: fill them in as {args.directory / 'README.md'} explains")
    return 0
