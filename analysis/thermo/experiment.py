"""Computed beside measured: each phase's S(298.15 K), Cp, H(T) − H(298.15 K), ΔfH(298.15 K),
volume and Γ modes beside calorimetry, crystallography and spectroscopy, and a check for every
difference beyond its tolerance.

For comparison only: nothing is fitted or scaled to the measured values. A measured phase is
matched by formula and space group (0.1 Å) of the computed structure. ΔfH(298.15 K) per atom is
E_f(0 K) + [H_vib(298.15 K) of the phase − Σ x_el H_vib(298.15 K) of the elements' reference
states], the reference states being the measured ones (bcc Na, α-S8 for Na–S) where computed,
else each element's lowest-energy phase. Raman and IR lines are matched line by line to the
nearest computed Γ mode active in that spectrum (by symmetry), which flatters the model when
many modes are active; the mean of computed/measured is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pymatgen.core import Composition

from nasx.analysis.experiment_sections import (
    Comparison,
    EntropyError,
    ExperimentSection,
    LinesComparison,
    PhaseExperiment,
)
from nasx.analysis.readers.phase_keys import phase_key
from nasx.analysis.readers.records import PhaseRecord, Problem
from nasx.analysis.thermo.checks import Check
from nasx.analysis.thermo.entropy_breakdown import entropy_excess
from nasx.analysis.thermo.gamma_modes import GammaModes
from nasx.analysis.thermo.standard_state import STANDARD_TEMPERATURE_K, StandardState
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.phonons import ThermalProperties
from nasx.structures.experiment import Experiment, Measured, MeasuredPhase, experiment_for
from nasx.units import EV_PER_KJ_PER_MOL, j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev, temperature_key

RELATIVE_TOLERANCE = {
    "entropy": 0.10,
    "heat_capacity": 0.10,
    "enthalpy_increment": 0.10,
    "volume": 0.05,
    "lines": 0.05,
}
"""|computed − measured| / |measured| beyond which a check fails (lines: |mean ratio − 1|)."""
FORMATION_TOLERANCE_EV_PER_ATOM = 0.05
"""|ΔfH computed − measured| beyond which a check fails (eV/atom)."""
TOLERANCES = {
    "S(298.15 K)": "±10 % of the measured value",
    "Cp, H(T) − H(298.15 K)": "±10 %",
    "ΔfH(298.15 K)": f"±{FORMATION_TOLERANCE_EV_PER_ATOM:g} eV/atom",
    "volume": "±5 %",
    "Raman, IR lines": "mean computed/measured within 1 ± 0.05",
}
NOTES = [
    "For comparison only: nothing is fitted or scaled to the measured values.",
    "Harmonic phonons: Cp = Cv (no thermal expansion); the volume is the static 0 K one.",
    "Values of low confidence are shown, never checked.",
    "Lines are matched to the nearest computed Γ mode active in that spectrum by symmetry; "
    "frequencies at q = 0 without LO–TO splitting.",
]
J_PER_MOL_K_PER_EV_PER_K = 1 / j_per_k_mol_to_ev_per_k(1.0)


@dataclass
class Compared:
    """The ``experiment`` section and its checks (none without phonons or measurements)."""

    section: ExperimentSection | None
    checks: list[Check]


def compare(
    records: Sequence[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    standard: dict[str, StandardState],
    experiment: Experiment,
    test_model: bool = False,
) -> Compared:
    """Every phase with values at 298.15 K or measurements, beside what was measured."""
    matched = {r.id: _match(r, experiment) for r in records}
    references = _references(records, matched, standard)
    phases, checks = {}, []
    prefix = "test model: " if test_model else ""
    for record in records:
        measured = matched[record.id]
        if record.id not in standard and measured is None:
            continue
        phase = _phase(record, measured, thermal.get(record.id), standard, references)
        phases[record.id] = phase
        checks += [Check(record.id, kind, ok, prefix + text) for kind, ok, text in _checks(phase)]
    if not phases:
        return Compared(None, [])
    temperatures = sorted({t for th in thermal.values() for t in th.temperatures_K if t > 0})
    section = ExperimentSection(
        entropy_error=entropy_error(phases, temperatures),
        temperature_K=STANDARD_TEMPERATURE_K,
        measured_values=experiment.description,
        reference_states={el: r.id for el, r in references.items()},
        tolerances=TOLERANCES,
        notes=NOTES,
        phases=phases,
    )
    return Compared(section, checks)


def entropy_error(
    phases: dict[str, PhaseExperiment], temperatures_K: Sequence[float]
) -> EntropyError | None:
    """The largest checked |S − S°| at 298.15 K and T·|ΔS| (meV/atom) at ``temperatures_K``."""
    checked = [
        (abs(c.difference), pid, c.difference)
        for pid, p in phases.items()
        if (c := p.entropy_J_per_mol_K_per_atom) is not None and c.ok is not None
    ]
    if not checked:
        return None
    _, pid, difference = max(checked)
    per_k = abs(difference) / J_PER_MOL_K_PER_EV_PER_K * 1000  # meV/K per atom
    return EntropyError(
        phase=pid,
        entropy_J_per_mol_K_per_atom=difference,
        TS_meV_per_atom={temperature_key(t): t * per_k for t in temperatures_K},
    )


def measured_values(
    system: BinarySystem | None, structures: str = ""
) -> tuple[Experiment, list[Problem]]:
    """`experiment_for` ``system`` and the run's ``structures`` folder; a user's file that
    cannot be read (changed since the run began) is a Problem, and nothing is compared."""
    try:
        return experiment_for(system.name if system is not None else None, structures), []
    except NasxInputError as exc:
        return Experiment(), [Problem(str(exc.source), exc.problem, None, "comparison")]


def _match(record: PhaseRecord, experiment: Experiment) -> MeasuredPhase | None:
    if record.structure is None or not experiment.phases:
        return None
    return experiment.find(record.formula, phase_key(record.structure)[1])


def _references(
    records: Sequence[PhaseRecord],
    matched: dict[str, MeasuredPhase | None],
    standard: dict[str, StandardState],
) -> dict[str, PhaseRecord]:
    """Each element's reference: its measured standard state where computed (energy and
    H_vib), else its lowest-energy phase with H_vib."""
    usable = [r for r in records if r.energy_eV is not None and r.id in standard and r.structure]
    elements = sorted({r.formula for r in usable if len(Composition(r.formula)) == 1})
    references = {}
    for element in elements:
        candidates = [r for r in usable if r.formula == element]
        declared = [r for r in candidates if (m := matched[r.id]) and m.standard_state]
        references[element] = (declared or sorted(candidates, key=_energy_per_atom))[0]
    return references


def _energy_per_atom(record: PhaseRecord) -> float:
    return record.energy_eV / len(record.structure)


def _phase(
    record: PhaseRecord,
    measured: MeasuredPhase | None,
    thermal: ThermalProperties | None,
    standard: dict[str, StandardState],
    references: dict[str, PhaseRecord],
) -> PhaseExperiment:
    values = measured.values if measured else {}
    state = standard.get(record.id)
    notes = [state.note] if state is not None and state.note else []
    formation = _formation(record, standard, references)
    if formation is None and "formation_enthalpy_298" in values:
        notes.append("ΔfH not computed: no energy or H_vib of the phase or a reference state")
    volume = record.structure.volume / len(record.structure) if record.structure else None
    gamma = state.gamma if state is not None else None
    breakdown = state.breakdown if state is not None else None
    entropy = _compare(
        state.entropy_J_per_mol_K_per_atom if state else None, measured, "entropy_298", "entropy"
    )
    excess = None
    if breakdown is not None and entropy is not None and entropy.measured is not None:
        cv = state.heat_capacity_J_per_mol_K_per_atom
        excess = entropy_excess(breakdown, entropy.measured, cv)
    return PhaseExperiment(
        formula=record.formula,
        space_group=phase_key(record.structure)[1] if record.structure else None,
        measured_phase=measured.label if measured else None,
        entropy_J_per_mol_K_per_atom=entropy,
        entropy_breakdown=breakdown,
        entropy_excess=excess,
        heat_capacity_J_per_mol_K_per_atom=_series(state, thermal, measured, "heat_capacity"),
        enthalpy_increment_kJ_per_mol_per_atom=_series(
            state, thermal, measured, "enthalpy_increment"
        ),
        formation_enthalpy_eV_per_atom=_compare(
            formation[0] + formation[1] if formation else None,
            measured,
            "formation_enthalpy_298",
            None,
        ),
        formation_energy_0K_eV_per_atom=formation[0] if formation else None,
        vibrational_enthalpy_term_eV_per_atom=formation[1] if formation else None,
        volume_A3_per_atom=_compare(volume, measured, "volume", "volume"),
        gamma_modes=gamma,
        raman=_lines(gamma, values.get("raman"), "raman"),
        ir=_lines(gamma, values.get("ir"), "ir"),
        notes=notes or None,
    )


def _formation(
    record: PhaseRecord, standard: dict[str, StandardState], references: dict[str, PhaseRecord]
) -> tuple[float, float] | None:
    """(E_f(0 K), the H_vib(298.15 K) term) per atom, None without every value."""
    composition = Composition(record.formula)
    elements = [str(el) for el in composition.elements]
    if record.energy_eV is None or record.id not in standard or record.structure is None:
        return None
    if any(el not in references for el in elements):
        return None
    fractions = {el: composition.get_atomic_fraction(el) for el in elements}
    e_f = _energy_per_atom(record) - sum(
        x * _energy_per_atom(references[el]) for el, x in fractions.items()
    )
    h_vib = standard[record.id].enthalpy_eV_per_atom - sum(
        x * standard[references[el].id].enthalpy_eV_per_atom for el, x in fractions.items()
    )
    return e_f, h_vib


def _compare(
    computed: float | None, measured: MeasuredPhase | None, quantity: str, relative: str | None
) -> Comparison | None:
    """``computed`` beside the measured ``quantity`` per atom (relative tolerance ``relative``;
    None: ΔfH's absolute one)."""
    data = measured.values.get(quantity) if measured else None
    value = _per_atom(measured, quantity) if data else None
    if computed is None and value is None:
        return None
    if computed is None or value is None:
        return Comparison(computed=computed, measured=value, **(_provenance(data) if data else {}))
    return _versus(computed, value, data, relative)


def _per_atom(measured: MeasuredPhase, quantity: str) -> float | None:
    """A measured value per atom: S° in J/(mol·K), ΔfH° in eV, volumes as given (per atom)."""
    if quantity == "volume":
        return float(measured.values[quantity].numbers["value"])
    value = measured.per_atom(quantity)
    if quantity == "formation_enthalpy_298" and value is not None:
        return kj_per_mol_to_ev(value)
    return value


def _versus(computed: float, value: float, data: Measured, relative: str | None) -> Comparison:
    difference = computed - value
    if relative is None:
        within = abs(difference) <= FORMATION_TOLERANCE_EV_PER_ATOM
    else:
        within = bool(value) and abs(difference / value) <= RELATIVE_TOLERANCE[relative]
    return Comparison.beside(computed, value, data, within)


def _provenance(data: Measured) -> dict:
    return {"source": data.source, "confidence": data.confidence, "verified": data.verified}


def _series(
    state: StandardState | None,
    thermal: ThermalProperties | None,
    measured: MeasuredPhase | None,
    quantity: str,
) -> dict[str, Comparison] | None:
    """Cv or H(T) − H(298.15 K) per atom at 298.15 K and the analysis temperatures, beside the
    measured values at the same temperatures (kJ/mol and J/(mol·K) per atom)."""
    if state is None:
        return None
    computed = {}
    if quantity == "heat_capacity":
        computed[STANDARD_TEMPERATURE_K] = state.heat_capacity_J_per_mol_K_per_atom
    for i, t in enumerate(thermal.temperatures_K if thermal else []):
        if t <= 0:
            continue
        if quantity == "heat_capacity":
            cv = thermal.heat_capacity_eV_per_K_per_atom[i]
            computed[t] = cv * J_PER_MOL_K_PER_EV_PER_K
        else:
            h = thermal.free_energy_eV_per_atom[i] + t * thermal.entropy_eV_per_K_per_atom[i]
            computed[t] = (h - state.enthalpy_eV_per_atom) / EV_PER_KJ_PER_MOL
    data = measured.values.get(quantity) if measured else None
    table = {}
    if data is not None:
        n = measured.atoms_per_formula
        table = {
            t: v / n
            for t, v in zip(data.numbers["temperatures_K"], data.numbers["values"], strict=True)
        }
    out = {}
    for t, value in sorted(computed.items()):
        hit = next((v for tm, v in table.items() if abs(tm - t) < 0.01), None)
        if hit is None:
            out[temperature_key(t)] = Comparison(computed=value)
        elif quantity == "enthalpy_increment" and abs(hit) < 1e-9:
            out[temperature_key(t)] = Comparison(computed=value, measured=hit, **_provenance(data))
        else:
            out[temperature_key(t)] = _versus(value, hit, data, quantity)
    return out


def _lines(gamma: GammaModes | None, data: Measured | None, kind: str) -> LinesComparison | None:
    if data is None:
        return None
    lines = [float(v) for v in data.numbers["lines_per_cm"]]
    active = (
        [] if gamma is None else (gamma.raman_per_cm() if kind == "raman" else gamma.ir_per_cm())
    )
    nearest = [min(active, key=lambda c, m=m: abs(c - m)) if active else None for m in lines]
    ratio = [c / m if c is not None and m else None for c, m in zip(nearest, lines, strict=True)]
    known = [r for r in ratio if r is not None]
    mean = sum(known) / len(known) if known else None
    ok = None
    if data.checked and mean is not None:
        ok = abs(mean - 1) <= RELATIVE_TOLERANCE["lines"]
    return LinesComparison(
        measured_per_cm=lines,
        nearest_computed_per_cm=nearest,
        ratio=ratio,
        mean_ratio=mean,
        ok=ok,
        **_provenance(data),
    )


LABELS = {
    "entropy_J_per_mol_K_per_atom": ("S(298.15 K)", "J/(mol·K) per atom", "{:.2f}"),
    "formation_enthalpy_eV_per_atom": ("ΔfH(298.15 K)", "eV/atom", "{:.3f}"),
    "volume_A3_per_atom": ("volume", "Å³/atom", "{:.2f}"),
}
"""The single-valued comparisons: field → (name, unit, format); the name keys TOLERANCES."""


def _checks(phase: PhaseExperiment) -> list[tuple[str, bool, str]]:
    """(kind, ok, message) of every checked comparison of one phase."""
    found = []
    for key, (name, unit, fmt) in LABELS.items():
        c = getattr(phase, key)
        if c is not None and c.ok is not None:
            found.append((f"experiment: {name}", c.ok, _message(unit, fmt, c, TOLERANCES[name])))
    for key, name, unit in (
        ("heat_capacity_J_per_mol_K_per_atom", "Cp", "J/(mol·K) per atom"),
        ("enthalpy_increment_kJ_per_mol_per_atom", "H(T) − H(298.15 K)", "kJ/mol per atom"),
    ):
        for t, c in (getattr(phase, key) or {}).items():
            if c.ok is not None:
                tolerance = TOLERANCES["Cp, H(T) − H(298.15 K)"]
                found.append(
                    (f"experiment: {name} at {t} K", c.ok, _message(unit, "{:.2f}", c, tolerance))
                )
    for kind, lines in (("Raman", phase.raman), ("IR", phase.ir)):
        if lines is not None and lines.ok is not None:
            nearest = ", ".join(
                "–" if c is None else f"{c:.0f}" for c in lines.nearest_computed_per_cm
            )
            found.append(
                (
                    f"experiment: {kind} lines",
                    lines.ok,
                    f"measured {', '.join(f'{m:g}' for m in lines.measured_per_cm)} cm⁻¹, nearest "
                    f"{kind}-active computed Γ modes {nearest} cm⁻¹: mean computed/measured "
                    f"{lines.mean_ratio:.3f} (tolerance 1 ± {RELATIVE_TOLERANCE['lines']:g})",
                )
            )
    return found


def _message(unit: str, fmt: str, c: Comparison, tolerance: str) -> str:
    """The check's line; its source is in the comparison and the report's list of sources."""
    relative = (
        f" ({100 * c.relative_difference:+.0f} %)" if c.relative_difference is not None else ""
    )
    return (
        f"computed {fmt.format(c.computed)} {unit}, measured {fmt.format(c.measured)}: "
        f"difference {fmt.replace('{:', '{:+').format(c.difference)}{relative}, tolerance {tolerance}"
    )
