"""Options shared by the commands, and their argparse validators.

`nasx run` and `nasx submit` take the same study and calculation options, defined here once
(`add_study_options`, `add_calculation_options`) and turned into `RunSettings` by
`nasx.cli.checks.run_settings`. The validators refuse a bad value with one line; the
ceilings below are stated in each option's help.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from nasx import defaults
from nasx.cli.parser import shown

MAX_TEMPERATURE_K = 5000.0
MAX_REPETITIONS = 20
"""The largest N of ``--supercell PHASE=NxNxN``."""
CEILINGS = {
    "--symprec": 1.0,
    "--min-length": 100.0,
    "--displacement": 0.5,
    "--mesh-length": 1000.0,
    "--convergence-length": 100.0,
}
"""The largest value each of these options accepts (Å); the others are only > 0."""


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' is not {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{shown(text)}' is not a finite number")
    return value + 0.0  # -0 → 0


def temperature(text: str) -> float:
    """A temperature in K, from 0 (static energies only) to `MAX_TEMPERATURE_K`."""
    value = _finite(text, "a temperature in K")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value:g} K is below 0 K")
    if value > MAX_TEMPERATURE_K:
        raise argparse.ArgumentTypeError(
            f"{value:g} K is above {MAX_TEMPERATURE_K:g} K, the highest temperature accepted"
        )
    return value


def positive(unit: str, ceiling: float | None = None) -> Callable[[str], float]:
    """A validator of a number > 0 (in ``unit``), at most ``ceiling``."""

    def parse(text: str) -> float:
        value = _finite(text, f"a number ({unit})")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{value:g} {unit} is not > 0")
        if ceiling is not None and value > ceiling:
            raise argparse.ArgumentTypeError(
                f"{value:g} {unit} is above {ceiling:g} {unit}, the largest value accepted"
            )
        return value

    return parse


def count(text: str) -> int:
    """A whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not ≥ 1")
    return value


def supercell(text: str) -> tuple[str, tuple[int, int, int]]:
    """``PHASE=NxNxN`` as (phase id, repetitions), each N from 1 to `MAX_REPETITIONS`."""
    name, equals, grid = text.partition("=")
    try:
        numbers = tuple(int(n) for n in grid.lower().split("x"))
    except ValueError:
        numbers = ()
    if not (equals and name.strip() and len(numbers) == 3) or not all(
        1 <= n <= MAX_REPETITIONS for n in numbers
    ):
        raise argparse.ArgumentTypeError(
            f"'{shown(text)}': expected PHASE=NxNxN with each N from 1 to {MAX_REPETITIONS}, "
            "e.g. S8_Fddd=1x1x1"
        )
    return name.strip(), numbers  # type: ignore[return-value]


def path(text: str) -> Path:
    """A file or directory name; refused when it is not UTF-8 (it goes into JSON and reports)."""
    if not text:
        raise argparse.ArgumentTypeError("empty path")
    if not is_utf8(text):
        raise argparse.ArgumentTypeError(f"{shown(text)}: {NOT_UTF8}")
    return Path(text)


