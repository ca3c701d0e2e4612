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
from nasx.analysis.document import ResultsDocument
from nasx.analysis.document_sections import (
    CalculationRecord,
    CalculationSettings,
    CalculatorRecord,
    Consistency,
    Missing,
    PhononSettingsRecord,
    ProblemRecord,
    RelaxationSummary,
    RelaxSettingsRecord,
    Source,
)
from nasx.analysis.readers.records import Calculations, PhaseRecord, PhononInput, Problem
from nasx.analysis.report.calculations_report import calculations_section
from nasx.analysis.report.inventory import inventory_section, phonon_set_record
from nasx.analysis.report.outputs import (
    results_document,
    write_entries,
    write_outputs,
    write_without_thermodynamics,
)
from nasx.analysis.report.phonon_report import (
    instabilities_section,
    instability_record,
    phonon_figures_section,
    phonon_modes_section,
)
from nasx.analysis.report.provenance import Provenance, of_run, with_fake_vasp
from nasx.analysis.thermo import phase_phonons
from nasx.analysis.thermo.checks import (
    Check,
    convergence_record,
    phase_checks,
    settings_consistency,
)
from nasx.analysis.thermo.entries import FVIB_KEY
from nasx.analysis.thermo.phase_phonons import PhasePhonons
from nasx.analysis.thermo.study import StudyResult, analyze
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.layout import (
    MAIN_SET,
)
from nasx.phonons import ThermalProperties, thermal_properties
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
    """
    run = calculations.run
    options = run.analysis if run else AnalysisOptions()
    temperatures = list(
        options.temperatures_K
        if temperatures_K is None
        else normalized_temperatures(temperatures_K)
    )
    if any(t < 0 for t in temperatures):
        raise NasxInputError(None, "temperatures must be ≥ 0 K")
    if bypass is None:
        bypass = options.bypass
    if system is None and run:
        system = BinarySystem.parse(run.system)
    records = selected(calculations, phases)
    problems = [
        p for p in calculations.problems if p.phase is None or p.phase in {r.id for r in records}
    ]

    consistency = settings_consistency(records)
    calculator = _calculator(calculations, consistency)
    provenance = of_run(run) if run else Provenance(calculator.description)
    provenance = with_fake_vasp(provenance, [r.id for r in records if r.test_model], len(records))
    if out_dir is None:
        phase_files = False
    out = Path(out_dir) if out_dir is not None else None
    thermal, convergence = {}, {}
    reused: dict[str, PhasePhonons] = {}
    for record in records:
        for name, target, data in (
            (MAIN_SET, thermal, record.phonons),
            ("convergence", convergence, record.convergence),
        ):
            if data is not None and temperatures:
                hit = None
                if name == MAIN_SET and phase_files:  # computed by the phase's own job
                    hit = phase_phonons.reused(out, record, temperatures, provenance.short_model())
                if hit is not None:
                    reused[record.id], target[record.id] = hit, hit.thermal
                    continue
                try:
                    target[record.id] = _thermal(data, temperatures)
                except Exception as exc:  # phonopy's errors on inconsistent data sets vary
                    problems.append(
                        Problem(
                            data.source,
                            f"phonopy failed: {type(exc).__name__}: {exc}",
                            record.id,
                            name,
                        )
                    )
    entries = [_entry(r, thermal.get(r.id)) for r in records if r.energy_eV is not None]
    present = {r.formula for r in records if r.energy_eV is not None}
    named = {r.formula for r in records}
    if bypass is not None:
        unknown = [b for b in bypass if b not in named]
        if unknown:
            raise NasxInputError(
                calculations.source,
                f"cannot bypass {', '.join(unknown)}: no such phase (phases: {', '.join(sorted(named))})",
            )
        bypass = [b for b in bypass if b in present]

    missing: list[Missing] = []
    result = None
    if not entries:
        missing.append(Missing(NO_THERMO, "no phase has a usable energy (no relaxation found)"))
    else:
        result = _study(entries, temperatures, bypass, system, calculations.source, missing)
    if result is not None:
        for t in temperatures:
            if t not in result.temperatures_K:
                missing.append(
                    Missing(
                        f"{NO_THERMO} at {t:g} K",
                        "no phase diagram (an elemental reference has no F_vib)",
                    )
                )
            elif t in result.left_out:
                missing.append(
                    Missing(
                        f"{', '.join(result.left_out[t])} at {t:g} K",
                        "no F_vib: that temperature's hull and voltages are computed without them",
                    )
                )
    checks = phase_checks(
        records, thermal, convergence, temperatures, run.phonons if run else PhononSettings()
    )
    if not consistency.consistent:
        checks.append(Check("all", "consistency", False, consistency.message))
    calc_records = {
        r.id: _calculation_record(
            r,
            thermal.get(r.id),
            convergence.get(r.id),
            reused[r.id].q_mesh if r.id in reused else None,
        )
        for r in records
    }
    tree = calculations.kind == "tree"
    extra = {  # the sections of results.json about the calculations (ResultsDocument's fields)
        "calculator": calculator,
        "calculation_settings": CalculationSettings(
            RelaxSettingsRecord(**run.relax.to_document()),
            PhononSettingsRecord(**run.phonons.to_document()),
        )
        if run
        else None,
        "source": Source(calculations.kind),
        "calculations": calc_records,
        "checks": [c.to_record() for c in checks],
        "consistency": consistency,
        "problems": [ProblemRecord.of(p) for p in problems],
        "missing": missing,
        "notes": list(calculations.notes),
        "ignored": list(calculations.ignored) if tree else None,
        "complete": not problems and not missing,
    }
    figures = {
        record.id: _phase_files(
            out, record, thermal[record.id], convergence.get(record.id), temperatures,
            provenance.short_model(), reused.get(record.id),
        )
        for record in records
        if phase_files and record.id in thermal
    }  # fmt: skip
    section = calculations_section(
        records, thermal, checks, problems, missing, consistency, calculations
    )
    modes_section = phonon_modes_section(records, thermal, figures)
    figures_section = phonon_figures_section(records, figures)
    if any(r.instability is not None for r in records):
        modes_section += "\n\n" + instabilities_section(records)
    leading = [inventory_section(records, calculations)]
    kept = {r.id: r.phonons for r in records if r.phonons is not None and r.id in thermal}
    document = _document(result, provenance, extra, system, temperatures)
    if out is None:
        return Analysis(result, document, {}, (), entries, kept)
    if result is not None:
        paths = write_outputs(
            result,
            out,
            provenance,
            entries,
            extra=extra,
            extra_sections=[s for s in (section, modes_section, figures_section) if s],
            leading_sections=leading,
        )
    else:
        paths = write_without_thermodynamics(
            document,
            out,
            "\n\n".join(s for s in (*leading, section, modes_section, figures_section) if s),
            provenance,
        )
        paths["entries"] = write_entries(entries, provenance, out)
    return Analysis(result, document, paths, tuple(sorted(reused)), entries, kept)


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


def _thermal(data: PhononInput, temperatures: list[float]) -> ThermalProperties:
    return thermal_properties(
        data.phonopy, data.forces_eV_per_A, temperatures, data.settings, data.symmetrize_fc
    )


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


def _calculation_record(
    record: PhaseRecord,
    thermal: ThermalProperties | None,
    convergence: ThermalProperties | None,
    q_mesh: tuple[int, ...] | None,
) -> CalculationRecord:
    relax, structure = record.relaxation, record.structure
    return CalculationRecord(
        formula=record.formula,
        label=record.label,
        status=record.status,
        relaxation=RelaxationSummary.of(relax) if relax else None,
        volume_A3_per_atom=structure.volume / len(structure) if structure is not None else None,
        phonons=thermal,
        dft=record.dft,
        corrections=list(record.corrections)
        if record.corrections or record.dft is not None
        else None,
        supercell_convergence=convergence_record(thermal, convergence)
        if thermal and convergence
        else None,
        sources=dict(sorted(record.sources.items())),
        phonon_set=phonon_set_record(record.phonons, q_mesh)
        if thermal and record.phonons is not None
        else None,
        ignored=list(record.ignored) or None,
        flags=list(record.flags) or None,
        instability=instability_record(record.instability) if record.instability else None,
    )


def _calculator(calculations: Calculations, consistency: Consistency) -> CalculatorRecord:
    if calculations.run:
        info = calculations.run.calculator
        return CalculatorRecord(info.name, info.description, info.object)
    return CalculatorRecord("vasp", f"VASP outputs ({consistency.message})")


def _phase_files(
    out: Path,
    record: PhaseRecord,
    thermal: ThermalProperties,
    convergence: ThermalProperties | None,
    temperatures: list[float],
    model: str,
    reused: PhasePhonons | None,
) -> PhononFigures:
    """A phase's files and figures (those of its own phonons job where ``reused``), and the
    supercell-convergence set's files where it has one."""
    if reused is not None:
        figures = reused.figures
    else:
        figures = phase_phonons.write_phase_files(out, record, thermal, temperatures, model)
        phase_phonons.write_record(out, record, thermal, figures, temperatures, model)
    if convergence is not None:
        phase_phonons.write_convergence_files(out, record, convergence)
    return figures
