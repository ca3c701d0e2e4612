"""The report sections on the force constants: acoustic sum rule, where imaginary modes are,
and what following the unstable ones found."""

from __future__ import annotations

from nasx.analysis.records import PhaseRecord
from nasx.mode_following import SPACEGROUP_SYMPREC_A, InstabilityResult
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


def instability_record(result: InstabilityResult) -> dict:
    """results.json's ``calculations[id].instability``: the followed mode without its structure
    (that is in phases/<id>/instability/distorted.cif)."""
    document = result.as_dict()
    if document["followed"] is not None:
        document["followed"].pop("structure")
    return document


def instabilities_section(records: list[PhaseRecord]) -> str:
    """One row per phase whose lowest unstable mode was followed (``--follow-instabilities``)."""
    lines = [
        "## Following the unstable modes",
        "",
        "Each phase's lowest imaginary mode, displaced in the smallest diagonal supercell of the "
        "primitive cell that holds its q, relaxed (cell and positions) without the symmetry "
        "constraint; energy gained per atom against the symmetric structure in the same "
        "supercell (phases/<id>/instability/).",
        "",
        "| phase | mode | supercell | space group before → after | largest displacement (Å) "
        "| energy gain (meV/atom) |",
        "|---|---|---|---|---|---|",
    ]
    for record in records:
        result = record.instability
        if result is None:
            continue
        f = result.followed
        if f is None:
            lines.append(f"| {record.id} | – | – | – | – | {result.note} |")
            continue
        q = ", ".join(f"{v:.3g}" for v in f.q_reduced)
        before, after = f.space_group_before, f.space_group_after
        unconverged = "" if f.converged else f" (relaxation unconverged after {f.steps} steps)"
        lines.append(
            f"| {record.id} | {f.frequency_THz:.3f} THz at q=({q}) branch {f.branch} "
            f"| {'×'.join(map(str, f.supercell))} ({f.n_atoms} atoms) "
            f"| {before.symbol} ({before.number}) → {after.symbol} ({after.number}) "
            f"| {f.max_displacement_A:.3f} | {f.energy_gain_meV_per_atom:.3f}{unconverged} |"
        )
    lines += ["", f"Space groups: spglib at {SPACEGROUP_SYMPREC_A:g} Å."]
    return "\n".join(lines)
