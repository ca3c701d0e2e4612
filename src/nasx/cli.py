"""The ``nasx`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from nasx import __version__
from nasx.errors import NasxInputError

EPILOG = """\
examples:
  nasx analyze entries.json --out results/          formation energies, hulls, OCVs, report
  nasx analyze entries.json --temperatures 0 300 --bypass Na2S2 Na2S4
  nasx structures                                     the built-in Na–S set and its provenance
  nasx structures my_cifs/                            validate your own binary A–X set
"""


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a temperature in K") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} K is below 0 K")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nasx",
        description="r2SCAN + phonon thermodynamics of binary battery cathodes (Na–S and any A–X): "
        "formation energies, convex-hull depths and OCV plateaus along the thermodynamic and "
        "kinetic (phase-bypassed) reduction paths.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nasx {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = commands.add_parser(
        "analyze",
        help="analyse finished calculations (a JSON list of pymatgen entries)",
        description="Build the A–X phase diagram at each temperature from pymatgen entries and write "
        "results.json, report.md, voltage_profile.png and hull.png. Each entry's energy is the static "
        "energy of its cell (eV); data['free_energy_vib_eV_per_atom'] = {'300': ..., '400': ...} adds "
        "harmonic free energies at those temperatures.",
    )
    analyze.add_argument(
        "source", type=Path, help="ENTRIES.json: a JSON list of pymatgen entry dicts"
    )
    analyze.add_argument(
        "--out",
        type=Path,
        default=Path("nasx-analysis"),
        help="output directory (default: %(default)s)",
    )
    _add_analysis_options(analyze)

    structures = commands.add_parser(
        "structures",
        help="list a phase set with provenance, or validate a directory of CIFs",
        description="Without DIR: the built-in reference set of --system. With DIR: load and validate "
        "every CIF of DIR as one binary A–X set (A and X inferred).",
    )
    structures.add_argument("directory", type=Path, nargs="?", help="your directory of CIF files")
    structures.add_argument(
        "--system", default="Na-S", help="built-in set to list (default: %(default)s)"
    )
    return parser


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--temperatures",
        type=_temperature,
        metavar="K",
        nargs="+",
        help="temperatures in K, e.g. '0 300 400' (default: 0 K plus every temperature at which all "
        "entries carry F_vib)",
    )
    parser.add_argument(
        "--bypass",
        nargs="*",
        metavar="FORMULA",
        help="phases skipped on the kinetic path (default for Na–S: Na2S2; give no formula for none)",
    )
    parser.add_argument(
        "--system", help="the binary system, e.g. Na-S (default: inferred from the entries)"
    )


def _cmd_analyze(args: argparse.Namespace) -> int:
    from nasx.analysis import analyze, load_entries_json
    from nasx.analysis.outputs import write_outputs
    from nasx.chemistry import BinarySystem

    if args.source.is_dir():
        raise NasxInputError(args.source, "is a directory; give a JSON file of pymatgen entries")
    entries = load_entries_json(args.source)
    system = BinarySystem.parse(args.system) if args.system else None
    result = analyze(
        entries,
        temperatures_K=args.temperatures,
        bypass=args.bypass,
        system=system,
        source=args.source,
    )
    paths = write_outputs(result, args.out)
    _print_summary(result, paths)
    return 0


def _print_summary(result, paths) -> None:
    from nasx.analysis.voltage import distinguishable

    for t in result.temperatures_K:
        steps = result.thermodynamic[t]
        volts = " / ".join(f"{p.voltage_V:.2f}" for p in steps)
        kinetic = " / ".join(f"{p.voltage_V:.2f}" for p in result.kinetic[t])
        print(
            f"{t:>6g} K  thermodynamic: {volts} V ({distinguishable(steps)} distinguishable plateaus)"
            f"   kinetic: {kinetic} V"
        )
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")


def _cmd_structures(args: argparse.Namespace) -> int:
    from nasx.structures import load_directory, reference_set

    phase_set = load_directory(args.directory) if args.directory else reference_set(args.system)
    print(
        f"{phase_set.system.name} set from {phase_set.source}: {len(phase_set)} phases "
        f"(working ion {phase_set.system.working_ion}, anion {phase_set.system.anion})"
    )
    print(
        f"{'id':24} {'formula':8} {'space group':12} {'atoms':>5} {'Å³/atom':>8} {'k-grid':8} {'default':7} status"
    )
    for p in phase_set:
        grid = "x".join(map(str, p.kpoints)) if p.kpoints else "-"
        print(
            f"{p.id:24} {p.formula:8} {p.space_group:12} {len(p.structure):5d} {p.volume_A3_per_atom:8.3f} "
            f"{grid:8} {'yes' if p.default else 'no':7} {p.status}"
        )
    return 0


COMMANDS = {"analyze": _cmd_analyze, "structures": _cmd_structures}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except NasxInputError as exc:
        print(f"nasx: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("nasx: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
