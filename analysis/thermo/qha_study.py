"""The quasi-harmonic analysis of a ``--qha`` run directory: per phase the QHA at p = 0 from its
volumes (``qha.quasi_harmonic``), then the thermodynamics from the QHA G(T) beside the harmonic.

Each volume's phonopy thermal sums run once, on the dense grid ``temperature_grid`` makes from
the analysis temperatures; no figure is drawn per volume. At each analysis temperature above
0 K the QHA G(T) per atom (× atoms) enters pymatgen's PhaseDiagram as the harmonic G does
(``entries.at_temperature``: the entry's static energy plus an adjustment, here G_QHA − E_static
per atom). Where a phase has no QHA G at a temperature (its QHA refused there, or at all), the
QHA hull and plateaus at that temperature are not computed, with one line why: the harmonic
value of that phase is not mixed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx.analysis.qha_sections import (
    PlateauShift,
    QhaDifferences,
    QhaMeasured,
    QhaPhaseRecord,
    QhaSection,
    QhaTemperatureRecord,
    QhaVolumesRecord,
)
from nasx.analysis.readers.qha import LEFT_OUT, read_qha_inputs
from nasx.analysis.readers.records import Calculations, PhaseRecord, Problem
from nasx.analysis.thermo import qha_experiment
from nasx.analysis.thermo.checks import Check
from nasx.analysis.thermo.entries import FVIB_KEY, free_energies
from nasx.analysis.thermo.phase_phonons import thermal_of
from nasx.analysis.thermo.qha import QhaResult, VolumePoint, quasi_harmonic, temperature_grid
from nasx.analysis.thermo.study import StudyResult, analyze
from nasx.analysis.thermo.voltage import Plateau
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.qha_settings import QhaSettings
from nasx.structures.experiment import Experiment
from nasx.units import MEV_PER_EV, temperature_key

ENERGY_MODEL = (
    "G(T) = min over V of E(V) + F_vib,harmonic(V, T) per atom at p = 0 (quasi-harmonic; E(V) "
    "from relaxations at fixed volume)"
)
HULL = "QHA hull"
"""The kind of the check that says a temperature's QHA hull was not computed."""


