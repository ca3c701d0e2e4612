"""`nasx status`: where a study stands, from its run directory or a MongoDB LaunchPad."""

from __future__ import annotations

import argparse

from nasx.cli import options
from nasx.cli.parser import add_command

SUMMARY = (
    "where a study stands: jobs by kind and state, failures, running and lost jobs, and the "
    "command that resumes or recovers it"
)

DESCRIPTION = """Reads a run directory's embedded store or a MongoDB LaunchPad (nothing is changed) and prints,
per nasx workflow, its jobs by kind and state, every failed job with the last line of its error,
running jobs with their worker, age and last heartbeat, lost runs, and what to do next.

exit status: 0 complete, 1 a job failed or was lost (the printed command recovers it),
4 in progress (running, ready or waiting jobs: wait, or start workers), 2 unusable input
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "status", SUMMARY, DESCRIPTION, command)
    parser.add_argument(
        "run_dir",
        type=options.path,
        nargs="?",
        metavar="RUN_DIR",
        help="a nasx run directory (default: nasx-run, where 'nasx run' writes)",
    )
    parser.add_argument(
        "--launchpad", type=options.path, metavar="FILE", help="my_launchpad.yaml of your MongoDB"
    )
    parser.add_argument(
        "--workflow",
        dest="workflow_id",
        type=options.count,
        metavar="ID",
        help="with --launchpad: any job id of the workflow (default: every nasx workflow)",
    )
    parser.add_argument(
        "--lost-after",
        dest="lost_after_s",
        type=float,
        metavar="SECONDS",
        help="a running job without a heartbeat for this long is lost (default: FireWorks' "
        "RUN_EXPIRATION_SECS, 4 h; jobs send one every hour)",
    )


def command(args: argparse.Namespace) -> int:
    from nasx import api
    from nasx.workflows.status import render

    report = api.status(
        args.run_dir,
        launchpad=args.launchpad,
        workflow_id=args.workflow_id,
        lost_after_s=args.lost_after_s,
    )
    print(render(report))
    return report.code
