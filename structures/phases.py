"""Phases (a structure plus its provenance) and phase sets of one binary A–X system.

The built-in Na–S set and a user's directory of CIFs go through the same loader: a directory
of structure files with an optional ``phases.toml`` holding metadata (labels, status, sources,
k-grids, phase changes, which phases form the default set).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.structures.folder import STRUCTURE_SUFFIXES, phase_ids, structure_files
from nasx.structures.metadata import (
    METADATA_FILE,
    Metadata,
    PhaseChange,
    PhaseEntry,
    read_metadata,
)
from nasx.structures.validation import check_no_overlap, read_structure

BUILT_IN = {"Na-S": "Na-S"}
"""Built-in reference sets: system name → folder inside this package."""


@dataclass(frozen=True)
class Phase:
    """One crystal phase: its structure and where it came from.

    ``kpoints`` is the VASP k-grid for this cell when a study fixes one (None: use a density).
    """

    id: str
    structure: Structure
    formula: str
    label: str
    status: str
    source: str
    kpoints: tuple[int, int, int] | None = None
    default: bool = True
    phase_changes: tuple[PhaseChange, ...] = ()
    path: Path | None = None

    @property
    def space_group(self) -> str:
        """Space-group symbol found by spglib (symprec 0.1 Å)."""
        return SpacegroupAnalyzer(self.structure, symprec=0.1).get_space_group_symbol()

    @property
    def volume_A3_per_atom(self) -> float:
        return self.structure.volume / len(self.structure)


@dataclass(frozen=True)
class PhaseSet:
    """The phases of one binary system, elemental references included."""

    system: BinarySystem
    phases: tuple[Phase, ...]
    source: Path | None = None

    def __iter__(self) -> Iterator[Phase]:
        return iter(self.phases)

    def __len__(self) -> int:
        return len(self.phases)

    def __getitem__(self, phase_id: str) -> Phase:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.phases]

    def select(self, names: Sequence[str] | None = None) -> PhaseSet:
        """The default phases (``names`` None) or those named by id or formula (``Na2S2``).

        A formula selects every polymorph of that formula. The result must keep both
        elemental references.
        """
        if names is None:
            chosen = [p for p in self.phases if p.default]
        else:
            chosen = []
            for name in names:
                hits = [p for p in self.phases if name in (p.id, p.formula)]
                if not hits:
                    known = ", ".join(sorted({*self.ids, *(p.formula for p in self.phases)}))
                    raise NasxInputError(None, f"unknown phase {name!r}; known: {known}")
                chosen += [p for p in hits if p not in chosen]
        subset = replace(self, phases=tuple(chosen))
        missing = [e for e in self.system.elements if e not in {p.formula for p in chosen}]
        if names is not None and missing:
            raise NasxInputError(
                None,
                f"the selection {' '.join(names)} has no elemental reference for "
                f"{' and '.join(missing)}: add {' '.join(missing)} (formation energies and "
                "voltages are relative to them)",
            )
        _require_elemental_references(subset)
        return subset


def available_systems() -> list[str]:
    """Names of the built-in reference sets."""
    return sorted(BUILT_IN)


def reference_set(system: str = "Na-S") -> PhaseSet:
    """The curated reference set of a built-in system (all phases; `PhaseSet.select` picks)."""
    key = system.replace("–", "-")
    if key not in BUILT_IN:
        raise NasxInputError(
            None,
            f"no built-in structures for {system!r} (built in: {', '.join(available_systems())}); "
            "pass your own directory of CIFs with --structures",
        )
    return load_directory(Path(str(files("nasx.structures") / BUILT_IN[key])))


def load_directory(directory: str | Path) -> PhaseSet:
    """Load and validate every structure file of a directory as one binary A–X phase set.

    The working ion A and anion X are inferred from the compositions (A: lower
    electronegativity), or taken from ``phases.toml``'s ``[system]`` where χ cannot tell (a
    noble gas). Raises `NasxInputError`, one line naming the file, for: a file that is not a
    regular file or cannot be read or parsed; a cell that is not finite, has no volume, is
    left-handed or degenerate; overlapping atoms; two files with one phase id; a composition
    outside one binary system; a missing elemental reference; a ``phases.toml`` entry of the
    wrong type or naming a missing file. Nothing reaches spglib before these checks.
    """
    directory = Path(directory)
    paths = structure_files(directory)
    metadata = read_metadata(directory)
    if not paths:
        raise NasxInputError(
            directory, f"holds no structure files ({', '.join(STRUCTURE_SUFFIXES)})"
        )
    ids = phase_ids(paths)
    missing = sorted({e.file for e in metadata.phases} - {p.name for p in paths})
    if missing:
        raise NasxInputError(metadata.path, f"names missing files: {', '.join(missing)}")

    structures = {path: read_structure(path) for path in paths}
    system = _infer_system(structures, metadata, directory)
    phases = []
    for path, structure in structures.items():
        check_no_overlap(structure, path)
        phases.append(_make_phase(path, ids[path], structure, system, metadata.entry(path.name)))
    phase_set = PhaseSet(system=system, phases=tuple(phases), source=directory)
    _require_elemental_references(phase_set)
    return phase_set


def _infer_system(
    structures: dict[Path, Structure], metadata: Metadata, directory: Path
) -> BinarySystem:
    for path, structure in structures.items():
        elements = sorted(str(el) for el in structure.composition.elements)
        if len(elements) > 2:
            raise NasxInputError(
                path,
                f"has {len(elements)} elements ({', '.join(elements)}); a phase set is one binary A–X system",
            )
    found = sorted({str(el) for s in structures.values() for el in s.composition.elements})
    if len(found) != 2:
        where = "; ".join(
            f"{p.name}: {s.composition.reduced_formula}" for p, s in structures.items()
        )
        raise NasxInputError(
            directory,
            f"structures span {len(found)} elements ({', '.join(found)}), not one binary A–X system ({where})",
        )
    declared = {"working_ion": metadata.working_ion, "anion": metadata.anion}
    for key, symbol in declared.items():
        if symbol is not None and symbol not in found:
            raise NasxInputError(
                metadata.path,
                f"[system] {key} = {symbol!r}, but the structures hold {' and '.join(found)}",
            )
    try:
        system = BinarySystem.from_elements(found)
    except NasxInputError as exc:  # χ cannot tell: the user's declaration decides
        if metadata.working_ion is None and metadata.anion is None:
            raise NasxInputError(
                directory,
                f"{exc.problem}; name it in {directory / METADATA_FILE}: [system] working_ion "
                f'= "{found[0]}", anion = "{found[1]}" (or the other way round)',
            ) from None
        ion = metadata.working_ion or next(e for e in found if e != metadata.anion)
        system = BinarySystem(ion, next(e for e in found if e != ion))
    wrong = [f"{k} = {s!r}" for k, s in declared.items() if s not in (None, getattr(system, k))]
    if wrong:
        raise NasxInputError(
            metadata.path,
            f"[system] declares {' and '.join(wrong)} but the structures are {system.name} "
            "(the working ion has the lower electronegativity)",
        )
    return system


def _make_phase(
    path: Path, phase_id: str, structure: Structure, system: BinarySystem, entry: PhaseEntry
) -> Phase:
    formula = system.formula(structure.composition)
    return Phase(
        id=phase_id,
        structure=structure,
        formula=formula,
        label=entry.label or formula,
        status=entry.status,
        source=entry.source or f"user file {path.name}",
        kpoints=entry.kpoints,
        default=entry.default,
        phase_changes=entry.phase_changes,
        path=path,
    )


def _require_elemental_references(phase_set: PhaseSet) -> None:
    present = {p.formula for p in phase_set}
    for element in phase_set.system.elements:
        if element not in present:
            raise NasxInputError(
                phase_set.source,
                f"no elemental reference for {element}: add a structure of pure {element} "
                f"(formation energies and voltages are relative to it)",
            )
