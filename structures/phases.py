"""Phases (a structure plus its provenance) and phase sets of one binary A–X system.

The built-in Na–S set and a user's directory of CIFs go through the same loader: a directory
of structure files with an optional ``phases.toml`` holding metadata (labels, status, sources,
k-grids, phase changes, which phases form the default set).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from pymatgen.core import Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.structures.validation import check_no_overlap, read_structure

STRUCTURE_SUFFIXES = (".cif", ".vasp", ".poscar")
STATUSES = ("experimental", "partly model-derived", "predicted", "user-supplied")
BUILT_IN = {"Na-S": "Na-S"}
"""Built-in reference sets: system name → folder inside this package."""


@dataclass(frozen=True)
class PhaseChange:
    """A phase change of a phase at ``temperature_K`` (harmonic F beyond it is an extrapolation)."""

    temperature_K: float
    description: str


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
    electronegativity). Raises `NasxInputError` naming the file for an unreadable file,
    overlapping atoms, a composition outside one binary system, or a missing elemental
    reference.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NasxInputError(directory, "is not a directory of structure files")
    metadata = _read_metadata(directory)
    paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in STRUCTURE_SUFFIXES)
    if not paths:
        raise NasxInputError(
            directory, f"holds no structure files ({', '.join(STRUCTURE_SUFFIXES)})"
        )

    structures = {path: read_structure(path) for path in paths}
    system = _infer_system(structures, metadata.get("system", {}), directory)
    entries = {entry["file"]: entry for entry in metadata.get("phase", [])}
    missing = sorted(set(entries) - {p.name for p in paths})
    if missing:
        raise NasxInputError(
            directory / "phases.toml", f"names missing files: {', '.join(missing)}"
        )

    phases = []
    for path, structure in structures.items():
        check_no_overlap(structure, path)
        phases.append(_make_phase(path, structure, system, entries.get(path.name, {})))
    phase_set = PhaseSet(system=system, phases=tuple(phases), source=directory)
    _require_elemental_references(phase_set)
    return phase_set


def _read_metadata(directory: Path) -> dict:
    path = directory / "phases.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise NasxInputError(path, f"is not valid TOML ({exc})") from None


def _infer_system(
    structures: dict[Path, Structure], declared: dict, directory: Path
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
    system = BinarySystem.from_elements(found)
    if declared and (declared.get("working_ion"), declared.get("anion")) != system.elements:
        raise NasxInputError(
            directory / "phases.toml",
            f"declares {declared.get('working_ion')}–{declared.get('anion')} but the structures are {system.name}",
        )
    return system


def _make_phase(path: Path, structure: Structure, system: BinarySystem, meta: dict) -> Phase:
    status = meta.get("status", "user-supplied")
    if status not in STATUSES:
        raise NasxInputError(path, f"status {status!r} is not one of {', '.join(STATUSES)}")
    kpoints = meta.get("kpoints")
    if kpoints is not None and (len(kpoints) != 3 or any(int(k) < 1 for k in kpoints)):
        raise NasxInputError(path, f"k-grid {kpoints!r} must be three positive integers")
    formula = system.formula(structure.composition)
    return Phase(
        id=path.stem,
        structure=structure,
        formula=formula,
        label=meta.get("label", formula),
        status=status,
        source=meta.get("source", f"user file {path.name}"),
        kpoints=tuple(int(k) for k in kpoints) if kpoints else None,
        default=bool(meta.get("default", True)),
        phase_changes=tuple(
            PhaseChange(float(c["temperature_K"]), c["description"])
            for c in meta.get("phase_changes", [])
        ),
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
