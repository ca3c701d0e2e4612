"""The arguments of nasx's Python functions, checked the same way for Python and the command line.

Every check raises `ArgumentError`, a `NasxInputError` naming the argument by its Python name
(``fmax_eV_per_A``); the command line names it by its option (``--fmax``) instead. The ceilings
are stated here once, for the docstrings, the ``--help`` texts and the checks.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path

from nasx.errors import NasxInputError

MAX_TEMPERATURE_K = 5000.0
MAX_REPETITIONS = 20
"""The largest repetition of a phonon supercell along one axis (``supercell={"S8_Fddd": (1, 1, 2)}``)."""
CEILINGS = {
    "symprec_A": 1.0,
    "min_length_A": 100.0,
    "displacement_A": 0.5,
    "mesh_length_A": 1000.0,
    "convergence_length_A": 100.0,
}
"""The largest value each of these length arguments accepts (Å); the other numbers are only > 0."""
NOT_UTF8 = "the name is not valid UTF-8; rename it"


class ArgumentError(NasxInputError):
    """A bad argument of a nasx function: ``argument`` is its Python name, ``problem`` one line.

    The command line reports it under the option's name (``--fmax``), with a pointer to the
    command's ``--help``."""

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(argument, problem)
        self.argument = argument


def shown(text: str) -> str:
    """``text`` as one printable line: non-UTF-8 bytes of a file name as ``\\xff``, control
    characters escaped."""
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate no file name decodes to
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if text.isprintable() else repr(text)[1:-1]


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (Python decodes them to surrogates)."""
    return not any("\ud800" <= c <= "\udfff" for c in name)


def finite(argument: str, value: object, what: str = "a number") -> float:
    """``value`` as a finite float (-0 as 0), else an ArgumentError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ArgumentError(argument, f"{value!r} is not {what}")
    try:
        number = float(value)
    except ValueError:
        raise ArgumentError(argument, f"'{shown(str(value))}' is not {what}") from None
    if not math.isfinite(number):
        raise ArgumentError(argument, f"'{shown(str(value))}' is not a finite number")
    return number + 0.0


def temperature_K(argument: str, value: object) -> float:
    """A temperature in K, from 0 (static energies only) to `MAX_TEMPERATURE_K`."""
    t = finite(argument, value, "a temperature in K")
    if t < 0:
        raise ArgumentError(argument, f"{t:g} K is below 0 K")
    if t > MAX_TEMPERATURE_K:
        raise ArgumentError(
            argument, f"{t:g} K is above {MAX_TEMPERATURE_K:g} K, the highest temperature accepted"
        )
    return t


def temperatures_K(argument: str, values: Iterable[object]) -> tuple[float, ...]:
    """Temperatures in K (each checked as `temperature_K`), at least one."""
    checked = tuple(temperature_K(argument, v) for v in _sequence(argument, values))
    if not checked:
        raise ArgumentError(argument, "give at least one temperature")
    return checked


def positive(argument: str, value: object, unit: str) -> float:
    """A number > 0 in ``unit``, at most the argument's `CEILINGS` value where it has one."""
    number = finite(argument, value, f"a number ({unit})")
    if number <= 0:
        raise ArgumentError(argument, f"{number:g} {unit} is not > 0")
    ceiling = CEILINGS.get(argument)
    if ceiling is not None and number > ceiling:
        raise ArgumentError(
            argument, f"{number:g} {unit} is above {ceiling:g} {unit}, the largest value accepted"
        )
    return number