NOT_UTF8 = "the name is not valid UTF-8; rename it"


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (Python decodes them to surrogates)."""
    return not any("\ud800" <= c <= "\udfff" for c in name)


def add_out(parser: argparse.ArgumentParser, default: str, help: str) -> None:
    parser.add_argument("--out", type=path, default=Path(default), metavar="DIR", help=help)


def add_temperatures(
    parser: argparse._ActionsContainer, default: list[float] | None, what: str, default_text: str
) -> None:
    parser.add_argument(
        "--temperatures",
        type=temperature,
        nargs="+",
        metavar="K",
        default=default,
        help=f"{what} (K, each from 0 to {MAX_TEMPERATURE_K:g}; default {default_text})",
    )


def add_phases(parser: argparse._ActionsContainer, help: str) -> None:
    parser.add_argument("--phases", nargs="+", metavar="PHASE", help=help)


def add_bypass(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bypass",
        nargs="*",
        metavar="FORMULA",
        help="formulas skipped on the kinetic path; none given: no bypass "
        "(default: the study's, Na2S2 for Na–S)",
    )


def add_study_options(parser: argparse.ArgumentParser) -> None:
    """Which phases, temperatures and bypass: `run` and `submit`."""
    group = parser.add_argument_group("study")
    group.add_argument(
        "--structures",
        type=path,
        metavar="DIR",
        help="your directory of CIFs of one binary A–X system (default: the built-in Na–S set)",
    )
    add_phases(
        group,
        "phase ids or formulas; a formula takes every polymorph, and both "
        "elemental references are needed (default: the set's default phases)",
    )
    add_temperatures(
        group,
        list(defaults.TEMPERATURES_K),
        "temperatures of F_vib, S and Cv; 0 K (static energies) is always reported",
        " ".join(f"{t:g}" for t in defaults.TEMPERATURES_K),
    )
    add_bypass(group)


def add_number(
    group: argparse._ActionsContainer,
    flag: str,
    default: float | None,
    what: str,
    unit: str = "Å",
    default_text: str | None = None,
) -> None:
    """A number option > 0 in ``unit`` (at most its `CEILINGS` value); its help states both."""
    ceiling = CEILINGS.get(flag)
    limits = f"> 0, at most {ceiling:g}" if ceiling else "> 0"
    shown_default = default_text or f"{default:g}"
    group.add_argument(
        flag,
        type=positive(unit, ceiling),
        default=default,
        metavar={"Å": "LENGTH", "eV/Å": "FORCE", "s": "SECONDS"}[unit],
        help=f"{what} ({unit}, {limits}; default {shown_default})",
    )


def add_choice(
    group: argparse._ActionsContainer, flag: str, choices: Sequence[str], help: str
) -> None:
    """An option whose default is the first of ``choices``."""
    group.add_argument(flag, choices=list(choices), default=choices[0], help=help)


def add_calculation_options(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The settings that fix a run directory's calculations; returns the VASP group."""
    group = parser.add_argument_group(
        "calculation settings (fixed for a run directory; for others use another --out)"
    )
    add_number(group, "--fmax", defaults.FMAX_EV_PER_A, "relaxation force threshold", "eV/Å")
    group.add_argument(
        "--max-steps",
        type=count,
        default=defaults.MAX_STEPS,
        help="relaxation step limit (≥ 1); a relaxation that reaches it is reported unconverged",
    )
    add_number(group, "--symprec", defaults.RELAX_SYMPREC_A, "symmetry tolerance of relaxed cells")
    add_number(
        group,
        "--min-length",
        defaults.MIN_SUPERCELL_LENGTH_A,
        "minimum supercell height for phonons",
    )
    group.add_argument(
        "--supercell",
        type=supercell,
        action="append",
        default=[],
        metavar="PHASE=NxNxN",
        help="repetitions of the conventional cell for one phase id, overriding --min-length "
        f"(N from 1 to {MAX_REPETITIONS}); repeat the option for more phases",
    )
    add_number(group, "--displacement", defaults.DISPLACEMENT_A, "finite-displacement amplitude")
    add_number(group, "--mesh-length", defaults.MESH_LENGTH_A, "phonopy's q-mesh length")
    add_choice(
        group,
        "--imaginary-policy",
        ["flag", "pretend_real"],
        "flag: imaginary modes are left out of F_vib and reported; pretend_real: |ν| enters F_vib",
    )
    add_choice(
        group,
        "--gamma-acoustic",
        ["auto", "exclude", "include"],
        "the three acoustic modes at Γ in F_vib: excluded for translationally invariant "
        "models (auto: every calculator but the stub), or as chosen",
    )
    group.add_argument(
        "--check-convergence",
        nargs="+",
        default=[],
        metavar="PHASE",
        help="repeat these phases' phonons in a larger supercell and report the change in F_vib "
        "(ids or formulas as for --phases; 'all' for every phase)",
    )
    add_number(
        group,
        "--convergence-length",
        None,
        "minimum supercell height of the convergence check",
        default_text="1.5 × --min-length",
    )
    group.add_argument(
        "--follow-instabilities",
        action="store_true",
        help="for each phase with a mode below the imaginary tolerance after symmetrising (an "
        "instability, not noise), displace along its lowest mode in the smallest supercell "
        "that holds its q, relax cell and positions without the symmetry constraint, and "
        "report the structure found, its space group and the energy gained per atom "
        "(phases/<id>/instability/, results.json, report); one extra job per phase; not with "
        "VASP",
    )
    vasp = parser.add_argument_group("VASP (--calculator vasp)")
    vasp.add_argument(
        "--auto-kspacing",
        action="store_true",
        help="pymatgen's automatic k-spacing instead of the paper's k-grids",
    )
    add_number(
        vasp, "--polling-seconds", 10.0, "how often custodian checks a running VASP job", "s"
    )
    return vasp
