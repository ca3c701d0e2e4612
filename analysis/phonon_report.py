"""The report section on the force constants: acoustic sum rule and where imaginary modes are."""

from __future__ import annotations

from nasx.analysis.records import PhaseRecord
from nasx.phonons import ThermalProperties


def _g(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def phonon_modes_section(records: list[PhaseRecord], thermal: dict[str, ThermalProperties]) -> str:
    """One row per phase with phonons: sum-rule violation before/after, the lowest imaginary
    modes (q, branch, ν) and their classification in words."""
    lines = [
        "## Force constants and imaginary modes",
        "",
        "Acoustic sum rule: max |Σ_j Φ_ij| (eV/Å²) and max |ν| of the three acoustic modes at Γ "
        "(THz), before → after symmetrisation (translation-invariant models only; the stub's "
        "springs to fixed sites break it on purpose). Modes: the lowest below the tolerance, "
        "q in the primitive reciprocal basis.",
        "",
        "| phase | Σ_j Φ_ij | Γ acoustic | imaginary modes | classification |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        t = thermal.get(record.id)
        if t is None or t.sum_rule is None or t.imaginary_modes is None:
            continue
        rule, modes = t.sum_rule, t.imaginary_modes
        row_sum = f"{rule.max_row_sum_before_eV_per_A2:.2e}"
        acoustic = f"{rule.max_gamma_acoustic_before_THz:.3f}"
        if rule.symmetrized:
            row_sum += f" → {_g(rule.max_row_sum_after_eV_per_A2, '.1e')}"
            acoustic += f" → {_g(rule.max_gamma_acoustic_after_THz, '.1e')}"
        listed = "; ".join(
            f"{m.frequency_THz:.3f} THz at {m.location} q=({', '.join(f'{v:.3g}' for v in m.q_reduced)}) "
            f"branch {m.branch}"
            for m in modes.modes[:3]
        )
        count = f"{modes.n_mesh_modes} on the mesh" + (f": {listed}" if listed else "")
        lines.append(f"| {record.id} | {row_sum} | {acoustic} | {count} | {modes.classification} |")
    return "\n".join(lines)
