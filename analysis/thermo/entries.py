"""Entries in: read, validate and label pymatgen entries; free energies at a temperature.

An entry's energy is the static (0 K) total energy of its cell in eV. It may carry its harmonic
vibrational free energy in ``entry.data["free_energy_vib_eV_per_atom"]``, keyed by temperature
in K as a string (``{"300": -0.012, "400": -0.031}``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from monty.json import MontyDecoder, MontyEncoder
from pymatgen.entries.computed_entries import (
    ComputedEntry,
    ComputedStructureEntry,
    ConstantEnergyAdjustment,
)

from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.units import temperature_key

FVIB_KEY = "free_energy_vib_eV_per_atom"
Entry = ComputedEntry  # ComputedStructureEntry is a subclass


def load_entries_json(path: str | Path) -> list[Entry]:
    """Read a JSON list of pymatgen entry dicts (as monty writes them) and validate each."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise NasxInputError(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise NasxInputError(
            path, f"is not text (byte {exc.start} is not UTF-8); expected a JSON list of entries"
        ) from None
    if not text.strip():
        raise NasxInputError(path, "is empty; expected a JSON list of pymatgen entries")
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NasxInputError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(items, list):
        raise NasxInputError(
            path, f"holds a JSON {type(items).__name__}; expected a list of pymatgen entries"
        )
    if not items:
        raise NasxInputError(path, "holds an empty list; expected pymatgen entries")
    entries = [_decode_entry(item, i, path) for i, item in enumerate(items, start=1)]
    for i, entry in enumerate(entries, start=1):
        validate_entry(entry, f"entry {i} ({entry.composition.formula.replace(' ', '')})", path)
    return entries


def entries_json_text(entries: Sequence[Entry]) -> str:
    """ENTRIES.json text, as ``load_entries_json`` and pymatgen (monty) read it back."""
    return json.dumps(list(entries), cls=MontyEncoder, indent=2, allow_nan=False) + "\n"


def _decode_entry(item: object, index: int, path: Path) -> Entry:
    if not isinstance(item, dict):
        raise NasxInputError(
            path, f"entry {index} is a JSON {type(item).__name__}, not an entry object"
        )
    try:
        entry = MontyDecoder().process_decoded(item)
    except Exception as exc:  # monty surfaces whatever the entry class raises
        raise NasxInputError(
            path, f"entry {index} is not a readable pymatgen entry ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(entry, ComputedEntry):
        raise NasxInputError(
            path,
            f"entry {index} is not a ComputedEntry or ComputedStructureEntry (found {type(entry).__name__})",
        )
    return entry


def validate_entry(entry: Entry, name: str, source: str | Path | None) -> None:
    """Finite energy, a non-empty composition and well-formed vibrational free energies."""
    if entry.composition.num_atoms <= 0:
        raise NasxInputError(source, f"{name} has an empty composition")
    if not math.isfinite(entry.uncorrected_energy) or not math.isfinite(entry.energy):
        raise NasxInputError(source, f"{name} has a non-finite energy ({entry.energy})")
    fvib = entry.data.get(FVIB_KEY)
    if fvib is None:
        return
    if not isinstance(fvib, dict):
        raise NasxInputError(
            source, f"{name}: data[{FVIB_KEY!r}] must map temperatures (K) to eV/atom"
        )
    for key, value in fvib.items():
        try:
            temperature, energy = float(key), float(value)
        except (TypeError, ValueError):
            raise NasxInputError(
                source, f"{name}: {FVIB_KEY}[{key!r}] = {value!r} is not a number"
            ) from None
        if not (math.isfinite(temperature) and temperature >= 0 and math.isfinite(energy)):
            raise NasxInputError(
                source, f"{name}: {FVIB_KEY}[{key!r}] = {value!r} is not a finite value at T ≥ 0 K"
            )


def infer_system(
    entries: Sequence[Entry], source: str | Path | None, declared: BinarySystem | None = None
) -> BinarySystem:
    """The binary A–X system of the entries; both elemental references must be present."""
    elements = sorted({str(el) for e in entries for el in e.composition.elements})
    if declared is None:
        if len(elements) != 2:
            raise NasxInputError(
                source,
                f"entries span {len(elements)} element(s) ({', '.join(elements)}); nasx analyses one "
                "binary A–X system (e.g. Na and S)",
            )
        declared = BinarySystem.from_elements(elements)
    for i, entry in enumerate(entries, start=1):
        if not declared.contains(entry.composition):
            outside = sorted(
                {str(el) for el in entry.composition.elements} - set(declared.elements)
            )
            raise NasxInputError(
                source,
                f"entry {i} ({entry.composition.reduced_formula}) contains {', '.join(outside)}, "
                f"outside the {declared.name} system",
            )
    present = {declared.formula(e.composition) for e in entries}
    for element in declared.elements:
        if element not in present:
            raise NasxInputError(
                source, f"no elemental reference for {element}: add an entry of pure {element}"
            )
    return declared


def free_energies(entry: Entry) -> dict[float, float]:
    """Harmonic F_vib per atom (eV) by temperature (K) carried by an entry; empty if none."""
    return {float(k): float(v) for k, v in entry.data.get(FVIB_KEY, {}).items()}


def common_temperatures(entries: Iterable[Entry]) -> tuple[list[float], list[float]]:
    """Temperatures (K) at which every entry has F_vib, and those only some entries have."""
    sets = [set(free_energies(e)) for e in entries]
    common = set.intersection(*sets) if sets else set()
    partial = set.union(*sets) - common if sets else set()
    return sorted(common - {0.0}), sorted(partial)


def at_temperature(entry: Entry, temperature_K: float, name: str = "entry") -> Entry:
    """A copy of ``entry`` whose energy is G(T) = E_static + N_atoms × F_vib(T); T = 0 → E_static.

    The vibrational term is added as a pymatgen energy adjustment, so it stays visible.
    """
    copy = entry.copy()
    if temperature_K == 0:
        return copy
    fvib = free_energies(entry)
    if temperature_K not in fvib:
        have = ", ".join(f"{t:g}" for t in sorted(fvib)) or "none"
        raise NasxInputError(
            None, f"{name} has no vibrational free energy at {temperature_K:g} K (has: {have})"
        )
    adjustment = ConstantEnergyAdjustment(
        fvib[temperature_K] * entry.composition.num_atoms,
        name=f"harmonic F_vib at {temperature_key(temperature_K)} K",
        cls=None,
        description="phonon free energy of the cell (eV)",
    )
    copy.energy_adjustments = [*copy.energy_adjustments, adjustment]
    return copy


def entry_label(entry: Entry, system: BinarySystem) -> str:
    """A human name for an entry: ``data["label"]``, else its id, else its formula."""
    return str(entry.data.get("label") or entry.entry_id or system.formula(entry.composition))


def volume_A3_per_atom(entry: Entry) -> float | None:
    """Volume per atom of an entry's structure (None for entries without a structure)."""
    if isinstance(entry, ComputedStructureEntry):
        return entry.structure.volume / len(entry.structure)
    return None
