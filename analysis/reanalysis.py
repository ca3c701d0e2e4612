"""From ``Calculations`` to results: F_vib per phase, entries, thermodynamics, checks, outputs.

One function serves a run's own analysis job and ``nasx analyze`` on a run directory, a tree of
VASP and phonopy folders, or a LaunchPad, so all of them give the same results.json for the same
calculations. Broken inputs never stop the rest: they are listed under ``problems`` (file,
reason, what is missing because of it) and the document says whether it is ``complete``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx import __version__
from nasx.analysis.calculation_records import calculation_record, calculator_record
from nasx.analysis.document import ResultsDocument
from nasx.analysis.document_sections import (
    CalculationSettings,
    Consistency,
    Missing,
    PhononSettingsRecord,
    ProblemRecord,
    RelaxSettingsRecord,
    Source,
)
from nasx.analysis.experiment_sections import ExperimentSection
from nasx.analysis.readers.records import Calculations, PhaseRecord, PhononInput, Problem
from nasx.analysis.report.calculations_report import calculations_section
from nasx.analysis.report.experiment_report import experiment_section
from nasx.analysis.report.inventory import inventory_section
from nasx.analysis.report.outputs import (
    results_document,
    write_entries,
    write_outputs,
    write_without_thermodynamics,
)
from nasx.analysis.report.phonon_report import (
    instabilities_section,
    nac_paragraph,
    phonon_figures_section,
    phonon_modes_section,
)
from nasx.analysis.report.provenance import Provenance, of_run, with_fake_vasp
from nasx.analysis.report.qha_report import qha_figure_section
from nasx.analysis.thermo import phase_phonons, qha_study
from nasx.analysis.thermo.checks import Check, phase_checks, settings_consistency
from nasx.analysis.thermo.entries import FVIB_KEY
from nasx.analysis.thermo.experiment import compare, measured_values
from nasx.analysis.thermo.study import StudyResult, analyze
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.phonons import ThermalProperties
from nasx.settings import AnalysisOptions, PhononSettings, normalized_temperatures
from nasx.units import temperature_key

if TYPE_CHECKING:  # the figures module (matplotlib) is imported only where figures are drawn
    from nasx.analysis.report.phonon_plots import PhononFigures

NO_THERMO = "formation energies, hull distances and voltages"


@dataclass
class Analysis:
    """What one analysis produced: the study (None without a phase diagram) and results.json."""

    result: StudyResult | None
    document: ResultsDocument
    paths: dict[str, Path]
    reused_phonons: tuple[str, ...] = ()
    """The phases whose phonons were those of their own job (``phase_phonons.reused``)."""
    entries: list[ComputedStructureEntry] = field(default_factory=list)
    """The phases' entries: static energy per cell, F_vib per atom by temperature in ``data``."""
    phonons: dict[str, PhononInput] = field(default_factory=dict)
    """Each phase's main phonon set (its Phonopy holds the force constants once computed)."""

    @property
    def complete(self) -> bool:
        return bool(self.document.complete)


