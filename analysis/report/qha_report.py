"""The report's "Quasi-harmonic (p = 0)" section: V(T), α, B and Cp per phase; formation
energies, hull distances and plateaus harmonic beside QHA with their difference; the refusals
and flags one line each; the largest shift in words; and the figure qha.png."""

from __future__ import annotations

from pathlib import Path

from nasx.analysis.qha_sections import PlateauShift, QhaSection
from nasx.analysis.thermo.qha_experiment import RELATIVE_TOLERANCE
from nasx.analysis.thermo.qha_study import QhaAnalysis
from nasx.units import K_B_EV_PER_K, temperature_key

QHA_PNG = "qha.png"
TITLE = "## Quasi-harmonic (p = 0)"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def _signed(value: float, digits: int) -> str:
    return f"{round(value, digits) + 0.0:+.{digits}f}"  # + 0.0: never "-0.0"


def qha_figure_section(qha: QhaAnalysis, out: Path, model: str) -> str:
    """qha.png drawn into ``out`` and the report's section that shows it."""
    from nasx.analysis.report.qha_plot import qha_figure  # matplotlib only where drawn

    qha_figure(qha, out / QHA_PNG, model)
    return qha_section(qha)


def qha_section(qha: QhaAnalysis) -> str:
    """The section's Markdown (it names qha.png)."""
    section = qha.section
    assert section is not None
    v = section.volumes
    lines = [
        TITLE,
        "",
        f"G(T) = min over V of E(V) + F_vib(V, T) per atom, at {v.count} volumes from "
        f"{v.min_percent:+g} % to {v.max_percent:+g} % of each relaxed volume (each cell relaxed "
        "at fixed volume), fitted by an equation of state at every temperature; the harmonic "
        "numbers above keep each phase at its 0 K volume.",
        "",
        *_properties(section),
        "",
        f"![quasi-harmonic V(T) and G]({QHA_PNG})",
        "",
        f"{QHA_PNG}: per phase V(T)/V(0 K) and G_QHA − G_harmonic (meV/atom) against T.",
        "",
    ]
    lines += _measured(section)
    rows, largest = _comparison(qha)
    if rows:
        header = ["quantity", "T", "harmonic", "QHA", "QHA − harmonic"]
        lines += ["### Harmonic and quasi-harmonic", "", *_table(header, rows), ""]
    if largest:
        lines += [largest, ""]
    notes = _notes(qha)
    if notes:
        lines += ["Refused and flagged:", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(lines).rstrip()


def _properties(section: QhaSection) -> list[str]:
    header = ["phase", "T", "V (Å³/atom)", "V/V(0 K)", "α (10⁻⁵/K)", "B (GPa)", "Cp (k_B/atom)"]
    rows = []
    for phase_id, phase in section.phases.items():
        if phase.refused:
            rows.append([phase_id, "all", "refused", "", "", "", ""])
            continue
        zero = next((r.volume_A3_per_atom for r in phase.rows if r.temperature_K == 0), None)
        for r in phase.rows:
            t = f"{r.temperature_K:g} K"
            if r.refused or r.volume_A3_per_atom is None:
                rows.append([phase_id, t, "refused", "", "", "", ""])
                continue
            ratio = f"{r.volume_A3_per_atom / zero:.4f}" if zero else "–"
            rows.append(
                [
                    phase_id,
                    t,
                    f"{r.volume_A3_per_atom:.3f}",
                    ratio,
                    f"{(r.thermal_expansion_per_K or 0.0) * 1e5:.2f}",
                    f"{r.bulk_modulus_GPa:.1f}",
                    f"{(r.heat_capacity_p_eV_per_K_per_atom or 0.0) / K_B_EV_PER_K:.3f}",
                ]
            )
    return _table(header, rows)


def _measured(section: QhaSection) -> list[str]:
    """V(T) and α(T) beside experiment.toml's values (nothing without any)."""
    rows = []
    for phase_id, phase in section.phases.items():
        m = phase.measured
        if m is None:
            continue
        for name, c, t, scale, quantity in (
            ("V (Å³/atom)", m.volume_A3_per_atom, m.volume_temperature_K, 1.0, "volume"),
            ("α (10⁻⁵/K)", m.thermal_expansion_per_K, m.thermal_expansion_temperature_K, 1e5,
             "thermal_expansion"),
        ):  # fmt: skip
            if c is None or c.computed is None or c.measured is None:
                continue
            tolerance = f"±{RELATIVE_TOLERANCE[quantity]:.0%}"
            checked = (
                "not checked"
                if c.ok is None
                else (f"within {tolerance}" if c.ok else f"OUTSIDE {tolerance}")
            )
            rows.append(
                [
                    phase_id,
                    name,
                    f"{t:g} K",
                    f"{c.computed * scale:.2f}",
                    f"{c.measured * scale:.2f}",
                    f"{c.relative_difference:+.1%} ({checked})",
                    c.source or "",
                ]
            )
    if not rows:
        return []
    header = ["phase", "quantity", "T (QHA)", "QHA", "measured", "Δ", "source"]
    return ["", "### Beside measurement", "", *_table(header, rows), ""]


def _comparison(qha: QhaAnalysis) -> tuple[list[list[str]], str]:
    """The rows harmonic | QHA | difference (compounds and plateaus at each temperature where
    the QHA hull was computed), and the sentence naming the largest shifts."""
    section, harmonic = qha.section, qha.harmonic
    assert section is not None
    rows: list[list[str]] = []
    energies: list[tuple[float, str]] = []  # (|shift|, words), meV/atom
    voltages: list[tuple[float, str]] = []  # mV
    for t in qha.temperatures_K:
        record = section.temperatures[temperature_key(t)]
        if record.not_computed or harmonic is None or t not in harmonic.thermo:
            continue
        theirs = {p.label: p for p in harmonic.thermo[t].entries}
        shift, at = record.minus_harmonic, f"{t:g} K"
        for label, formation in (record.formation_energy_eV_per_atom or {}).items():
            if label not in theirs or theirs[label].formula in harmonic.system.elements:
                continue
            hull = (record.hull_distance_meV_per_atom or {})[label]
            d_f = (shift.formation_energy_meV_per_atom or {})[label]
            d_h = (shift.hull_distance_meV_per_atom or {})[label]
            old = theirs[label]
            rows += [
                [f"E_f {label} (eV/atom)", at, f"{old.formation_energy_eV_per_atom:.4f}",
                 f"{formation:.4f}", f"{_signed(d_f, 2)} meV/atom"],
                [f"hull distance {label} (meV/atom)", at, f"{old.hull_distance_meV_per_atom:.2f}",
                 f"{hull:.2f}", f"{_signed(d_h, 2)} meV/atom"],
            ]  # fmt: skip
            energies += [
                (abs(d_f), f"E_f of {label} at {at}, {_signed(d_f, 2)} meV/atom"),
                (abs(d_h), f"hull distance of {label} at {at}, {_signed(d_h, 2)} meV/atom"),
            ]
        for path, shifts in (("thermodynamic", shift.thermodynamic), ("kinetic", shift.kinetic)):
            for s in shifts or []:
                rows.append(_plateau_row(path, s, t))
                if s.difference_mV is not None:
                    words = f"the {path} plateau {s.phase_start} → {s.phase_end} at {at}"
                    voltages.append(
                        (abs(s.difference_mV), f"{words}, {_signed(s.difference_mV, 1)} mV")
                    )
    found = [max(items)[1] for items in (energies, voltages) if items]
    if not found:
        return rows, ""
    return rows, "The largest shifts from the harmonic numbers: " + "; ".join(found) + "."


def _plateau_row(path: str, s: PlateauShift, t: float) -> list[str]:
    name = f"{path} plateau {s.phase_start} → {s.phase_end} (V)"
    h = f"{s.harmonic_V:.4f}" if s.harmonic_V is not None else "none"
    q = f"{s.qha_V:.4f}" if s.qha_V is not None else "none"
    d = f"{_signed(s.difference_mV, 1)} mV" if s.difference_mV is not None else "–"
    return [name, f"{t:g} K", h, q, d]


def _notes(qha: QhaAnalysis) -> list[str]:
    """Each refusal (phase, temperature, hull) and each flag, one line."""
    notes = []
    for result in qha.results.values():
        if result.refused:
            notes.append(result.refused)
            continue
        for row in result.rows:
            if row.refused:
                notes.append(row.refused)
            notes += [f"{result.phase_id} at {row.temperature_K:g} K: {f}" for f in row.flags]
    notes += [line for _, line in sorted(qha.not_computed.items())]
    return notes
