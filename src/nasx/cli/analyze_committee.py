"""`nasx analyze RUN_A RUN_B …` (or a committee run directory): each source analysed as
`nasx analyze SOURCE` does, into --out/<model>/, then the spread across them in --out."""

from __future__ import annotations

import argparse
from pathlib import Path

from nasx.cli import analyze, checks
from nasx.cli.parser import OptionError
from nasx.errors import NasxInputError
from nasx.layout import MODELS_DIR, committee_models


def _sources(args: argparse.Namespace) -> list[tuple[str | None, Path]]:
    """(name, path) of every source; a committee directory gives its models (named)."""
    for given, name in (
        (args.launchpad, "--launchpad"),
        (args.workflow, "--workflow"),
        (args.inventory, "--inventory"),
    ):
        if given:
            raise OptionError(name, "applies to one SOURCE, not to several or a committee")
    for source in args.sources:
        if not source.exists():
            raise NasxInputError(source, "cannot be read (no such file or directory)")
    if len(args.sources) == 1:
        root = args.sources[0]
        return [(name, root / MODELS_DIR / name) for name in committee_models(root) or []]
    for source in args.sources:
        if committee_models(source) is not None:
            raise NasxInputError(
                source, "is a committee run directory: give it alone, or its models/<name>/"
            )
    return [(None, source) for source in args.sources]


def _read(args: argparse.Namespace, path: Path):
    """(calculations, None) of a directory or (None, entries) of ENTRIES.json, and the
    system's elements."""
    from nasx.analysis import load_entries_json

    one = argparse.Namespace(**{**vars(args), "source": path})
    analyze._check_sources(one)
    if path.is_dir():
        calculations = analyze._from_tree(one)
        if calculations.run:
            elements = set(calculations.run.system.split("-"))
        else:
            elements = {
                str(el) for r in calculations.phases if r.structure for el in r.structure.elements
            }
        return calculations, None, elements
    entries = load_entries_json(path)
    return None, entries, {str(el) for e in entries for el in e.composition.elements}


def _name(path: Path, calculations) -> str:
    """A source's model: its calculator's name (trees: vasp; entries: the file's name, or its
    folder's for entries.json)."""
    if calculations is not None:
        return calculations.run.calculator.name if calculations.run else "vasp"
    return path.parent.resolve().name if path.stem == "entries" else path.stem


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def command(args: argparse.Namespace) -> int:
    from nasx.analysis.committee_outputs import model_output, write_committee
    from nasx.chemistry import BinarySystem
    from nasx.cli.results import print_committee
    from nasx.layout import read_results

    try:
        system = BinarySystem.parse(args.system) if args.system else None
    except ValueError as exc:
        raise OptionError("--system", str(exc)) from None
    checks.check_out(args.out)
    sources = _sources(args)
    read = [(name, path, *_read(args, path)) for name, path in sources]
    first = read[0]
    for other in read[1:]:
        if other[4] != first[4]:
            raise NasxInputError(
                None,
                f"{first[1]} ({'-'.join(sorted(first[4]))}) and {other[1]} "
                f"({'-'.join(sorted(other[4]))}) are different systems; a committee compares "
                "models of one system",
            )
    names = _unique([name or _name(path, calc) for name, path, calc, _, _ in read])
    statuses = []
    for name, (_, path, calculations, _, _) in zip(names, read, strict=True):
        one = argparse.Namespace(**{**vars(args), "source": path, "out": args.out / name})
        print(f"{name}:")
        if calculations is not None:
            statuses.append(analyze._analyze(one, calculations, system))
        else:
            statuses.append(analyze._from_entries(one, system))
    models = [model_output(name, args.out / name, args.out) for name in names]
    paths = write_committee(models, args.out)
    print_committee(read_results(args.out))
    print(f"committee report: {paths['report']}")
    return max(statuses)
