"""Options shared by the commands, and their argparse validators.

`nasx run` and `nasx submit` take the same study and calculation options, defined here once
(`add_study_options`, `add_calculation_options`), their destinations named as the keyword
arguments of `nasx.run` (``--fmax`` → ``fmax_eV_per_A``), so the options go to
`nasx.study.StudyOptions` as they are. The validators are `nasx.arguments`' checks, so a bad
value is refused with the same line from Python and from here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from nasx import arguments, defaults, qha_settings
from nasx.arguments import (
    MAX_REPETITIONS,
    MAX_TEMPERATURE_K,
    ArgumentError,
    shown,
)
from nasx.gpaw_settings import GpawSettings
from nasx.qha_settings import QhaSettings
from nasx.vasp_settings import VaspSettings

CEILINGS = {f"--{k.removesuffix('_A').replace('_', '-')}": v for k, v in arguments.CEILINGS.items()}
"""The largest value each of these options accepts (Å), as `nasx.arguments.CEILINGS` states
them; the others are only > 0."""


def _parse(check: Callable[..., object], *extra: object) -> Callable[[str], object]:
    """An argparse type that runs one of `nasx.arguments`' checks on the text (the argument's
    name comes from argparse, so only the problem is kept)."""

    def parse(text: str) -> object:
        try:
            return check("", text, *extra)
        except ArgumentError as exc:
            raise argparse.ArgumentTypeError(exc.problem) from None

    return parse


temperature = _parse(arguments.temperature_K)
count = _parse(arguments.count)
path = _parse(arguments.path)


def positive(unit: str, ceiling_of: str | None = None) -> Callable[[str], object]:
    """A validator of a number > 0 (in ``unit``), at most the ceiling of the Python argument
    ``ceiling_of`` where it has one."""
    return _parse(lambda _, text: arguments.positive(ceiling_of or "", text, unit))


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


def gpaw_setting(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` of one GPAW or VASP setting (checked with the others by `GpawSettings`
    or `VaspSettings`)."""
    key, equals, value = text.partition("=")
    if not (equals and key.strip() and value.strip()):
        raise argparse.ArgumentTypeError(
            f"'{shown(text)}': expected KEY=VALUE, e.g. ecut_eV=700 (keys: see --help)"
        )
    return key.strip(), value.strip()


def add_out(parser: argparse.ArgumentParser, default: str, help: str) -> None:
    parser.add_argument("--out", type=path, default=Path(default), metavar="DIR", help=help)


def add_temperatures(
    parser: argparse._ActionsContainer, default: list[float] | None, what: str, default_text: str
) -> None:
    parser.add_argument(
        "--temperatures",
        dest="temperatures_K",
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
    dest: str,
    default: float | None,
    what: str,
    unit: str = "Å",
    default_text: str | None = None,
) -> None:
    """A number option > 0 in ``unit`` (at most the `CEILINGS` value of ``dest``, its Python
    argument); its help states both."""
    ceiling = arguments.CEILINGS.get(dest)
    limits = f"> 0, at most {ceiling:g}" if ceiling else "> 0"
    shown_default = default_text or f"{default:g}"
    group.add_argument(
        flag,
        dest=dest,
        type=positive(unit, dest),
        default=default,
        metavar={"Å": "LENGTH", "eV/Å": "FORCE", "s": "SECONDS"}[unit],
        help=f"{what} ({unit}, {limits}; default {shown_default})",
    )


def add_choice(
    group: argparse._ActionsContainer, flag: str, choices: Sequence[str], help: str
) -> None:
    """An option whose default is the first of ``choices``."""
    group.add_argument(flag, choices=list(choices), default=choices[0], help=help)


def add_qha(group: argparse._ActionsContainer) -> None:
    """``--qha``, ``--qha-volumes`` and ``--qha-imaginary``: `nasx.run`'s ``qha``
    (`QhaSettings`)."""
    q = qha_settings
    group.add_argument(
        "--qha",
        action="store_true",
        help="quasi-harmonic study: relax each phase at several volumes around its relaxed one "
        "(cell scaled, then positions and cell shape relaxed at that volume, space group held) "
        "and compute its phonons at each (phases/<id>/qha/); volumes × (relaxation + force "
        "jobs) more per phase",
    )
    group.add_argument(
        "--qha-volumes",
        type=_parse(q.parse),
        metavar="MIN:MAX:COUNT",
        help="the volumes of --qha (implies it): COUNT volumes evenly from MIN %% to MAX %% of "
        f"the relaxed volume, the range including 0, within ±{q.LIMIT_PERCENT:g} %%, COUNT from "
        f"{q.MIN_COUNT} to {q.MAX_COUNT} (default {QhaSettings().as_option()}, provisional until "
        f"measured); a negative MIN needs '=': --qha-volumes={QhaSettings().as_option()}",
    )
    group.add_argument(
        "--qha-imaginary",
        choices=q.IMAGINARY_POLICIES,
        help="a volume with imaginary modes in the QHA fits (implies --qha): exclude it "
        "(default), keep it with those modes left out of its F_vib as the harmonic F_vib does "
        "(molecular crystals with small imaginary pockets), or refuse the phase's QHA; may "
        "change on a rerun",
    )