def count(argument: str, value: object) -> int:
    """A whole number ≥ 1."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ArgumentError(argument, f"{value!r} is not a whole number")
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ArgumentError(argument, f"'{shown(str(value))}' is not a whole number") from None
    if number < 1:
        raise ArgumentError(argument, f"{number} is not ≥ 1")
    return number


def repetitions(argument: str, phase: str, value: object) -> tuple[int, int, int]:
    """Three repetitions of a supercell, each from 1 to `MAX_REPETITIONS`."""
    try:
        numbers = tuple(int(n) for n in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != 3 or not all(1 <= n <= MAX_REPETITIONS for n in numbers):
        raise ArgumentError(
            argument,
            f"{shown(phase)}: expected three repetitions, each from 1 to {MAX_REPETITIONS} "
            "(e.g. S8_Fddd=1x1x1)",
        )
    return numbers  # type: ignore[return-value]


def supercells(argument: str, value: Mapping[str, object]) -> dict[str, tuple[int, int, int]]:
    """Phase id → three repetitions."""
    if not isinstance(value, Mapping):
        raise ArgumentError(argument, "expected a mapping of phase id to (N, N, N)")
    return {str(name): repetitions(argument, str(name), n) for name, n in value.items()}


def choice(argument: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ArgumentError(
            argument,
            f"invalid choice: '{shown(str(value))}' (choose from {', '.join(map(repr, choices))})",
        )
    return str(value)


def names(argument: str, values: str | Iterable[object] | None) -> tuple[str, ...] | None:
    """Names (phase ids, formulas, models) as a tuple of strings; a single string is one name."""
    if values is None:
        return None
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in _sequence(argument, values))


def path(argument: str, value: str | Path | None) -> Path | None:
    """A file or directory name; refused when it is empty or not UTF-8 (it goes into JSON)."""
    if value is None:
        return None
    text = str(value)
    if not text:
        raise ArgumentError(argument, "empty path")
    if not is_utf8(text):
        raise ArgumentError(argument, f"{shown(text)}: {NOT_UTF8}")
    return Path(value)


def out_dir(argument: str, value: str | Path | None) -> Path:
    """An output directory: refused when it is a file or lies under one."""
    out = path(argument, value)
    if out is None:
        raise ArgumentError(argument, "give a directory")
    for parent in (out, *out.parents):
        if parent.exists():
            if not parent.is_dir():
                where = "is a file" if parent == out else f"is under {parent}, which is a file"
                raise ArgumentError(argument, f"{out} {where}; give a directory")
            break
    return out


def _sequence(argument: str, values: object) -> list:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ArgumentError(argument, f"expected a list, not {type(values).__name__}")
    return list(values)


def program(argument: str, command: str) -> str:
    """``command`` with its program found on PATH or, for a bare name, beside this Python; a
    command that does not parse, is empty, or names no program found is refused."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ArgumentError(argument, f"'{shown(command)}' is not a command ({exc})") from None
    if not words:
        raise ArgumentError(argument, "is empty: give a command")
    if shutil.which(words[0]) is not None:
        return command
    beside = Path(sys.executable).parent / words[0]
    if "/" not in words[0] and shutil.which(beside) is not None:
        return shlex.join([str(beside), *words[1:]])
    raise ArgumentError(
        argument,
        f"'{shown(words[0])}' is not on PATH; give its full path or load the module that "
        "provides it",
    )


def settings(
    argument: str,
    given: object,
    record: type,
    what: str,
    checked: Callable[[str, str, object], object],
) -> object:
    """A settings ``record`` (a dataclass: `GpawSettings`, `VaspSettings`) from a mapping of
    the user's values, each ``checked(argument, key, value)``, the defaults for the others; an
    unknown key or a value that is not a mapping is an `ArgumentError` naming ``argument``."""
    if isinstance(given, record):
        return given
    if not isinstance(given, Mapping):
        raise ArgumentError(argument, f"expected a mapping of {what} setting to value")
    known = [f.name for f in fields(record)]
    for key in given:
        if key not in known:
            raise ArgumentError(
                argument,
                f"unknown {what} setting '{shown(str(key))}' (settings: {', '.join(known)})",
            )
    return record(**{key: checked(argument, key, value) for key, value in given.items()})


def within(argument: str, value: object, low: float, high: float) -> float:
    """A finite number from ``low`` to ``high`` (text converted)."""
    number = finite(argument, value)
    if not low <= number <= high:
        raise ArgumentError(argument, f"{number:g} is outside [{low:g}, {high:g}]")
    return number


def count_at_most(argument: str, value: object, most: int) -> int:
    """A whole number from 1 to ``most`` (text converted)."""
    number = count(argument, value)
    if number > most:
        raise ArgumentError(argument, f"{number} is above {most}")
    return number
