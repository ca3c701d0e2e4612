"""Open-circuit voltage plateaus along the reduction path X → ... → most A-rich compound.

Each plateau is a two-phase reaction between neighbouring phases on the convex hull,
``a P1 + 2 A → b P2``, at voltage V = −ΔG / (Δn e) with Δn ions per formula of X moved, G
per formula unit and the working-ion metal as the anode (V vs A/A⁺). The *kinetic* path is the
same construction with chosen phases removed from the hull (bypassed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from math import gcd, lcm

from pymatgen.analysis.phase_diagram import PhaseDiagram
from pymatgen.core import Composition, Element

from nasx.analysis.thermo.entries import Entry
from nasx.chemistry import BinarySystem

PLATEAU_RESOLUTION_V = 0.05
"""Neighbouring plateaus closer than this merge into one observable plateau (the paper's
2.07 and 2.03 V steps show as one)."""


@dataclass(frozen=True)
class Plateau:
    """One two-phase step. ``x`` is the atomic fraction A/(A+X); capacity per gram of X."""

    reaction: str
    voltage_V: float
    x_start: float
    x_end: float
    capacity_mAh_per_g_start: float
    capacity_mAh_per_g_end: float
    phase_start: str
    phase_end: str


@dataclass(frozen=True)
class BandSegment:
    """Between ``x_start`` and ``x_end`` (A fraction) the voltages of several profiles (a
    committee's models) span min_V–max_V."""

    x_start: float
    x_end: float
    min_V: float
    max_V: float


def plateaus(phase_diagram: PhaseDiagram, system: BinarySystem) -> list[Plateau]:
    """The voltage profile from pure X to the most A-rich stable compound of ``phase_diagram``."""
    anion = Element(system.anion)
    ion = Element(system.working_ion)
    mu_ion_eV = phase_diagram.el_refs[ion].energy_per_atom
    hull = sorted(
        (e for e in phase_diagram.stable_entries if e.composition[anion] > 0),
        key=lambda e: system.ions_per_anion(e.composition),
    )
    steps = []
    for start, end in pairwise(hull):
        n0, n1 = system.ions_per_anion(start.composition), system.ions_per_anion(end.composition)
        g0 = start.energy / start.composition[anion]  # eV per X atom
        g1 = end.energy / end.composition[anion]
        voltage = -(g1 - g0 - (n1 - n0) * mu_ion_eV) / (n1 - n0)
        steps.append(
            Plateau(
                reaction=_reaction(start.composition, end.composition, n1 - n0, system),
                voltage_V=float(voltage),
                x_start=n0 / (1 + n0),
                x_end=n1 / (1 + n1),
                capacity_mAh_per_g_start=system.capacity_mah_per_g(n0),
                capacity_mAh_per_g_end=system.capacity_mah_per_g(n1),
                phase_start=system.formula(start.composition),
                phase_end=system.formula(end.composition),
            )
        )
    return steps


def bypassed_plateaus(
    entries: Sequence[Entry], system: BinarySystem, bypass: Iterable[str]
) -> list[Plateau]:
    """The profile when the phases of the formulas in ``bypass`` never form (kinetic path)."""
    skip = set(bypass)
    for formula in skip & set(system.elements):
        raise ValueError(f"cannot bypass the elemental reference {formula}")
    kept = [e for e in entries if system.formula(e.composition) not in skip]
    return plateaus(PhaseDiagram(kept), system)


def distinguishable(steps: Sequence[Plateau], resolution_V: float = PLATEAU_RESOLUTION_V) -> int:
    """How many plateaus an experiment would see: neighbours within ``resolution_V`` merge."""
    if not steps:
        return 0
    count = 1
    for previous, current in pairwise(steps):
        if abs(previous.voltage_V - current.voltage_V) >= resolution_V:
            count += 1
    return count


def grouped(steps: Sequence[Plateau], groups: dict[str, str]) -> int:
    """Plateaus when neighbouring steps whose products share a group count as one (the paper's
    first plateau, S8 → Na2S5 + Na2S4, holds two steps); products without a group stand alone."""
    labels = [groups.get(p.phase_end, p.phase_end) for p in steps]
    return sum(1 for i, label in enumerate(labels) if i == 0 or label != labels[i - 1])


def _reaction(start: Composition, end: Composition, delta_n: float, system: BinarySystem) -> str:
    """``"4 Na2S5 + 2 Na -> 5 Na2S4"``: smallest integer coefficients, nasx formula names."""
    names = [system.formula(c) for c in (start, end)]
    # per X atom: 1/x1 P1 + Δn A -> 1/x2 P2, with x_i the X atoms in each named formula
    raw = [
        Fraction(1) / Fraction(Composition(names[0])[system.anion]).limit_denominator(1000),
        Fraction(delta_n).limit_denominator(1000),
        Fraction(1) / Fraction(Composition(names[1])[system.anion]).limit_denominator(1000),
    ]
    scale = lcm(*(f.denominator for f in raw))
    ints = [int(f * scale) for f in raw]
    common = gcd(*ints)
    c1, ca, c2 = (i // common for i in ints)

    def term(coefficient: int, name: str) -> str:
        return name if coefficient == 1 else f"{coefficient} {name}"

    return f"{term(c1, names[0])} + {term(ca, system.working_ion)} -> {term(c2, names[1])}"