@dataclass
class QhaAnalysis:
    """The QHA of every phase and the thermodynamics from it."""

    settings: QhaSettings
    results: dict[str, QhaResult]
    """By phase id, rows at 0 K and each analysis temperature."""
    curves: dict[str, QhaResult]
    """By phase id, rows at every grid temperature (for the figure)."""
    harmonic_gibbs: dict[str, dict[float, float]]
    """By phase id, E_static + F_vib,harmonic per atom (eV) at the grid temperatures."""
    temperatures_K: list[float]
    """The analysis temperatures above 0 K."""
    study: StudyResult | None
    """The thermodynamics from G_QHA at the temperatures where every phase has it."""
    harmonic: StudyResult | None = None
    """The harmonic study it is compared with."""
    not_computed: dict[float, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    measured: dict[str, QhaMeasured] = field(default_factory=dict)
    """By phase id: V(T) and α(T) beside the measured values."""
    section: QhaSection | None = None


def of_run(
    calculations: Calculations,
    records: Sequence[PhaseRecord],
    entries: Sequence[ComputedStructureEntry],
    temperatures_K: Sequence[float],
    harmonic: StudyResult | None,
    bypass: Sequence[str] | None,
    system: BinarySystem | None,
    experiment: Experiment | None = None,
    test_model: bool = False,
) -> QhaAnalysis | None:
    """The QHA of a run directory whose run.json has QHA settings (None for any other source):
    every phase with an energy, at 0 K and ``temperatures_K``, beside ``experiment``'s volumes
    and thermal expansion where it has some."""
    run = calculations.run
    if calculations.kind != "nasx run" or run is None or run.qha is None:
        return None
    root = Path(calculations.source)
    temperatures = sorted({float(t) for t in temperatures_K if t > 0})
    grid = temperature_grid(temperatures)
    analysis = QhaAnalysis(run.qha, {}, {}, {}, temperatures, None, harmonic)
    with_energy = {e.entry_id: e for e in entries}
    for record in records:
        if record.id not in with_energy:
            continue
        points, factor_one = _points(root, record, grid, analysis.problems)
        changes = record.phase_changes
        policy = run.qha.imaginary_policy
        result = quasi_harmonic(
            record.id, points, [0.0, *temperatures], imaginary_policy=policy, phase_changes=changes
        )
        analysis.results[record.id] = result
        analysis.checks += result.checks
        if result.refused is None:
            analysis.curves[record.id] = quasi_harmonic(
                record.id, points, imaginary_policy=policy, phase_changes=changes
            )
        analysis.harmonic_gibbs[record.id] = _harmonic_curve(
            record, with_energy[record.id], grid, factor_one
        )
    _thermodynamics(analysis, list(entries), harmonic, bypass, system, calculations.source)
    if experiment is not None:
        analysis.measured, checks = qha_experiment.compare(
            analysis.results, analysis.curves, records, experiment, test_model
        )
        analysis.checks += checks
    analysis.section = _section(analysis, list(entries), harmonic)
    return analysis


def _points(
    root: Path, record: PhaseRecord, grid: Sequence[float], problems: list[Problem]
) -> tuple[list[VolumePoint], VolumePoint | None]:
    """The phase's volume points (each volume's thermal sums once, on ``grid``), and the one at
    the relaxed volume (factor 1) where there is one."""
    try:
        inputs = read_qha_inputs(root, record.id)
    except NasxInputError as exc:
        problems.append(Problem(str(exc.source or root), exc.problem, record.id, LEFT_OUT))
        return [], None
    problems += inputs.problems
    points, factor_one = [], None
    for p in inputs.points:
        n_atoms = len(p.structure)
        try:
            point = VolumePoint.from_phonon_input(
                p.phonons, p.energy_eV_per_atom * n_atoms, n_atoms, grid, label=p.source
            )
        except Exception as exc:  # phonopy's errors on inconsistent data sets vary
            reason = f"phonopy failed: {type(exc).__name__}: {exc}"
            problems.append(Problem(p.source, reason, record.id, LEFT_OUT))
            continue
        points.append(point)
        if abs(p.volume_factor - 1.0) < 1e-9:
            factor_one = point
    return points, factor_one


def _harmonic_curve(
    record: PhaseRecord,
    entry: ComputedStructureEntry,
    grid: Sequence[float],
    factor_one: VolumePoint | None,
) -> dict[float, float]:
    """E_static + F_vib,harmonic per atom on ``grid``: F from the volume at the relaxed volume
    (the main set's phonons there, by construction), else from the main set itself."""
    static = entry.energy_per_atom
    if factor_one is not None:
        free = factor_one.free_energy_eV_per_atom
    elif record.phonons is not None:
        try:
            free = tuple(thermal_of(record.phonons, list(grid)).free_energy_eV_per_atom)
        except Exception:  # the harmonic analysis names this set's problem already
            return {}
    else:
        return {}
    return {float(t): static + f for t, f in zip(grid, free, strict=True)}


def gibbs(result: QhaResult, temperature_K: float) -> float | None:
    """G_QHA per atom (eV) at ``temperature_K``; None where refused or not asked for."""
    if result.refused is not None:
        return None
    try:
        return result.row(temperature_K).gibbs_energy_eV_per_atom
    except KeyError:
        return None


def _thermodynamics(
    analysis: QhaAnalysis,
    entries: list[ComputedStructureEntry],
    harmonic: StudyResult | None,
    bypass: Sequence[str] | None,
    system: BinarySystem | None,
    source: str,
) -> None:
    """The study from G_QHA at every temperature where each entry has it; the others not
    computed, one line (and a failed check) each."""
    computed = []
    for t in analysis.temperatures_K:
        lacking = [e.entry_id for e in entries if gibbs(analysis.results[e.entry_id], t) is None]
        if not lacking:
            computed.append(t)
            continue
        analysis.not_computed[t] = (
            f"QHA hull at {t:g} K not computed: no QHA G there for {', '.join(lacking)} "
            "(refused: see its QHA checks); the harmonic value is not mixed in"
        )
    if computed:
        qha_entries = [_qha_entry(e, analysis.results[e.entry_id], computed) for e in entries]
        kept = harmonic.bypassed if harmonic is not None else bypass
        try:
            analysis.study = analyze(
                qha_entries, temperatures_K=computed, bypass=kept, system=system, source=source
            )
        except NasxInputError as exc:
            for t in computed:
                analysis.not_computed[t] = f"QHA hull at {t:g} K not computed: {exc.problem}"
    for _, line in sorted(analysis.not_computed.items()):
        analysis.checks.append(Check("all", HULL, False, line))


def _qha_entry(
    entry: ComputedStructureEntry, result: QhaResult, temperatures_K: Sequence[float]
) -> ComputedStructureEntry:
    """A copy of ``entry`` whose vibrational term makes its energy N × G_QHA(T) per cell."""
    copy = entry.copy()
    static = entry.energy_per_atom
    copy.data = {
        **entry.data,
        FVIB_KEY: {temperature_key(t): gibbs(result, t) - static for t in temperatures_K},
    }
    return copy


def _section(
    analysis: QhaAnalysis, entries: list[ComputedStructureEntry], harmonic: StudyResult | None
) -> QhaSection:
    settings = analysis.settings
    phases = {
        i: QhaPhaseRecord(
            **{k: v for k, v in r.as_dict().items() if k not in ("rows", "points", "checks")},
            rows=list(r.rows),
            points=list(r.points),
            checks=[c.to_record() for c in r.checks],
            measured=analysis.measured.get(i),
        )
        for i, r in analysis.results.items()
    }
    temperatures = {
        temperature_key(t): _temperature(analysis, entries, harmonic, t)
        for t in analysis.temperatures_K
    }
    volumes = QhaVolumesRecord(settings.min_percent, settings.max_percent, settings.count)
    return QhaSection(ENERGY_MODEL, volumes, phases, temperatures)


def _temperature(
    analysis: QhaAnalysis,
    entries: list[ComputedStructureEntry],
    harmonic: StudyResult | None,
    t: float,
) -> QhaTemperatureRecord:
    gibbs_shift = {}
    for e in entries:
        g, fvib = gibbs(analysis.results[e.entry_id], t), free_energies(e).get(t)
        if g is not None and fvib is not None:
            gibbs_shift[e.entry_id] = (g - (e.energy_per_atom + fvib)) * MEV_PER_EV
    study = analysis.study
    if study is None or t not in study.thermo:
        return QhaTemperatureRecord(
            not_computed=analysis.not_computed.get(t, f"QHA hull at {t:g} K not computed"),
            minus_harmonic=QhaDifferences(gibbs_shift),
        )
    ours = {p.label: p for p in study.thermo[t].entries}
    formation = {k: p.formation_energy_eV_per_atom for k, p in ours.items()}
    hull = {k: p.hull_distance_meV_per_atom for k, p in ours.items()}
    differences = QhaDifferences(gibbs_shift)
    if harmonic is not None and t in harmonic.thermo:
        theirs = {p.label: p for p in harmonic.thermo[t].entries}
        both = [k for k in ours if k in theirs]
        differences = QhaDifferences(
            gibbs_shift,
            {k: (formation[k] - theirs[k].formation_energy_eV_per_atom) * MEV_PER_EV for k in both},
            {k: hull[k] - theirs[k].hull_distance_meV_per_atom for k in both},
            shifts(harmonic.thermodynamic[t], study.thermodynamic[t]),
            shifts(harmonic.kinetic[t], study.kinetic[t]),
        )
    return QhaTemperatureRecord(
        formation_energy_eV_per_atom=formation,
        hull_distance_meV_per_atom=hull,
        thermodynamic=list(study.thermodynamic[t]),
        kinetic=list(study.kinetic[t]),
        minus_harmonic=differences,
    )


def shifts(harmonic: Sequence[Plateau], qha: Sequence[Plateau]) -> list[PlateauShift]:
    """The plateaus of both paths matched by their end phases (QHA − harmonic, mV), in the
    harmonic path's order and then the QHA path's own."""
    theirs = {(p.phase_start, p.phase_end): p.voltage_V for p in harmonic}
    ours = {(p.phase_start, p.phase_end): p.voltage_V for p in qha}
    found = []
    for key in [*theirs, *(k for k in ours if k not in theirs)]:
        h, q = theirs.get(key), ours.get(key)
        difference = (q - h) * 1000.0 if h is not None and q is not None else None
        found.append(PlateauShift(*key, h, q, difference))
    return found
