"""Measured values of a system's phases (``experiment.toml`` beside the structures): standard
entropies, formation enthalpies, heat capacities, volumes, volumetric thermal expansion and
Raman/IR lines, each with its source. For comparison with computed values only; nothing is fitted to them.

The file's fields are described in the built-in set's ``EXPERIMENT.md``. A measured phase is
matched to a computed one by formula and space-group number. Values are per formula unit of
``formula`` as tabulated (J/(mol·K), kJ/mol); ``per_atom`` divides by its atoms.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from pymatgen.core import Composition

from nasx.errors import NasxInputError
from nasx.structures.folder import MAX_METADATA_BYTES, read_bounded

EXPERIMENT_FILE = "experiment.toml"
CONFIDENCES = ("high", "medium", "low")
PROVENANCE_KEYS = ("source", "confidence", "verified")
TABLES = {
    "entropy_298": ("value", "uncertainty"),
    "formation_enthalpy_298": ("value", "uncertainty"),
    "volume": ("value", "temperature_K"),
    "thermal_expansion": ("value", "temperature_K"),
    "heat_capacity": ("temperatures_K", "values"),
    "enthalpy_increment": ("temperatures_K", "values"),
    "raman": ("lines_per_cm",),
    "ir": ("lines_per_cm",),
}
"""Each measured quantity and its own keys (besides source, confidence, verified)."""
PHASE_KEYS = ("formula", "space_group", "label", "standard_state", *TABLES)


@dataclass(frozen=True)
class Measured:
    """One measured quantity with where it comes from. ``numbers`` holds the quantity's own
    keys (``value``, ``lines_per_cm`` …)."""

    numbers: dict[str, float | list[float]]
    source: str
    confidence: str
    verified: bool

    @property
    def checked(self) -> bool:
        """Differences beyond tolerance are failed checks (low-confidence values are shown only)."""
        return self.confidence != "low"


@dataclass(frozen=True)
class MeasuredPhase:
    """One measured phase: formula, space-group number and its measured quantities by name."""

    formula: str
    space_group: int
    label: str
    standard_state: bool
    values: dict[str, Measured]

    @property
    def atoms_per_formula(self) -> float:
        return Composition(self.formula).num_atoms

    def per_atom(self, quantity: str) -> float | None:
        """The quantity's ``value`` per atom (None when not measured)."""
        measured = self.values.get(quantity)
        if measured is None or "value" not in measured.numbers:
            return None
        return float(measured.numbers["value"]) / self.atoms_per_formula


@dataclass(frozen=True)
class Experiment:
    """A file's measured phases (``path`` None: nothing measured)."""

    path: Path | None = None
    phases: tuple[MeasuredPhase, ...] = ()
    description: str = "none"
    """Where the values come from, in one line (a built-in set's file by its folder)."""

    def find(self, formula: str, space_group: int | None) -> MeasuredPhase | None:
        """The measured phase of ``formula`` in space group ``space_group`` (None: none)."""
        return next(
            (p for p in self.phases if p.formula == formula and p.space_group == space_group),
            None,
        )

    def standard_state(self, element: str) -> MeasuredPhase | None:
        """The measured reference state of ``element`` (None: the file names none)."""
        return next((p for p in self.phases if p.formula == element and p.standard_state), None)


def built_in_experiment(system: str) -> Experiment:
    """The measured values shipped with a built-in system (empty for other systems)."""
    folder = built_in_folder(system)
    if folder is None:
        return Experiment()
    found = read_experiment(folder)
    return replace(found, description=f"nasx's built-in {folder.name}/{EXPERIMENT_FILE}")


def experiment_for(system: str | None, structures: str = "") -> Experiment:
    """The measured values of a user's ``structures`` folder (its experiment.toml), else those
    shipped for the built-in ``system`` (none for other systems); a broken file raises
    NasxInputError naming it."""
    folder = Path(structures) if structures else None
    built_in = built_in_folder(system) if system is not None else None
    user = folder is not None and (folder / EXPERIMENT_FILE).is_file()
    if user and (built_in is None or folder.resolve() != built_in.resolve()):
        return read_experiment(folder)
    return built_in_experiment(system) if system is not None else Experiment()


def built_in_folder(system: str) -> Path | None:
    """The folder of a built-in system's structures and data (None for other systems)."""
    from nasx.structures.phases import BUILT_IN

    folder = BUILT_IN.get(system.replace("–", "-"))
    return None if folder is None else Path(str(files("nasx.structures") / folder))