def analyze_calculations(
    calculations: Calculations,
    out_dir: str | Path | None,
    *,
    temperatures_K: Sequence[float] | None = None,
    bypass: Sequence[str] | None = None,
    phases: Sequence[str] | None = None,
    system: BinarySystem | None = None,
    phase_files: bool = True,
) -> Analysis:
    """Analyse ``calculations`` and write results.json, report.md and figures into ``out_dir``
    (None: write nothing, the document and entries only).

    ``temperatures_K`` (besides 0 K) and ``bypass`` default to the run's own options, else to
    300 and 400 K and the study's bypass. ``phases`` keeps the phases named by id or formula.
    ``phase_files`` also writes phases/<id>/phonopy.yaml, thermal.json and phonon figures.

    The steps: the phases' phonons (F, S, Cv; reused from their own jobs where their records
    match), the entries and the study (hull, voltages) at every temperature, the checks and
    the document; then, with ``out_dir``, the files.
    """
    run = calculations.run
    temperatures, bypass, system = _options(calculations, temperatures_K, bypass, system)
    records = selected(calculations, phases)
    ids = {r.id for r in records}
    problems = [p for p in calculations.problems if p.phase is None or p.phase in ids]
    consistency = settings_consistency(records)
    calculator = calculator_record(calculations, consistency)
    provenance = of_run(run) if run else Provenance(calculator.description)
    provenance = with_fake_vasp(provenance, [r.id for r in records if r.test_model], len(records))
    out = Path(out_dir) if out_dir is not None else None
    reuse_from = out if phase_files else None
    phonons = phase_phonons.phonons_of(
        records, temperatures, reuse_from, provenance.short_model(), problems
    )
    entries = [_entry(r, phonons.thermal.get(r.id)) for r in records if r.energy_eV is not None]
    bypass = _bypass_present(records, bypass, calculations.source)
    result, missing = _thermodynamics(entries, temperatures, bypass, system, calculations.source)
    checks = phase_checks(
        records,
        phonons.thermal,
        phonons.convergence,
        temperatures,
        run.phonons if run else PhononSettings(),
    )
    if not consistency.consistent:
        checks.append(Check("all", "consistency", False, consistency.message))
    system_now = result.system if result is not None else system
    measured, unread = measured_values(system_now, run.structures if run else "")
    problems += unread
    compared = compare(records, phonons.thermal, phonons.standard, measured, provenance.test_model)
    checks += compared.checks
    qha = qha_study.of_run(
        calculations,
        records,
        entries,
        temperatures,
        result,
        bypass,
        system,
        measured,
        provenance.test_model,
    )
    checks += qha.checks if qha else []
    problems += qha.problems if qha else []
    extra = {  # the sections of results.json about the calculations (ResultsDocument's fields)
        "calculator": calculator,
        "calculation_settings": CalculationSettings(
            RelaxSettingsRecord(**run.relax.to_document()),
            PhononSettingsRecord(**run.phonons.to_document()),
        )
        if run
        else None,
        "source": Source(calculations.kind),
        "calculations": {r.id: calculation_record(r, phonons) for r in records},
        "experiment": compared.section,
        "qha": qha.section if qha else None,
        "checks": [c.to_record() for c in checks],
        "consistency": consistency,
        "problems": [ProblemRecord.of(p) for p in problems],
        "missing": missing,
        "notes": list(calculations.notes),
        "ignored": list(calculations.ignored) if calculations.kind == "tree" else None,
        "complete": not problems and not missing,
    }
    document = _document(result, provenance, extra, system, temperatures)
    kept = {r.id: r.phonons for r in records if r.phonons is not None and r.id in phonons.thermal}
    if out is None:
        return Analysis(result, document, {}, (), entries, kept)
    sections = _Sections(
        calculations, records, phonons, checks, problems, missing, consistency, compared.section
    )
    figures = {
        r.id: phase_phonons.write_files(out, r, phonons, temperatures, provenance.short_model())
        for r in records
        if phase_files and r.id in phonons.thermal
    }
    leading, following = sections.render(figures)
    following += [qha_figure_section(qha, out, provenance.short_model())] if qha else []
    if result is not None:
        paths = write_outputs(
            result,
            out,
            provenance,
            entries,
            extra=extra,
            extra_sections=following,
            leading_sections=leading,
        )
    else:
        text = "\n\n".join([*leading, *following])
        paths = write_without_thermodynamics(document, out, text, provenance)
        paths["entries"] = write_entries(entries, provenance, out)
    return Analysis(result, document, paths, tuple(sorted(phonons.reused)), entries, kept)


def _options(
    calculations: Calculations,
    temperatures_K: Sequence[float] | None,
    bypass: Sequence[str] | None,
    system: BinarySystem | None,
) -> tuple[list[float], Sequence[str] | None, BinarySystem | None]:
    """The temperatures, bypass and system asked for, else the run's own."""
    run = calculations.run
    options = run.analysis if run else AnalysisOptions()
    temperatures = list(
        options.temperatures_K
        if temperatures_K is None
        else normalized_temperatures(temperatures_K)
    )
    if any(t < 0 for t in temperatures):
        raise NasxInputError(None, "temperatures must be ≥ 0 K")
    if system is None and run:
        system = BinarySystem.parse(run.system)
    return temperatures, options.bypass if bypass is None else bypass, system


def _bypass_present(
    records: list[PhaseRecord], bypass: Sequence[str] | None, source: str
) -> list[str] | None:
    """The bypassed formulas that have an energy; a formula of no phase is refused."""
    if bypass is None:
        return None
    named = {r.formula for r in records}
    unknown = [b for b in bypass if b not in named]
    if unknown:
        raise NasxInputError(
            source,
            f"cannot bypass {', '.join(unknown)}: no such phase (phases: {', '.join(sorted(named))})",
        )
    present = {r.formula for r in records if r.energy_eV is not None}
    return [b for b in bypass if b in present]