def add_calculation_options(
    parser: argparse.ArgumentParser, local: bool = True
) -> argparse._ArgumentGroup:
    """The settings that fix a run directory's calculations; returns the VASP group. ``local``
    (``nasx run``): also those that only a local run takes (``nasx submit``'s workers bring
    their own GPAW launcher, and follow no instabilities)."""
    group = parser.add_argument_group(
        "calculation settings (fixed for a run directory; for others use another --out)"
    )
    add_number(
        group,
        "--fmax",
        "fmax_eV_per_A",
        defaults.FMAX_EV_PER_A,
        "relaxation force threshold",
        "eV/Å",
    )
    group.add_argument(
        "--max-steps",
        type=count,
        default=defaults.MAX_STEPS,
        help="relaxation step limit (≥ 1); a relaxation that reaches it is reported unconverged",
    )
    add_number(
        group,
        "--symprec",
        "symprec_A",
        defaults.RELAX_SYMPREC_A,
        "symmetry tolerance of relaxed cells",
    )
    add_number(
        group,
        "--min-length",
        "min_length_A",
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
    add_number(
        group,
        "--displacement",
        "displacement_A",
        defaults.DISPLACEMENT_A,
        "finite-displacement amplitude",
    )
    add_number(
        group, "--mesh-length", "mesh_length_A", defaults.MESH_LENGTH_A, "phonopy's q-mesh length"
    )
    add_choice(
        group,
        "--dispersion",
        ["none", "d4"],
        "d4: DFT-D4 dispersion with r2SCAN's parameters added to every model (chgnet, sevennet: "
        'the dftd4 library, optional: pip install "nasx[d4]"; vasp: IVDW = 13 in its INCAR, '
        "needs a VASP linked to DFT-D4); not with the stub or gpaw",
    )
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
        "convergence_length_A",
        None,
        "minimum supercell height of the convergence check",
        default_text="1.5 × --min-length",
    )
    add_qha(group)
    if local:
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
    gpaw = parser.add_argument_group("GPAW (--calculator gpaw)")
    gpaw.add_argument(
        "--gpaw",
        type=gpaw_setting,
        nargs="+",
        action="extend",  # `--gpaw A=1 --gpaw B=2` keeps both
        metavar="KEY=VALUE",
        help="GPAW settings other than the defaults: "
        + ", ".join(f"{k}={v}" for k, v in GpawSettings().to_document().items()),
    )
    if local:
        gpaw.add_argument(
            "--gpaw-launcher",
            dest="gpaw_launcher",
            metavar="COMMAND",
            help="run each GPAW calculation under this MPI launcher in a process of its own, "
            "e.g. 'mpiexec -n 8' or 'srun' (needs GPAW built with MPI; default: in the job's "
            "own process, serial); not part of the calculation settings",
        )
    vasp = parser.add_argument_group("VASP (--calculator vasp)")
    vasp.add_argument(
        "--auto-kspacing",
        action="store_true",
        help="pymatgen's automatic k-spacing instead of the paper's k-grids",
    )
    vasp.add_argument(
        "--vasp",
        type=gpaw_setting,
        nargs="+",
        action="extend",  # `--vasp A=1 --vasp B=2` keeps both
        metavar="KEY=VALUE",
        help="VASP relaxation settings other than the defaults (docs/cluster.md; --fmax and "
        "--max-steps are the other calculators'): "
        + ", ".join(f"{k}={v}" for k, v in VaspSettings().to_document().items()),
    )
    vasp.add_argument(
        "--born-charges",
        action="store_true",
        help="one DFPT job (LEPSILON) per polar phase: its Born charges and dielectric tensor "
        "give the band structure's LO–TO splitting (non-analytic correction)",
    )
    add_number(
        vasp,
        "--polling-seconds",
        "polling_seconds",
        10.0,
        "how often custodian checks a running VASP job",
        "s",
    )
    return vasp
