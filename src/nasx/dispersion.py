"""Dispersion added to a model: the option's names, checked before any job.

``dispersion="d4"`` (``--dispersion d4``) adds DFT-D4 with r2SCAN's damping parameters to every
calculator of a study that takes it; a model named ``chgnet+d4`` (``--calculator chgnet
chgnet+d4``) takes it alone, so a committee can hold a model with and without it. The
machine-learned models add it through the ``dftd4`` library (optional extra ``d4``), VASP through
its INCAR (IVDW = 13); the analytic stub (a test model with known answers) and GPAW (not wired
yet) refuse it. Where the physics lives: ``nasx.workflows.calculators.dispersion``.
"""

from __future__ import annotations

from collections.abc import Sequence

from nasx import arguments
from nasx.arguments import ArgumentError, shown

DISPERSIONS = ("d4",)
"""The dispersion corrections a model can take."""
NONE = "none"
"""The option's explicit default: no dispersion."""
SEPARATOR = "+"
TAKES_DISPERSION = ("chgnet", "sevennet")
"""The calculators whose names take a ``+d4`` suffix (a committee may hold both spellings)."""
VASP = "vasp"
"""VASP takes dispersion too, through ``dispersion`` only (its INCAR; its name stays ``vasp``)."""


def split(name: str) -> tuple[str, str | None]:
    """A model name as (calculator, dispersion): ``chgnet+d4`` → (``chgnet``, ``d4``)."""
    base, _, dispersion = name.partition(SEPARATOR)
    return base, dispersion or None


def joined(calculator: str, dispersion: str | None) -> str:
    """The model name of ``calculator`` with ``dispersion`` (None: the calculator's own)."""
    return f"{calculator}{SEPARATOR}{dispersion}" if dispersion else calculator


def checked(argument: str, value: object) -> str | None:
    """The option's value: None or ``"none"`` for no dispersion, else one of `DISPERSIONS`."""
    if value is None or value == NONE:
        return None
    if value not in DISPERSIONS:
        raise ArgumentError(
            argument,
            f"invalid choice: '{shown(str(value))}' (choose from "
            f"{', '.join(map(repr, (NONE, *DISPERSIONS)))})",
        )
    return str(value)


def check_model(argument: str, name: str, calculators: Sequence[str]) -> None:
    """Refuse a model name that is not a calculator of ``calculators``, optionally suffixed
    ``+d4`` where the calculator takes it (`TAKES_DISPERSION`)."""
    base, dispersion = split(name)
    if base not in calculators or (dispersion is None and SEPARATOR in name):
        raise ArgumentError(
            argument,
            f"invalid choice: '{shown(name)}' (choose from {', '.join(map(repr, calculators))}, "
            f"or {' or '.join(m + SEPARATOR + DISPERSIONS[0] for m in TAKES_DISPERSION)} for a "
            "model with dispersion)",
        )
    if dispersion is not None:
        if dispersion not in DISPERSIONS:
            raise ArgumentError(
                argument,
                f"'{shown(name)}': unknown dispersion (choose from {', '.join(DISPERSIONS)})",
            )
        if base not in TAKES_DISPERSION:
            raise ArgumentError(argument, f"'{shown(name)}': {refusal(base)}")


def refusal(calculator: str) -> str:
    """Why ``calculator`` takes no dispersion, in one line."""
    if calculator == VASP:
        return "VASP takes dispersion in its INCAR: give dispersion d4 (--dispersion d4) instead"
    why = {
        "stub": "the stub is an analytic test model with known answers",
        "stub-stiff": "the stub is an analytic test model with known answers",
        "gpaw": "GPAW with dispersion is not available yet",
    }.get(calculator, f"{calculator} takes none")
    return f"{why}; dispersion applies to {', '.join((*TAKES_DISPERSION, VASP))}"


def applied(argument: str, names: Sequence[str], dispersion: str | None) -> tuple[str, ...]:
    """The study's model names with ``dispersion`` given to every model (VASP's name stays
    ``vasp``); a model that cannot take it is refused, naming ``argument``."""
    if dispersion is None:
        return tuple(names)
    out = []
    for name in names:
        base, own = split(name)
        if base == VASP:
            out.append(name)
            continue
        if base not in TAKES_DISPERSION:
            raise ArgumentError(argument, f"{base}: {refusal(base)}")
        out.append(joined(base, own or dispersion))
    return tuple(out)


def calculator_names(argument: str, value: object, calculators: Sequence[str]) -> tuple[str, ...]:
    """One model name or several (a committee), each a calculator of ``calculators`` (or one
    with ``+d4``: `check_model`) and given once."""
    names = arguments.names(argument, value) or ()
    if not names:
        raise ArgumentError(argument, "name at least one calculator")
    for name in names:
        check_model(argument, name, calculators)
    distinct(argument, names)
    return names


def distinct(argument: str, names: Sequence[str], why: str = "") -> None:
    """Refuse a model named twice (``why``: what made it so)."""
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise ArgumentError(
            argument, f"{', '.join(repeated)} given more than once{why}; name each model once"
        )
