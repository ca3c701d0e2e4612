"""`nasx structures`: list a phase set with its provenance, or validate a directory of CIFs."""

from __future__ import annotations

import argparse

from nasx.cli import options
from nasx.cli.parser import add_command
from nasx.wording import counted

SUMMARY = "list a phase set with provenance, or validate a directory of CIFs"

DESCRIPTION = """\
Without DIR: list the built-in reference set of --system. With DIR: load and validate every
structure file of DIR (.cif, .vasp, .poscar) as one binary A–X set, A and X inferred (A: the
element of lower electronegativity), with the optional metadata of DIR/phases.toml.

The table gives each phase's id (what --phases, --supercell and --check-convergence take),
formula, space group (0.1 Å tolerance), atoms per cell, volume (Å³/atom), the paper's VASP
k-grid, whether it is in the default set, and its status (experimental, partly
model-derived, predicted, user-supplied).

exit status: 0 valid set, 2 a file that cannot be used (one line naming it)
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "structures", SUMMARY, DESCRIPTION, command)
    parser.add_argument(
        "directory", type=options.path, nargs="?", metavar="DIR", help="your directory of CIFs"
    )
    parser.add_argument("--system", default="Na-S", metavar="A-X", help="built-in set to list")


def command(args: argparse.Namespace) -> int:
    from nasx.study import StudyOptions

    if args.directory:
        options = StudyOptions.from_arguments(structures=args.directory)
    else:
        options = StudyOptions.from_arguments(system=args.system)
    phase_set = options.full_set()
    print(
        f"{phase_set.system.name} set from {phase_set.source}: {counted(len(phase_set), 'phase')} "
        f"(working ion {phase_set.system.working_ion}, anion {phase_set.system.anion})"
    )
    print(
        f"{'id':24} {'formula':8} {'space group':12} {'atoms':>5} {'Å³/atom':>8} {'k-grid':8} "
        f"{'default':7} status"
    )
    for p in phase_set:
        grid = "x".join(map(str, p.kpoints)) if p.kpoints else "-"
        print(
            f"{p.id:24} {p.formula:8} {p.space_group:12} {len(p.structure):5d} "
            f"{p.volume_A3_per_atom:8.3f} {grid:8} {'yes' if p.default else 'no':7} {p.status}"
        )
    return 0
