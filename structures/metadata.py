"""A structures folder's ``phases.toml``: read, and checked key by key against its schema.

The file is optional. It holds a ``[system]`` table (``working_ion``, ``anion``, ``study``) and
``[[phase]]`` tables, one per structure file (``file`` required; ``label``, ``status``,
``source``, ``kpoints``, ``default``, ``phase_changes``). A wrong type, a missing or unknown key,
or a file that is not UTF-8 TOML is refused in one line naming the file and the entry.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nasx.errors import NasxInputError
from nasx.structures.folder import MAX_METADATA_BYTES, read_bounded

METADATA_FILE = "phases.toml"
STATUSES = ("experimental", "partly model-derived", "predicted", "user-supplied")
SYSTEM_KEYS = ("working_ion", "anion", "study")
PHASE_KEYS = ("file", "label", "status", "source", "kpoints", "default", "phase_changes")
CHANGE_KEYS = ("temperature_K", "description")


@dataclass(frozen=True)
class PhaseChange:
    """A phase change of a phase at ``temperature_K`` (harmonic F beyond it is an extrapolation)."""

    temperature_K: float
    description: str


@dataclass(frozen=True)
class PhaseEntry:
    """The metadata of one structure file (None: not given, the loader's default applies)."""

    file: str
    label: str | None = None
    status: str = "user-supplied"
    source: str | None = None
    kpoints: tuple[int, int, int] | None = None
    default: bool = True
    phase_changes: tuple[PhaseChange, ...] = ()


@dataclass(frozen=True)
class Metadata:
    """A whole ``phases.toml``: the declared system (None: inferred) and the phase entries."""

    path: Path | None = None
    working_ion: str | None = None
    anion: str | None = None
    phases: tuple[PhaseEntry, ...] = ()

    def entry(self, file: str) -> PhaseEntry:
        """The entry of structure file ``file`` (the defaults when it has none)."""
        return next((e for e in self.phases if e.file == file), PhaseEntry(file))


def read_metadata(directory: Path) -> Metadata:
    """``directory/phases.toml`` checked against its schema (an empty `Metadata` without one)."""
    path = directory / METADATA_FILE
    if not (path.exists() or path.is_symlink()):
        return Metadata()
    data = read_bounded(path, MAX_METADATA_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NasxInputError(
            path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NasxInputError(path, f"is not valid TOML ({exc})") from None
    _known_keys(path, "", document, ("system", "phase"))
    system = _table(path, "[system]", document.get("system", {}))
    _known_keys(path, "[system]", system, SYSTEM_KEYS)
    for key in SYSTEM_KEYS:
        if key in system:
            _text(path, f"[system]: {key}", system[key])
    phases = document.get("phase", [])
    if not isinstance(phases, list):
        raise NasxInputError(path, "'phase' must be [[phase]] tables, one per structure file")
    entries = tuple(_phase_entry(path, i, entry) for i, entry in enumerate(phases, start=1))
    files = [e.file for e in entries]
    repeated = sorted({f for f in files if files.count(f) > 1})
    if repeated:
        raise NasxInputError(path, f"has more than one [[phase]] for {', '.join(repeated)}")
    return Metadata(path, system.get("working_ion"), system.get("anion"), entries)


def _phase_entry(path: Path, number: int, entry: object) -> PhaseEntry:
    where = f"[[phase]] {number}"
    entry = _table(path, where, entry)
    if "file" not in entry:
        raise NasxInputError(path, f"{where} has no 'file' (the structure file it describes)")
    file = _text(path, f"{where}: file", entry["file"])
    where = f"[[phase]] {_shown(file)}"
    _known_keys(path, where, entry, PHASE_KEYS)
    status = entry.get("status", "user-supplied")
    if status not in STATUSES:
        raise NasxInputError(
            path, f"{where}: status {_shown(status)} is not one of {', '.join(STATUSES)}"
        )
    default = entry.get("default", True)
    if not isinstance(default, bool):
        raise NasxInputError(path, f"{where}: default = {_shown(default)} is not true or false")
    changes = entry.get("phase_changes", [])
    if not isinstance(changes, list):
        raise NasxInputError(path, f"{where}: phase_changes must be a list of tables")
    return PhaseEntry(
        file=file,
        label=_text(path, f"{where}: label", entry["label"]) if "label" in entry else None,
        status=status,
        source=_text(path, f"{where}: source", entry["source"]) if "source" in entry else None,
        kpoints=_kpoints(path, where, entry["kpoints"]) if "kpoints" in entry else None,
        default=default,
        phase_changes=tuple(_phase_change(path, where, change) for change in changes),
    )


def _kpoints(path: Path, where: str, value: object) -> tuple[int, int, int]:
    if not (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in value)
    ):
        raise NasxInputError(
            path,
            f"{where}: kpoints = {_shown(value)} is not three whole numbers ≥ 1, e.g. [4, 4, 4]",
        )
    return (value[0], value[1], value[2])


def _phase_change(path: Path, where: str, change: object) -> PhaseChange:
    change = _table(path, f"{where}: a phase change", change)
    _known_keys(path, f"{where}: a phase change", change, CHANGE_KEYS)
    for key in CHANGE_KEYS:
        if key not in change:
            raise NasxInputError(
                path,
                f"{where}: a phase change has no '{key}' (give temperature_K and description)",
            )
    temperature = change["temperature_K"]
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not (math.isfinite(temperature) and temperature > 0)
    ):
        raise NasxInputError(
            path,
            f"{where}: phase change temperature_K = {_shown(temperature)} is not a finite number "
            "of kelvin > 0",
        )
    description = _text(path, f"{where}: phase change description", change["description"])
    return PhaseChange(float(temperature), description)


def _table(path: Path, where: str, value: object) -> dict:
    if not isinstance(value, dict):
        raise NasxInputError(path, f"{where} must be a table, not {_kind(value)}")
    return value


def _known_keys(path: Path, where: str, table: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise NasxInputError(
            path,
            f"{where + ': ' if where else ''}unknown key {_shown(unknown[0])} "
            f"(known: {', '.join(known)})",
        )


def _text(path: Path, what: str, value: object) -> str:
    """A one-line, non-empty string."""
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise NasxInputError(path, f"{what} = {_shown(value)} is not one line of text")
    return value


def _kind(value: object) -> str:
    kinds = {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "true/false",
    }
    return kinds.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    """``repr(value)``, cut to 60 characters (an error stays one short line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
