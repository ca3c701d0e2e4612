"""report.md's "Computed and measured" section: each phase's harmonic S(298.15 K), ΔfH(298.15 K),
volume, Cp and H(T) − H(298.15 K) beside the measured values, and its Γ modes (irreps, Raman/IR
activity) beside the measured lines. From results.json's ``experiment`` section."""

from __future__ import annotations

from nasx.analysis.experiment_sections import (
    Comparison,
    ExperimentSection,
    LinesComparison,
    PhaseExperiment,
)
from nasx.analysis.report.entropy_breakdown_report import breakdown_part
from nasx.analysis.thermo.gamma_modes import GammaMode, GammaModes
from nasx.analysis.thermo.study import StudyResult
from nasx.units import temperature_key

MAX_MODES_SHOWN = 16
"""Γ mode sets listed one by one per phase; a phase with more gets its decomposition."""
HIGHEST_SHOWN = 8


def experiment_section(section: ExperimentSection | None) -> str:
    """The section's markdown ("" without a comparison)."""
    if section is None:
        return ""
    phases = section.phases
    references = ", ".join(f"{el}: {pid}" for el, pid in section.reference_states.items())
    parts = [
        "## Computed and measured",
        "",
        "Harmonic values of this model beside calorimetry, crystallography and spectroscopy "
        f"({section.measured_values}). " + " ".join(section.notes),
        "",
        f"Reference states of ΔfH: {references or 'none computed'}. Differences are computed − "
        "measured; ✗ marks one beyond its tolerance ("
        + "; ".join(f"{k} {v}" for k, v in section.tolerances.items())
        + "), – a value not measured or not computed, (low) one of low confidence (not checked).",
        "",
        "| phase | S(298.15 K) J/(mol·K)/atom: computed | measured | Δ | ΔfH(298.15 K) eV/atom: "
        "computed (E_f 0 K, H_vib term) | measured | Δ | volume Å³/atom: computed | measured | Δ |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for pid, p in phases.items():
        parts.append(
            f"| {pid} | {_row(p.entropy_J_per_mol_K_per_atom, '{:.2f}', True)} | "
            f"{_formation(p)} | {_row(p.volume_A3_per_atom, '{:.2f}', True)} |"
        )
    error = section.entropy_error
    if error is not None:
        worth = ", ".join(f"{v:.0f} meV/atom at {t} K" for t, v in error.TS_meV_per_atom.items())
        parts += [
            "",
            f"Largest checked entropy error: {error.entropy_J_per_mol_K_per_atom:+.1f} J/(mol·K) "
            f"per atom ({error.phase}), worth T·|ΔS| = {worth or '–'}: free-energy differences "
            "(hull depths) smaller than this are not resolved by this model.",
        ]
    breakdown = breakdown_part(phases)
    if breakdown:
        parts += ["", *breakdown]
    series = _series_table(phases)
    if series:
        parts += ["", *series]
    parts += ["", *_gamma_table(phases)]
    parts += ["", *_sources(phases)]
    return "\n".join(parts)


def _row(c: Comparison | None, fmt: str, percent: bool) -> str:
    """``computed | measured | Δ`` cells of one comparison."""
    if c is None:
        return "– | – | –"
    computed = "–" if c.computed is None else fmt.format(c.computed)
    measured = "–" if c.measured is None else fmt.format(c.measured)
    if c.difference is None:
        return f"{computed} | {measured} | –"
    delta = f"{c.difference:+.3f}" if not percent else f"{100 * c.relative_difference:+.0f} %"
    mark = " ✗" if c.ok is False else (" (low)" if c.confidence == "low" else "")
    return f"{computed} | {measured} | {delta}{mark}"


def _formation(p: PhaseExperiment) -> str:
    c = p.formation_enthalpy_eV_per_atom
    if c is None or c.computed is None:
        return _row(c, "{:.3f}", False)
    vibrational_meV = 1000 * p.vibrational_enthalpy_term_eV_per_atom
    parts = f"{c.computed:.3f} ({p.formation_energy_0K_eV_per_atom:.3f} {vibrational_meV:+.1f} meV)"
    rest = _row(c, "{:.3f}", False).split(" | ", 1)[1]
    return f"{parts} | {rest}"


def _series_table(phases: dict[str, PhaseExperiment]) -> list[str]:
    """Cp and H(T) − H(298.15 K) at each temperature (measured beside where tabulated)."""
    temperatures = sorted(
        {t for p in phases.values() for t in (p.heat_capacity_J_per_mol_K_per_atom or {})},
        key=float,
    )
    if not temperatures:
        return []
    head = " | ".join(f"Cp {t} K" for t in temperatures)
    increments = [t for t in temperatures if float(t) != 298.15]
    head += "".join(f" | H−H(298.15) {t} K" for t in increments)
    lines = [
        "Harmonic Cp (= Cv) in J/(mol·K) per atom and H(T) − H(298.15 K) in kJ/mol per atom "
        "(measured in brackets where tabulated):",
        "",
        f"| phase | {head} |",
        "|---|" + "---|" * (len(temperatures) + len(increments)),
    ]
    for pid, p in phases.items():
        cp = p.heat_capacity_J_per_mol_K_per_atom or {}
        dh = p.enthalpy_increment_kJ_per_mol_per_atom or {}
        cells = [_cell(cp.get(t)) for t in temperatures] + [_cell(dh.get(t)) for t in increments]
        lines.append(f"| {pid} | {' | '.join(cells)} |")
    return lines


def _cell(c: Comparison | None) -> str:
    if c is None or c.computed is None:
        return "–"
    measured = f" ({c.measured:.2f})" if c.measured is not None else ""
    return f"{c.computed:.2f}{measured}{' ✗' if c.ok is False else ''}"


def _gamma_table(phases: dict[str, PhaseExperiment]) -> list[str]:
    lines = [
        "Γ-point modes (cm⁻¹; irreducible representations from phonopy; R Raman-, I IR-active "
        "by symmetry; acoustic modes left out) beside the measured lines, each matched to the "
        "nearest active computed mode:",
        "",
        "| phase | point group | optical modes | measured lines → nearest computed | mean computed/measured |",
        "|---|---|---|---|---|",
    ]
    for pid, p in phases.items():
        g = p.gamma_modes
        if g is None and p.raman is None and p.ir is None:
            continue
        modes = _modes(g) if g is not None else "not computed"
        lines.append(
            f"| {pid} | {g.point_group if g else '–'} | {modes} | "
            f"{_lines(p.raman, 'Raman')}{'; ' if p.raman and p.ir else ''}{_lines(p.ir, 'IR')} | "
            f"{_ratio(p.raman)}{' / ' if p.raman and p.ir else ''}{_ratio(p.ir)} |"
        )
    return lines


def _modes(g: GammaModes) -> str:
    """Each optical set (frequency, irrep, activity); past MAX_MODES_SHOWN sets, the irreps'
    decomposition and the highest sets (where the measured internal modes of a molecular
    crystal are)."""
    optical = [m for m in g.modes if not m.acoustic]
    if not optical:
        return "none"
    if len(optical) <= MAX_MODES_SHOWN:
        return ", ".join(_mode(m) for m in optical)
    counts: dict[str, int] = {}
    for m in optical:
        counts[f"{m.irrep or '?'} ({_activity(m)})"] = (
            counts.get(f"{m.irrep or '?'} ({_activity(m)})", 0) + 1
        )
    decomposition = " + ".join(f"{n} {irrep}" for irrep, n in sorted(counts.items()))
    highest = ", ".join(_mode(m) for m in optical[-HIGHEST_SHOWN:])
    return f"{len(optical)} sets: {decomposition}; highest: {highest}"


def _mode(m: GammaMode) -> str:
    degeneracy = f"×{m.degeneracy}" if m.degeneracy > 1 else ""
    return f"{m.frequency_per_cm:.0f} {m.irrep or '?'}{degeneracy} {_activity(m)}"


def _activity(m: GammaMode) -> str:
    return ("R" if m.raman_active else "") + ("I" if m.ir_active else "") or "silent"


def _lines(lines: LinesComparison | None, kind: str) -> str:
    if lines is None:
        return "" if kind == "IR" else "–"
    pairs = ", ".join(
        f"{m:g}→{'–' if c is None else f'{c:.0f}'}"
        for m, c in zip(lines.measured_per_cm, lines.nearest_computed_per_cm, strict=True)
    )
    low = " (low)" if lines.confidence == "low" else ""
    return f"{kind} {pairs}{low}"


def _ratio(lines: LinesComparison | None) -> str:
    if lines is None or lines.mean_ratio is None:
        return ""
    return f"{lines.mean_ratio:.3f}{' ✗' if lines.ok is False else ''}"


def _sources(phases: dict[str, PhaseExperiment]) -> list[str]:
    """Each measured value's source, once."""
    seen: dict[str, list[str]] = {}
    for pid, p in phases.items():
        for name, c in (
            ("S°", p.entropy_J_per_mol_K_per_atom),
            ("ΔfH°", p.formation_enthalpy_eV_per_atom),
            ("volume", p.volume_A3_per_atom),
            ("Raman", p.raman),
            ("IR", p.ir),
        ):
            if c is not None and c.source:
                verified = "" if c.verified else ", not verified in the primary source"
                key = f"{c.source} ({c.confidence} confidence{verified})"
                seen.setdefault(key, []).append(f"{pid} {name}")
    if not seen:
        return ["No measured values for these phases."]
    return ["Measured values:", ""] + [f"- {', '.join(w)}: {s}" for s, w in seen.items()]


def error_beside_conclusions(section: ExperimentSection | None, result: StudyResult) -> str:
    """One paragraph under the conclusions table: at each temperature above 0 K, the hull
    distances of the compounds that are smaller than the model's demonstrated entropy error
    (T·|ΔS| of its worst checked phase), which that error alone could overturn ("" when no
    entropy was checked)."""
    error = section.entropy_error if section is not None else None
    if error is None:
        return ""
    parts = []
    for t in result.temperatures_K:
        worth = error.TS_meV_per_atom.get(temperature_key(t))
        if not t or worth is None:
            continue
        ground = result.thermo[t].ground_states()
        within = [
            f"{f} {p.hull_distance_meV_per_atom:+.1f}"
            for f, p in ground.items()
            if p.hull_distance_meV_per_atom and abs(p.hull_distance_meV_per_atom) < worth
        ]
        parts.append(
            f"at {t:g} K T·|ΔS| = {worth:.0f} meV/atom, and "
            + (f"{', '.join(within)} meV/atom are within it" if within else "no hull distance is")
        )
    if not parts:
        return ""
    return (
        f"**Beside this model's demonstrated error.** Its entropy of {error.phase} at 298.15 K "
        f"is {error.entropy_J_per_mol_K_per_atom:+.1f} J/(mol·K) per atom off calorimetry "
        '(section "Computed and measured"): '
        + "; ".join(parts)
        + ". A verdict at those temperatures that rests on a hull distance within that error "
        "is not established by this model: an error of that size alone could reverse it."
    )
