"""The "Computed and measured" section's part on where each phase's S(298.15 K) sits: a table
by frequency band (with the rigid-molecule part of a molecular crystal), and per phase the
uniform force-constant softening that would explain its difference from S°."""

from __future__ import annotations

from nasx.analysis.experiment_sections import PhaseExperiment
from nasx.analysis.thermo.entropy_breakdown import EntropyBand, EntropyBreakdown
from nasx.wording import counted

LOW_THZ = 2.0
"""Internal modes of a molecular crystal below this are counted out in words."""


def breakdown_part(phases: dict[str, PhaseExperiment]) -> list[str]:
    """The table and its lines ([] when no phase has a breakdown)."""
    shown = {pid: p for pid, p in phases.items() if p.entropy_breakdown is not None}
    if not shown:
        return []
    first = next(iter(shown.values())).entropy_breakdown
    heads = [_band(b) for b in first.bands]
    lines = [
        "Where S(298.15 K) sits, in J/(mol·K) per atom, by phonon frequency on the q-mesh of "
        "the thermal sums (each mode k_B[x/(eˣ − 1) − ln(1 − e⁻ˣ)], x = hν/k_BT, with the same "
        "imaginary-mode policy; the bands add up to the total). For a crystal of molecules "
        "(found by their bonds), in brackets the part of the molecules' rigid-body motion "
        "(each mode's weight on the translations and rotations of the molecules, ions of one "
        "atom translating), and the rigid-body / intramolecular split. The softening s is the "
        "factor on every force constant (every frequency × √s) that would explain computed − "
        "measured (s < 1: too soft): ΔS = −(3/2) R ln s per atom in the classical limit (with the computed Cv(298.15 K) "
        "in place of 3R in brackets):",
        "",
        f"| phase | total | {' | '.join(heads)} | rigid-body / intramolecular | softening s |",
        "|---|---|" + "---|" * len(heads) + "---|---|",
    ]
    notes = []
    for pid, p in shown.items():
        b = p.entropy_breakdown
        cells = [_cell(band) for band in b.bands]
        if len(cells) != len(heads):  # another run's bands: not tabulated beside these
            continue
        split = "–"
        if b.external_J_per_mol_K_per_atom is not None:
            split = f"{b.external_J_per_mol_K_per_atom:.2f} / {b.internal_J_per_mol_K_per_atom:.2f}"
        lines.append(
            f"| {pid} | {b.entropy_J_per_mol_K_per_atom:.2f} | {' | '.join(cells)} | {split} | "
            f"{_factors(p)} |"
        )
        notes += _notes(pid, p)
    return lines + (["", *notes] if notes else [])


def _band(band: EntropyBand) -> str:
    if band.upper_THz is None:
        return f"> {band.lower_THz:g} THz"
    return f"{band.lower_THz:g}–{band.upper_THz:g} THz"


def _cell(band: EntropyBand) -> str:
    value = f"{band.entropy_J_per_mol_K_per_atom:.2f}"
    if band.external_J_per_mol_K_per_atom is None:
        return value
    return f"{value} ({band.external_J_per_mol_K_per_atom:.2f})"


def _factors(p: PhaseExperiment) -> str:
    e = p.entropy_excess
    if e is None:
        return "–"
    return f"{_factor(e.uniform_factor_classical)} ({_factor(e.uniform_factor)})"


def _factor(value: float) -> str:
    return f"{value:.2f}" if value >= 0.095 else f"{value:.2g}"


def _notes(pid: str, p: PhaseExperiment) -> list[str]:
    """One line per phase with a measured S°: the excess, the uniform softening, and for a
    molecular crystal where its intramolecular entropy sits."""
    b, e = p.entropy_breakdown, p.entropy_excess
    parts = []
    if b.molecule_sizes:
        parts.append(_molecules(b))
    if e is not None:
        text = (
            f"computed − measured S = {e.excess_J_per_mol_K_per_atom:+.2f} would take every "
            f"force constant of this model to be s = {_factor(e.uniform_factor_classical)} × "
            f"the true one (classical; {_factor(e.uniform_factor)} with Cv), every frequency "
            f"× {e.uniform_factor_classical**0.5:.2f}"
        )
        if e.external_factor_classical is not None:
            text += (
                f"; were only the rigid-body modes off, s = "
                f"{_factor(e.external_factor_classical)} on them"
            )
        parts.append(text)
    return [f"- {pid}: " + "; ".join(parts) + "."] if parts else []


def _molecules(b: EntropyBreakdown) -> str:
    sizes = sorted(set(b.molecule_sizes))
    count = len(b.molecule_sizes)
    low = [x for x in b.bands if x.upper_THz is not None and x.upper_THz <= LOW_THZ]
    internal_modes = sum(x.modes_per_atom - (x.external_modes_per_atom or 0) for x in low)
    internal_entropy = sum(
        x.entropy_J_per_mol_K_per_atom - (x.external_J_per_mol_K_per_atom or 0) for x in low
    )
    atoms = " or ".join(counted(n, "atom") for n in sizes)
    soft = (
        f", of which {internal_entropy:.2f} from {internal_modes:.2f} internal modes per atom "
        f"below {LOW_THZ:g} THz"
        if internal_modes > 0.005
        else f", none below {LOW_THZ:g} THz"
    )
    return (
        f"{counted(count, 'molecule')} of {atoms} per primitive cell; their rigid-body motion "
        f"({b.external_modes_per_atom:.2f} modes per atom) carries "
        f"{b.external_J_per_mol_K_per_atom:.2f}, their internal modes "
        f"{b.internal_J_per_mol_K_per_atom:.2f}{soft}"
    )