def _thermodynamics(
    entries: list[ComputedStructureEntry],
    temperatures: list[float],
    bypass: list[str] | None,
    system: BinarySystem | None,
    source: str,
) -> tuple[StudyResult | None, list[Missing]]:
    """The study at 0 K and every temperature (None without a phase diagram), and what it
    lacks: the temperatures without a phase diagram, the phases left out at one."""
    missing: list[Missing] = []
    if not entries:
        missing.append(Missing(NO_THERMO, "no phase has a usable energy (no relaxation found)"))
        return None, missing
    result = _study(entries, temperatures, bypass, system, source, missing)
    if result is None:
        return None, missing
    for t in temperatures:
        if t not in result.temperatures_K:
            reason = "no phase diagram (an elemental reference has no F_vib)"
            missing.append(Missing(f"{NO_THERMO} at {t:g} K", reason))
        elif t in result.left_out:
            reason = "no F_vib: that temperature's hull and voltages are computed without them"
            missing.append(Missing(f"{', '.join(result.left_out[t])} at {t:g} K", reason))
    return result, missing


@dataclass
class _Sections:
    """The report's sections about the calculations (inventory, calculations and checks,
    modes, figures, instabilities)."""

    calculations: Calculations
    records: list[PhaseRecord]
    phonons: phase_phonons.PhononsFound
    checks: list[Check]
    problems: list[Problem]
    missing: list[Missing]
    consistency: Consistency
    experiment: ExperimentSection | None = None

    def render(self, figures: dict[str, PhononFigures]) -> tuple[list[str], list[str]]:
        """(the sections before the figures, those after), empty ones left out."""
        records, thermal = self.records, self.phonons.thermal
        section = calculations_section(
            records,
            thermal,
            self.checks,
            self.problems,
            self.missing,
            self.consistency,
            self.calculations,
        )
        modes = phonon_modes_section(records, thermal, figures)
        run = self.calculations.run
        nac = nac_paragraph(
            [r for r in records if r.id in thermal], run.calculator.name if run else None
        )
        if nac:
            modes += "\n\n" + nac
        if any(r.instability is not None for r in records):
            modes += "\n\n" + instabilities_section(records)
        compared = experiment_section(self.experiment)
        following = [
            s for s in (section, compared, modes, phonon_figures_section(records, figures)) if s
        ]
        return [inventory_section(records, self.calculations)], following


def _document(
    result: StudyResult | None,
    provenance: Provenance,
    extra: dict,
    system: BinarySystem | None,
    temperatures: list[float],
) -> ResultsDocument:
    """results.json: the study's, or without a phase diagram what there is."""
    if result is not None:
        return results_document(result, provenance, extra)
    return ResultsDocument(
        nasx_version=__version__,
        system=system,
        temperatures_K=[int(t) if t == int(t) else t for t in temperatures],
        provenance=provenance.to_record(),
        **extra,
    )


def _study(
    entries, temperatures, bypass, system, source, missing: list[Missing]
) -> StudyResult | None:
    """The study at 0 K and ``temperatures``, or None (reason added to ``missing``) without a
    phase diagram."""
    try:
        return analyze(
            entries,
            temperatures_K=[0.0, *temperatures],
            bypass=bypass,
            system=system,
            source=source,
            missing_ok=True,
        )
    except NasxInputError as exc:
        missing.append(Missing(NO_THERMO, exc.problem))
        return None


def selected(calculations: Calculations, names: Sequence[str] | None) -> list[PhaseRecord]:
    """The phases named by id or formula (all without ``names``); NasxInputError for others."""
    if not names:
        return list(calculations.phases)
    chosen = [r for r in calculations.phases if r.id in names or r.formula in names]
    known = {*(r.id for r in calculations.phases), *(r.formula for r in calculations.phases)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise NasxInputError(
            calculations.source,
            f"no phase {', '.join(unknown)} (phases: {', '.join(sorted(known))})",
        )
    return chosen


def _entry(record: PhaseRecord, thermal: ThermalProperties | None) -> ComputedStructureEntry:
    fvib = {}
    if thermal is not None:
        fvib = {
            temperature_key(t): f
            for t, f in zip(thermal.temperatures_K, thermal.free_energy_eV_per_atom, strict=True)
        }
    return ComputedStructureEntry(
        record.structure, record.energy_eV, entry_id=record.id, data={FVIB_KEY: fvib}
    )
