"""`nasx analyze`: re-analyse finished calculations without recomputing anything."""

from __future__ import annotations

import argparse
import sys

from nasx.cli import checks, options
from nasx.cli.parser import OptionError, add_command
from nasx.cli.results import PARTIAL_EXIT, exit_status, print_results
from nasx.errors import NasxInputError

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
    from nasx.chemistry import BinarySystem
    from nasx.layout import committee_models

    sources = args.sources
    if len(sources) > 1 or (sources and committee_models(sources[0]) is not None):
        from nasx.cli import analyze_committee

        return analyze_committee.command(args)
    args.source = sources[0] if sources else None
    _check_sources(args)
    try:
        system = BinarySystem.parse(args.system) if args.system else None
    except ValueError as exc:
        raise OptionError("--system", str(exc)) from None
    if not args.inventory:
        checks.check_out(args.out)
    if args.launchpad is not None:
        calculations = _from_launchpad(args)
    elif args.source.is_dir():
        calculations = _from_tree(args)
    else:
        return _from_entries(args, system)
    if args.inventory:
        return _inventory(args, calculations)
    return _analyze(args, calculations, system)


def _inventory(args: argparse.Namespace, calculations) -> int:
    """Print the inventory of ``calculations``; write nothing."""
    from nasx.analysis.inventory import inventory_text
    from nasx.analysis.reanalysis import selected

    records = selected(calculations, args.phases)
    print(f"nasx analyze --inventory: {len(records)} phases from {calculations.source}\n")
    print(inventory_text(records, calculations), end="")
    ids = {r.id for r in records}
    return PARTIAL_EXIT if any(p.phase in {None, *ids} for p in calculations.problems) else 0


def _from_launchpad(args: argparse.Namespace):
    from nasx.workflows.launchpad import open_launchpad

    launchpad = open_launchpad(args.launchpad)  # checked before the slow imports below
    from nasx.workflows.launchpad_reader import read_launchpad

    return read_launchpad(launchpad, args.workflow, f"LaunchPad {args.launchpad}")


def _from_tree(args: argparse.Namespace):
    import numpy as np

    from nasx.analysis.tree_reader import read_tree

    checks.check_names(args.source, recursive=True)
    return read_tree(args.source, supercells={name: np.diag(n) for name, n in args.supercell})


def _analyze(args: argparse.Namespace, calculations, system) -> int:
    from nasx.analysis.reanalysis import analyze_calculations

    print(
        f"nasx analyze: {len(calculations.phases)} phases from {calculations.source} -> {args.out}"
    )
    analysis = analyze_calculations(
        calculations,
        args.out,
        temperatures_K=args.temperatures,
        bypass=args.bypass,
        phases=args.phases,
        system=system,
    )
    return _summary(analysis.document, analysis.paths["report"])


def _from_entries(args: argparse.Namespace, system) -> int:
    from nasx.analysis import analyze, load_entries_json
    from nasx.analysis.outputs import write_outputs
    from nasx.analysis.provenance import of_entries
    from nasx.layout import read_results

    entries = load_entries_json(args.source)
    print(f"nasx analyze: {len(entries)} entries from {args.source} -> {args.out}")
    result = analyze(
        entries,
        temperatures_K=args.temperatures,
        bypass=args.bypass,
        system=system,
        source=args.source,
    )
    paths = write_outputs(result, args.out, of_entries(entries, str(args.source)), entries)
    return _summary(read_results(args.out), paths["report"])


def _check_sources(args: argparse.Namespace) -> None:
    """Exactly one of SOURCE and --launchpad; --workflow only with --launchpad."""
    if args.launchpad is not None and args.source is not None:
        raise OptionError("--launchpad", "give either SOURCE or --launchpad, not both")
    if args.launchpad is None and args.source is None:
        raise OptionError("SOURCE", "give SOURCE (a directory or ENTRIES.json) or --launchpad FILE")
    if args.workflow is not None and args.launchpad is None:
        raise OptionError("--workflow", "needs --launchpad")
    if args.source is not None and not args.source.exists():
        raise NasxInputError(args.source, "cannot be read (no such file or directory)")
    for given, name in ((args.phases, "--phases"), (args.inventory, "--inventory")):
        if given and args.source is not None and not args.source.is_dir():
            raise OptionError(name, "applies to directories and LaunchPads, not ENTRIES.json")


def _summary(results: dict, report) -> int:
    print_results(results)
    print(f"report: {report}")
    status = exit_status(results)
    if status:
        print(
            f"partial results: {len(results.get('problems', []))} unusable input(s); "
            "see 'problems' and 'missing' in the report",
            file=sys.stderr,
        )
    return status