def read_experiment(directory: Path) -> Experiment:
    """``directory/experiment.toml`` checked field by field (empty without one); a wrong field
    is a one-line NasxInputError naming the file and the entry."""
    path = Path(directory) / EXPERIMENT_FILE
    if not (path.exists() or path.is_symlink()):
        return Experiment()
    data = read_bounded(path, MAX_METADATA_BYTES)
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NasxInputError(path, f"is not UTF-8 TOML ({exc})") from None
    _known(path, "", document, ("phase",))
    entries = document.get("phase", [])
    if not isinstance(entries, list):
        raise NasxInputError(path, "'phase' must be [[phase]] tables")
    phases = tuple(_phase(path, i, e) for i, e in enumerate(entries, start=1))
    keys = [(p.formula, p.space_group) for p in phases]
    repeated = sorted({f"{f} ({g})" for f, g in keys if keys.count((f, g)) > 1})
    if repeated:
        raise NasxInputError(path, f"has more than one [[phase]] for {', '.join(repeated)}")
    return Experiment(path, phases, str(path))


def _phase(path: Path, number: int, entry: object) -> MeasuredPhase:
    where = f"[[phase]] {number}"
    if not isinstance(entry, dict):
        raise NasxInputError(path, f"{where} must be a table")
    _known(path, where, entry, PHASE_KEYS)
    formula = entry.get("formula")
    if not isinstance(formula, str) or not _is_formula(formula):
        raise NasxInputError(path, f"{where}: formula = {formula!r} is not a chemical formula")
    group = entry.get("space_group")
    if type(group) is not int or not 1 <= group <= 230:
        raise NasxInputError(path, f"{where}: space_group = {group!r} is not a number 1–230")
    where = f"[[phase]] {formula} ({group})"
    label = entry.get("label", formula)
    standard = entry.get("standard_state", False)
    if not isinstance(label, str) or not isinstance(standard, bool):
        raise NasxInputError(path, f"{where}: label must be text, standard_state true/false")
    values = {
        name: _measured(path, f"{where}: {name}", entry[name], keys)
        for name, keys in TABLES.items()
        if name in entry
    }
    return MeasuredPhase(formula, group, label, standard, values)


def _measured(path: Path, where: str, table: object, keys: tuple[str, ...]) -> Measured:
    if not isinstance(table, dict):
        raise NasxInputError(path, f"{where} must be a table")
    _known(path, where, table, (*keys, *PROVENANCE_KEYS))
    source, confidence = table.get("source"), table.get("confidence")
    if not isinstance(source, str) or not source.strip():
        raise NasxInputError(path, f"{where} has no source (every measured value names one)")
    if confidence not in CONFIDENCES:
        raise NasxInputError(
            path, f"{where}: confidence = {confidence!r} is not one of {', '.join(CONFIDENCES)}"
        )
    verified = table.get("verified", False)
    if not isinstance(verified, bool):
        raise NasxInputError(path, f"{where}: verified = {verified!r} is not true or false")
    numbers: dict[str, float | list[float]] = {}
    for key in keys:
        if key not in table:
            if key in ("uncertainty", "temperature_K"):
                continue
            raise NasxInputError(path, f"{where} has no '{key}'")
        value = table[key]
        if isinstance(value, list):
            if not value or not all(_finite(v) for v in value):
                raise NasxInputError(path, f"{where}: {key} is not a list of finite numbers")
            numbers[key] = [float(v) for v in value]
        elif _finite(value):
            numbers[key] = float(value)
        else:
            raise NasxInputError(path, f"{where}: {key} = {value!r} is not a finite number")
    paired = numbers.get("temperatures_K"), numbers.get("values")
    if all(isinstance(v, list) for v in paired) and len(paired[0]) != len(paired[1]):
        raise NasxInputError(path, f"{where}: temperatures_K and values differ in length")
    return Measured(numbers, source, confidence, verified)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_formula(text: str) -> bool:
    try:
        composition = Composition(text)
        return composition.valid and composition.num_atoms > 0  # valid: no dummy species
    except (ValueError, KeyError, TypeError):
        return False


def _known(path: Path, where: str, table: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        prefix = f"{where}: " if where else ""
        raise NasxInputError(
            path, f"{prefix}unknown key {unknown[0]!r} (known: {', '.join(known)})"
        )
