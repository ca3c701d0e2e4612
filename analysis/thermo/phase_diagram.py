"""Phase diagram of a binary A–X system at one temperature: formation energies, hull distances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pymatgen.analysis.phase_diagram import PhaseDiagram

from nasx.analysis.thermo.entries import Entry, at_temperature, entry_label
from nasx.chemistry import BinarySystem
from nasx.units import MEV_PER_EV


@dataclass(frozen=True)
class PhaseThermo:
    """Thermodynamics of one entry at one temperature.

    ``hull_distance_meV_per_atom`` is negative for a stable phase (its depth below the hull of
    all *other* phases, e.g. Na2S2 against Na2S4 + Na2S) and positive for an unstable one (its
    energy above the hull); elemental ground states are 0. ``competing`` names the phases of
    that comparison.
    """

    label: str
    formula: str
    ion_fraction: float
    formation_energy_eV_per_atom: float
    hull_distance_meV_per_atom: float
    stable: bool
    competing: tuple[str, ...]


@dataclass(frozen=True)
class Thermodynamics:
    """Everything at one temperature: the pymatgen phase diagram and per-entry results."""

    temperature_K: float
    system: BinarySystem
    phase_diagram: PhaseDiagram
    entries: tuple[PhaseThermo, ...]

    def ground_states(self) -> dict[str, PhaseThermo]:
        """The lowest-energy polymorph of every formula, keyed by formula, ordered by A fraction."""
        best: dict[str, PhaseThermo] = {}
        for item in self.entries:
            current = best.get(item.formula)
            if (
                current is None
                or item.formation_energy_eV_per_atom < current.formation_energy_eV_per_atom
            ):
                best[item.formula] = item
        return dict(sorted(best.items(), key=lambda kv: (kv[1].ion_fraction, kv[0])))


def _depth_below_others(entry: Entry, entries: Sequence[Entry]) -> tuple[dict, float]:
    """Energy (eV/atom, ≤ 0) of a stable entry relative to the hull of all other compositions.

    The same number as pymatgen's ``get_decomp_and_phase_separation_energy``, computed on a
    phase diagram without the entry's composition; unlike it, the result does not depend on
    the process's hash seed in the last digits, so repeated analyses are byte-identical.
    """
    composition = entry.composition.reduced_composition
    others = PhaseDiagram([e for e in entries if e.composition.reduced_composition != composition])
    return others.get_decomp_and_e_above_hull(entry, allow_negative=True)


def thermodynamics_at(
    entries: Sequence[Entry], system: BinarySystem, temperature_K: float
) -> Thermodynamics:
    """Build the phase diagram from G(T) = E + F_vib(T) of every entry (elements included)."""
    labels = [entry_label(e, system) for e in entries]
    shifted = [
        at_temperature(e, temperature_K, name) for e, name in zip(entries, labels, strict=True)
    ]
    pd = PhaseDiagram(shifted)
    results = []
    stable = set(pd.stable_entries)
    for entry, label in zip(shifted, labels, strict=True):
        if (
            entry in stable and not entry.is_element
        ):  # depth below the hull of the other compositions
            decomposition, distance_eV = _depth_below_others(entry, shifted)
        else:  # energy above the hull (> 0); a polymorph is compared with its ground state too
            decomposition, distance_eV = pd.get_decomp_and_e_above_hull(entry)
        competing = sorted(
            (d for d in (decomposition or {}) if d is not entry),
            key=lambda d: system.ion_fraction(d.composition),
        )
        results.append(
            PhaseThermo(
                label=label,
                formula=system.formula(entry.composition),
                ion_fraction=system.ion_fraction(entry.composition),
                formation_energy_eV_per_atom=float(pd.get_form_energy_per_atom(entry)),
                hull_distance_meV_per_atom=float(distance_eV) * MEV_PER_EV,
                stable=entry in stable,
                competing=tuple(system.formula(d.composition) for d in competing),
            )
        )
    return Thermodynamics(temperature_K, system, pd, tuple(results))
