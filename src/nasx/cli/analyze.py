"""`nasx analyze`: re-analyse finished calculations without recomputing anything."""

from __future__ import annotations

import argparse
import sys

from nasx.cli import options
from nasx.cli.parser import add_command
from nasx.cli.results import PARTIAL_EXIT, exit_status, print_committee, print_results
from nasx.wording import counted

SUMMARY = (
    "analyse finished calculations: a run directory, a tree of VASP/phonopy folders, "
    "a LaunchPad, or a JSON list of entries"
)

DESCRIPTION = """\
Formation energies, hull distances and OCV plateaus (thermodynamic and kinetic path) from
finished calculations, without recomputing anything.

SOURCE may be:
  a nasx run directory   (it holds run.json; VASP outputs are parsed again where VASP ran)
  any directory tree     folders with vasprun.xml (relaxation or static runs) and phonopy
                         folders in phonopy's layouts (phonopy_disp.yaml, phonopy.yaml,
                         phonopy_params.yaml, disp.yaml or POSCAR-unitcell with displacement
                         vaspruns, FORCE_SETS or FORCE_CONSTANTS, optionally BORN); files may be
                         compressed; phases are recognised by formula and space group; report.md
                         starts with an inventory of which file gave what
  ENTRIES.json           a JSON list of pymatgen entries (energies in eV per cell), each
                         optionally with data['free_energy_vib_eV_per_atom'] = {'300': ...}
or give --launchpad instead of SOURCE.

Several SOURCEs of the same system (e.g. a CHGNet run, a SevenNet run and a VASP tree), or
one committee run directory (nasx run --calculator chgnet sevennet): each source is analysed
as above into --out/<model>/ (named by its calculator), and --out gets the cross-model view:
results.json ('committee': each model's value, min and max of every formation energy, hull
distance and plateau), report.md, voltage_profile.png and hull.png.

outputs:  in --out: results.json, report.md, voltage_profile.png, hull.png and, per phase
          with phonons, phases/<id>/phonopy.yaml, thermal.json, relaxed.cif and figures
units:    eV, eV/atom, meV/atom, Å, K, V, mAh/g

Broken inputs (a truncated vasprun.xml, a missing displacement, an unconverged relaxation) are
named in report.md and results.json ('problems'), what depends on them is marked missing, and
the rest is analysed. A phase with phonons gets F, S and Cv even when no phase diagram can be
built.

In a tree, nasx reads regular files and real folders only; symbolic links are not followed,
even inside SOURCE. Each of these is a problem, never skipped silently: a link to a folder, a
file it would read that is a link, a named pipe, a socket or a device, a folder or file it may
not read, a folder more than 64 levels down, a compressed file that expands beyond 256 MiB, a
custodian.json that is not custodian's list of runs, and a number that is not finite or is
beyond ±1000 eV/atom (energy) or ±1000 eV/Å (force).

--inventory prints, per phase, the file that gave the energy (functional, ENCUT, any flag),
the structure and the phonons (files, supercell, NAC), every ignored input with its reason, and
the unusable inputs; it writes nothing and runs no phonopy (exit 0, or 3 when some input is
unusable). Not for ENTRIES.json.

exit status: 0 complete results, 3 partial results (see 'problems' and 'missing'),
          2 bad option or unusable input (one line naming the option or file)
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "analyze", SUMMARY, DESCRIPTION, command)
    parser.add_argument(
        "sources",
        type=options.path,
        nargs="*",
        metavar="SOURCE",
        help="run directory, directory tree of calculations, or ENTRIES.json; several (of one "
        "system), or a committee run directory: each analysed into --out/<model>/ and the "
        "spread across them in --out",
    )
    parser.add_argument(
        "--launchpad",
        type=options.path,
        metavar="FILE",
        help="read the calculations from a LaunchPad: my_launchpad.yaml, or a run's embedded "
        "launchpad.json",
    )
    parser.add_argument(
        "--workflow",
        dest="workflow_id",
        type=options.count,
        metavar="ID",
        help="with --launchpad: any job id of the workflow (needed when it holds several)",
    )
    parser.add_argument(
        "--inventory",
        action="store_true",
        help="print what each phase is built from (energy, structure and phonon files; ignored "
        "inputs with the reason; unusable inputs) and exit without writing anything",
    )
    options.add_out(parser, "nasx-analysis", "output directory")
    options.add_phases(
        parser,
        "analyse only these phases (ids or formulas; both elemental references are needed for "
        "a hull; not for ENTRIES.json)",
    )
    options.add_temperatures(
        parser,
        None,
        "temperatures besides 0 K, which is always included",
        "a run's own, else 300 400; for ENTRIES.json, every temperature at which all entries "
        "carry F_vib",
    )
    options.add_bypass(parser)
    parser.add_argument(
        "--system",
        metavar="A-X",
        help="the binary system, e.g. Na-S (default: inferred from the calculations)",
    )
    parser.add_argument(
        "--supercell",
        type=options.supercell,
        action="append",
        default=[],
        metavar="FOLDER_OR_PHASE=NxNxN",
        help="with a directory tree: the supercell of a phonon folder (its path under SOURCE, its "
        "name, or its phase id or formula) whose files do not state it (FORCE_SETS or "
        "FORCE_CONSTANTS without DIM)",
    )


def command(args: argparse.Namespace) -> int:
    from nasx import sources

    request = sources.Request.from_arguments(
        sources=args.sources,
        out=None if args.inventory else args.out,
        launchpad=args.launchpad,
        workflow_id=args.workflow_id,
        phases=args.phases,
        temperatures_K=args.temperatures_K,
        bypass=args.bypass,
        system=args.system,
        supercell=dict(args.supercell),
    )
    if args.inventory:
        text, usable = sources.inventory(request)
        print(text, end="")
        return 0 if usable else PARTIAL_EXIT
    result = sources.analyze(request)
    if request.committee:
        return _committee_summary(result)
    return _summary(result)


def _summary(result, name: str | None = None) -> int:
    """The voltages, checks and problems of one result, its report, and its exit status."""
    if result.document.calculations is not None:
        what = counted(len(result.document.calculations), "phase")
    else:
        what = counted(len(result.entries_0K or []), "entry", "entries")
    print(f"nasx analyze: {what} from {result.source} -> {result.directory}")
    print_results(result.to_json())
    print(f"report: {result.directory / 'report.md'}")
    status = exit_status(result.to_json())
    if status:
        print(
            f"partial results: {len(result.problems)} unusable input(s); "
            "see 'problems' and 'missing' in the report",
            file=sys.stderr,
        )
    return status


def _committee_summary(result) -> int:
    """Each model's summary, then the committee's plateaus; the worst status."""
    statuses = []
    for name, model in result.models.items():
        print(f"{name}:")
        statuses.append(_summary(model))
    print_committee(result.to_json())
    print(f"committee report: {result.directory / 'report.md'}")
    return max(statuses)
