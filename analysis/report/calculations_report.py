"""The report section on the calculations themselves: what was computed, what was checked,
what could not be used."""

from __future__ import annotations

import numpy as np

from nasx.analysis.document_sections import Consistency, Missing
from nasx.analysis.readers.phonon_sets import format_supercell
from nasx.analysis.readers.records import Calculations, PhaseRecord, Problem
from nasx.analysis.thermo.checks import Check, percent
from nasx.phonons import ThermalProperties
from nasx.units import MEV_PER_EV


def calculations_section(
    records: list[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    checks: list[Check],
    problems: list[Problem],
    missing: list[Missing],
    consistency: Consistency,
    calculations: Calculations,
) -> str:
    lines = ["## Calculations", ""]
    if calculations.run:
        lines += [f"Calculator: {calculations.run.calculator.description}.", ""]
    lines += [f"Settings: {consistency.message}.", ""]
    lines += [
        "| phase | status | relax steps | residual force (eV/Å) | supercell | displacements | imaginary modes | F (meV/atom) | S (meV/K/atom) | Cv (meV/K/atom) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        relax, t = record.relaxation, thermal.get(record.id)
        steps = (
            f"{relax.steps}{'' if relax.converged else ' (unconverged)'}" if relax else "missing"
        )
        force = f"{relax.max_force_eV_per_A:.1e}" if relax else "missing"
        if t is None:
            phonon_cells = ["missing"] * 6
        else:
            phonon_cells = [
                format_supercell(np.array(t.supercell)),
                str(t.n_displacements),
                f"{percent(t.imaginary_fraction)} (min {t.min_frequency_THz:.2f} THz)",
                _per_t(t.temperatures_K, t.free_energy_eV_per_atom, 1),
                _per_t(t.temperatures_K, t.entropy_eV_per_K_per_atom, 3),
                _per_t(t.temperatures_K, t.heat_capacity_eV_per_K_per_atom, 3),
            ]
        lines.append(
            f"| {record.id} | {record.status or '–'} | {steps} | {force} | "
            + " | ".join(phonon_cells)
            + " |"
        )
    if problems or missing:
        lines += ["", "### Problems: what could not be used, and what is missing because of it", ""]
        lines += [
            f"- **{p.phase or 'input'}**: `{p.path}`: {p.reason} → missing {p.missing}"
            for p in problems
        ]
        lines += [f"- missing {m.quantity}: {m.reason}" for m in missing]
    if calculations.notes:
        lines += ["", "Notes:", "", *(f"- {n}" for n in calculations.notes)]
    lines += ["", "### Checks", ""]
    failed = [c for c in checks if not c.ok]
    if not failed:
        lines.append("All checks passed.")
    lines += [f"- **{c.phase_id}, {c.kind}**: {c.message}" for c in failed]
    converged = [c for c in checks if c.kind == "supercell convergence"]
    lines += [f"- {c.phase_id}, supercell convergence: {c.message}" for c in converged if c.ok]
    unchecked = [
        r.id for r in records if r.id in thermal and r.id not in {c.phase_id for c in converged}
    ]
    if unchecked and calculations.run:
        lines.append(
            f"- Supercell convergence of F_vib not checked for {', '.join(unchecked)} "
            "(`nasx run --check-convergence PHASE` repeats the phonons in a larger supercell)."
        )
    notes = [f"{phase_id}: {n}" for phase_id, t in thermal.items() for n in t.notes]
    if notes:
        lines += ["", "phonopy reported:", "", *(f"- {n}" for n in notes)]
    lines += [
        "",
        "Per phase: `phases/<id>/relaxed.cif`, `phonopy.yaml` (with forces), `thermal.json`, "
        "`band.yaml`, `band_structure.png` (with the DOS), `thermal_properties.png` (F, S, Cv).",
    ]
    return "\n".join(lines)


def _per_t(temperatures: list[float], values_eV: list[float], digits: int) -> str:
    """Values in meV (per atom, or per K and atom) at each temperature."""
    return ", ".join(
        f"{v * MEV_PER_EV:.{digits}f} @ {t:g} K"
        for t, v in zip(temperatures, values_eV, strict=True)
    )
