"""The argument parser of every nasx command: one-line errors, help that shows defaults."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from nasx.arguments import shown
from nasx.errors import NasxInputError

USAGE_EXIT = 2
"""Exit status of a bad option or an unusable input."""


class OptionError(NasxInputError):
    """A bad command-line option, reported as ``nasx: error: OPTION: PROBLEM`` and a help pointer.

    ``command`` is the command whose help explains the option (``nasx run``); None: the one
    that was run.
    """

    def __init__(self, option: str, problem: str, command: str | None = None) -> None:
        super().__init__(option, problem)
        self.command = command


_ARGUMENT = re.compile(r"argument (\S+): (.*)", re.DOTALL)
_REQUIRED = "the following arguments are required: "
_AMBIGUOUS = re.compile(r"ambiguous option: (\S+) could match (.*)", re.DOTALL)


def _split(message: str, prog: str) -> tuple[str, str]:
    """argparse's message as (option, problem)."""
    if match := _ARGUMENT.fullmatch(message):
        return match[1], match[2]
    if message.startswith(_REQUIRED):
        return message.removeprefix(_REQUIRED), "required"
    if match := _AMBIGUOUS.fullmatch(message):
        return match[1], f"ambiguous: could be {match[2]}"
    return prog, message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not the usage followed by the error.

    Its subparsers are of the same class, so every command reports errors the same way.
    """

    def error(self, message: str) -> NoReturn:
        option, problem = _split(message, self.prog)
        raise OptionError(option, problem, self.prog)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        command = getattr(parsed, "command", None)
        prog = f"{self.prog} {command}" if command else self.prog
        for arg in sys.argv[1:] if args is None else args:
            flag, joined, value = str(arg).partition("=")
            if joined and flag.startswith("--") and value == "--":
                # argparse (3.11) drops a joined "--" and gives the option an empty list
                raise OptionError(shown(flag), "expected a value, not '--'", prog)
        if extras:
            raise OptionError(shown(extras[0]), f"not an option or argument of '{prog}'", prog)
        return parsed


def _default_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_default_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; each option's default where it says something (not None,
    False or empty, and not already in the help)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, [], argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: {_default_text(action.default).replace('%', '%%')})"


def add_command(
    commands: argparse._SubParsersAction,
    name: str,
    summary: str,
    description: str,
    handler: Callable[[argparse.Namespace], int],
) -> Parser:
    """The subparser of one command: ``summary`` in ``nasx --help``, ``description`` in its own."""
    parser = commands.add_parser(
        name, help=summary, description=description, formatter_class=HelpFormatter
    )
    parser.set_defaults(handler=handler)
    return parser
