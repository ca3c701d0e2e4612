"""Analysing finished calculations: read a source, compute its result, and write it if asked.

A source is a nasx run directory, a tree of VASP and phonopy folders, an ENTRIES.json, a
LaunchPad, or several of these (a committee). Each is read into the analysis's common records
(`Calculations`, or pymatgen entries), analysed the same way, and returned as a typed result.
`nasx.analyze` and ``nasx analyze`` both come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nasx import arguments
from nasx.arguments import ArgumentError
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.layout import MODELS_DIR, committee_models
from nasx.wording import counted

if TYPE_CHECKING:
    from nasx.analysis.readers.records import Calculations
    from nasx.analysis.result import CommitteeResult, Result


@dataclass(frozen=True)
class Request:
    """What to analyse and how; see `nasx.analyze` for the meaning of each field."""

    sources: tuple[Path, ...] = ()
    out: Path | None = None
    launchpad: Path | None = None
    workflow_id: int | None = None
    phases: tuple[str, ...] | None = None
    temperatures_K: tuple[float, ...] | None = None
    bypass: tuple[str, ...] | None = None
    system: BinarySystem | None = None
    supercell: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @classmethod
    def from_arguments(
        cls,
        sources: Sequence[str | Path] = (),
        out: str | Path | None = None,
        launchpad: str | Path | None = None,
        workflow_id: int | None = None,
        phases: Sequence[str] | None = None,
        temperatures_K: Sequence[float] | None = None,
        bypass: Sequence[str] | None = None,
        system: str | None = None,
        supercell: dict | None = None,
    ) -> Request:
        """A checked request (an `ArgumentError` naming the first bad argument)."""
        try:
            parsed = BinarySystem.parse(system) if system else None
        except ValueError as exc:
            raise ArgumentError("system", str(exc)) from None
        request = cls(
            sources=tuple(arguments.path("sources", s) for s in sources),  # type: ignore[misc]
            out=arguments.path("out", out),
            launchpad=arguments.path("launchpad", launchpad),
            workflow_id=None
            if workflow_id is None
            else arguments.count("workflow_id", workflow_id),
            phases=arguments.names("phases", phases),
            temperatures_K=None
            if temperatures_K is None
            else arguments.temperatures_K("temperatures_K", temperatures_K),
            bypass=arguments.names("bypass", bypass),
            system=parsed,
            supercell=arguments.supercells("supercell", supercell or {}),
        )
        request.check()
        return request

    @property
    def committee(self) -> bool:
        """Several sources, or one committee run directory."""
        return len(self.sources) > 1 or (
            len(self.sources) == 1 and committee_models(self.sources[0]) is not None
        )

    def check(self) -> None:
        """Exactly one of a source and ``launchpad``; ``workflow_id`` only with ``launchpad``;
        every source exists."""
        if self.committee:
            for given, name in ((self.launchpad, "launchpad"), (self.workflow_id, "workflow_id")):
                if given is not None:
                    raise ArgumentError(
                        name, "applies to one source, not to several or a committee"
                    )
            for source in self.sources:
                _exists(source)
            return
        source = self.sources[0] if self.sources else None
        if self.launchpad is not None and source is not None:
            raise ArgumentError("launchpad", "give either a source or a launchpad, not both")
        if self.launchpad is None and source is None:
            raise ArgumentError(
                "sources", "give a source (a directory or ENTRIES.json) or a launchpad"
            )
        if self.workflow_id is not None and self.launchpad is None:
            raise ArgumentError("workflow_id", "needs a launchpad")
        if source is not None:
            _exists(source)
            if self.phases and not source.is_dir():
                raise ArgumentError(
                    "phases", "applies to directories and LaunchPads, not ENTRIES.json"
                )
        if self.out is not None:
            arguments.out_dir("out", self.out)


def read(request: Request, source: Path | None = None) -> Calculations:
    """The calculations of a directory ``source`` (default: the request's only source) or of
    the request's LaunchPad."""
    if request.launchpad is not None and source is None:
        from nasx.workflows.launchpad import open_launchpad

        launchpad = open_launchpad(request.launchpad)  # checked before the slow imports
        from nasx.analysis.readers.launchpad import read_launchpad

        return read_launchpad(launchpad, request.workflow_id, f"LaunchPad {request.launchpad}")
    import numpy as np

    from nasx.analysis.readers.tree import read_tree

    source = source or request.sources[0]
    _check_names(source)
    return read_tree(source, supercells={k: np.diag(v) for k, v in request.supercell.items()})


def analyze(request: Request) -> Result | CommitteeResult:
    """The result of the request; its files are written into ``request.out`` when it is set."""
    if request.committee:
        return _committee(request)
    source = request.sources[0] if request.sources else None
    if source is not None and not source.is_dir():
        return _entries(request, source)
    return analyze_calculations(request, read(request))


def analyze_calculations(request: Request, calculations: Calculations) -> Result:
    """The result of calculations already read."""
    from nasx.analysis.reanalysis import analyze_calculations as analyse
    from nasx.analysis.result import Result

    analysis = analyse(
        calculations,
        request.out,
        temperatures_K=request.temperatures_K,
        bypass=request.bypass,
        phases=request.phases,
        system=request.system,
    )
    return Result(
        analysis.document,
        entries_0K=analysis.entries,
        directory=request.out,
        phonopy_of={k: _fitted(v) for k, v in analysis.phonons.items()},
        source=calculations.source,
    )


def inventory(request: Request) -> tuple[str, bool]:
    """What each phase of the request's source is built from, as text, and whether every input
    was usable; nothing is written and no phonopy runs."""
    from nasx.analysis.reanalysis import selected
    from nasx.analysis.report.inventory import inventory_text

    if request.committee:
        raise ArgumentError("inventory", "applies to one source, not to several or a committee")
    source = request.sources[0] if request.sources else None
    if source is not None and not source.is_dir():
        raise ArgumentError("inventory", "applies to directories and LaunchPads, not ENTRIES.json")
    calculations = read(request)
    records = selected(calculations, request.phases)
    ids = {r.id for r in records}
    usable = not any(p.phase in {None, *ids} for p in calculations.problems)
    header = (
        f"nasx analyze --inventory: {counted(len(records), 'phase')} from {calculations.source}\n\n"
    )
    return header + inventory_text(records, calculations), usable


def _entries(request: Request, source: Path) -> Result:
    from nasx.analysis import analyze, load_entries_json
    from nasx.analysis.report.outputs import results_document, write_outputs
    from nasx.analysis.report.provenance import of_entries
    from nasx.analysis.result import Result

    entries = load_entries_json(source)
    study = analyze(
        entries,
        temperatures_K=request.temperatures_K,
        bypass=request.bypass,
        system=request.system,
        source=source,
    )
    provenance = of_entries(entries, str(source))
    document = results_document(study, provenance, None)
    if request.out is not None:
        write_outputs(study, request.out, provenance, entries)
    return Result(document, entries_0K=entries, directory=request.out, source=str(source))


def _committee(request: Request) -> CommitteeResult:
    """Each source analysed into ``out/<model>/``, then the spread across them in ``out``."""
    from nasx.analysis.report.committee_outputs import model_output, write_committee
    from nasx.analysis.result import CommitteeResult

    if request.out is None:
        raise ArgumentError("out", "a committee is analysed into out/<model>/; give out")
    arguments.out_dir("out", request.out)
    named = _committee_sources(request)
    read_in = [(name, path, *_read_any(request, path)) for name, path in named]
    first = read_in[0]
    for other in read_in[1:]:
        if other[4] != first[4]:
            raise NasxInputError(
                None,
                f"{first[1]} ({'-'.join(sorted(first[4]))}) and {other[1]} "
                f"({'-'.join(sorted(other[4]))}) are different systems; a committee compares "
                "models of one system",
            )
    names = _unique([name or _model_name(path, calc) for name, path, calc, _, _ in read_in])
    models = {}
    for name, (_, path, calculations, _, _) in zip(names, read_in, strict=True):
        one = Request(
            sources=(path,),
            out=request.out / name,
            phases=request.phases,
            temperatures_K=request.temperatures_K,
            bypass=request.bypass,
            system=request.system,
            supercell=request.supercell,
        )
        models[name] = (
            analyze_calculations(one, calculations)
            if calculations is not None
            else _entries(one, path)
        )
    outputs = [model_output(name, request.out / name, request.out) for name in names]
    paths = write_committee(outputs, request.out)
    from nasx.analysis.result import read_document

    return CommitteeResult(read_document(paths["results"]), models, request.out)


def _committee_sources(request: Request) -> list[tuple[str | None, Path]]:
    """(name, path) of every source; a committee directory gives its models (named)."""
    if len(request.sources) == 1:
        root = request.sources[0]
        return [(name, root / MODELS_DIR / name) for name in committee_models(root) or []]
    for source in request.sources:
        if committee_models(source) is not None:
            raise NasxInputError(
                source, "is a committee run directory: give it alone, or its models/<name>/"
            )
    return [(None, source) for source in request.sources]


def _read_any(request: Request, path: Path):
    """(calculations, None) of a directory or (None, entries) of ENTRIES.json, and the
    system's elements."""
    from nasx.analysis import load_entries_json

    _exists(path)
    if path.is_dir():
        calculations = read(request, path)
        if calculations.run:
            elements = set(calculations.run.system.split("-"))
        else:
            elements = {
                str(el) for r in calculations.phases if r.structure for el in r.structure.elements
            }
        return calculations, None, elements
    if request.phases:
        raise ArgumentError("phases", "applies to directories and LaunchPads, not ENTRIES.json")
    entries = load_entries_json(path)
    return None, entries, {str(el) for e in entries for el in e.composition.elements}


def _model_name(path: Path, calculations: Calculations | None) -> str:
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


def _fitted(phonons):
    """A function giving the set's Phonopy (with the force constants the analysis fitted)."""
    return lambda: phonons.phonopy


def _exists(source: Path) -> None:
    if not source.exists():
        raise NasxInputError(source, "cannot be read (no such file or directory)")


def _check_names(root: Path) -> None:
    """Refuse a file or folder name anywhere under ``root`` that is not UTF-8."""
    import os

    if not root.is_dir():
        return  # the reader names a missing directory
    pending = [str(root)]  # a loop, not recursion: a chain of thousands of folders is fine
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError:
            continue  # the reader names a folder it cannot read
        for entry in entries:
            if not arguments.is_utf8(entry.name):
                raise NasxInputError(arguments.shown(entry.path), arguments.NOT_UTF8)
        # real folders only, in name order: links are not followed
        pending += [e.path for e in reversed(entries) if e.is_dir(follow_symlinks=False)]
