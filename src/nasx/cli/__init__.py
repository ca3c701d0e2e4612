"""The ``nasx`` command line: `run`, `analyze`, `submit`, `status`, `templates`, `structures`.

Each command is a module with ``add_parser(commands)`` and ``command(args) -> int``; the
options they share and their validators are in `nasx.cli.options`. Imports of the rest of
nasx stay inside the command functions, so ``nasx --help`` starts at once.
"""

from __future__ import annotations

from nasx import interrupts

interrupts.record_until_first_job()  # before the imports below: a Ctrl-C now is kept, not lost

import shlex  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from nasx import __version__  # noqa: E402
from nasx.arguments import ArgumentError  # noqa: E402
from nasx.cli import analyze, run, status, structures, submit, templates  # noqa: E402
from nasx.cli.parser import USAGE_EXIT, HelpFormatter, OptionError, Parser  # noqa: E402
from nasx.cli.results import PARTIAL_EXIT  # noqa: E402
from nasx.errors import NasxInputError  # noqa: E402
from nasx.redaction import redact  # noqa: E402

INTERRUPTED_EXIT = 130
STARTUP_INTERRUPTED = "nasx: interrupted before the first job; nothing was changed"

__all__ = ["PARTIAL_EXIT", "USAGE_EXIT", "build_parser", "main"]

DESCRIPTION = """\
r2SCAN + phonon thermodynamics of binary battery cathodes (Na–S and any A–X): formation
energies, convex-hull depths and OCV plateaus along the thermodynamic and kinetic
(phase-bypassed) reduction paths. 'nasx COMMAND --help' explains each command."""

EPILOG = """\
examples:
  nasx run                                            the whole Na–S study with CHGNet r2SCAN
  nasx run --calculator stub --out stub-run           the analytic test calculator
  nasx run --structures my_li_s/ --out li-s           your own binary A–X set
  nasx analyze nasx-run/ --temperatures 300 350 400   re-analyse a finished run, nothing recomputed
  nasx analyze my_vasp_tree/ --out results/           VASP relaxations and phonopy folders
  nasx analyze --launchpad my_launchpad.yaml --workflow 12
  nasx analyze entries.json --temperatures 0 300 --bypass Na2S2 Na2S4
  nasx submit --launchpad my_launchpad.yaml --out /shared/na-s-vasp   VASP jobs for cluster workers
  nasx status nasx-run/                               where a run stands and what to do next
  nasx status --launchpad my_launchpad.yaml           the same for the workflows on a MongoDB
  nasx templates ~/nasx-fw                            the cluster templates, to fill in
  nasx structures                                     the built-in Na–S set and its provenance
  nasx structures my_cifs/                            validate your own binary A–X set

exit status: 0 complete, 3 partial results, 2 bad option or input (one line on stderr),
1 failed jobs (nasx run; nasx status: failed or lost), 4 in progress (nasx status),
130 interrupted
"""


def build_parser() -> Parser:
    parser = Parser(
        prog="nasx", description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"nasx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, analyze, submit, status, templates, structures):
        module.add_parser(commands)
    for command in commands.choices.values():  # Python argument → the option that gives it
        command.set_defaults(
            option_of={
                action.dest: action.option_strings[0] if action.option_strings else action.metavar
                for action in command._actions
            }
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad options and inputs give one line on stderr and exit status 2."""
    args = None
    try:
        args = build_parser().parse_args(argv)
        args.command_line = redact(shlex.join(["nasx", *(sys.argv[1:] if argv is None else argv)]))
        if interrupts.requested():
            print(STARTUP_INTERRUPTED, file=sys.stderr)
            return INTERRUPTED_EXIT
        if args.command != "run":  # run keeps recording until its first job (cli/run.py)
            interrupts.release()
        return args.handler(args)
    except NasxInputError as exc:
        message = str(exc)
        if isinstance(exc, ArgumentError):  # named as the option that gives it
            option = getattr(args, "option_of", {}).get(exc.argument) or exc.argument
            message = f"{option}: {exc.problem}"
        print(f"nasx: error: {redact(_one_line(message))}", file=sys.stderr)  # any URI
        if isinstance(exc, OptionError | ArgumentError):
            command = getattr(exc, "command", None) or (f"nasx {args.command}" if args else "nasx")
            print(f"see '{command} --help'", file=sys.stderr)
        return USAGE_EXIT
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # the database went away after the LaunchPad file was checked
        if not type(exc).__module__.startswith("pymongo"):
            raise
        from nasx.workflows.database import server_lost

        print(f"nasx: error: {server_lost(getattr(args, 'launchpad', None), exc)}", file=sys.stderr)
        return USAGE_EXIT
    except KeyboardInterrupt:
        print("nasx: interrupted", file=sys.stderr)
        return INTERRUPTED_EXIT


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


if __name__ == "__main__":
    raise SystemExit(main())
