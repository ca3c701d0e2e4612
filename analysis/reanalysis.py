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
from nasx.analysis import phase_phonons
from nasx.analysis.calculations_report import calculations_section
from nasx.analysis.checks import Check, convergence_record, phase_checks, settings_consistency
from nasx.analysis.entries import FVIB_KEY
from nasx.analysis.inventory import inventory_section, phonon_set_record
from nasx.analysis.outputs import (
    results_document,
    write_entries,
    write_outputs,
    write_without_thermodynamics,
)
from nasx.analysis.phase_phonons import PhasePhonons
from nasx.analysis.phonon_report import (
    instabilities_section,
    instability_record,
    phonon_figures_section,
    phonon_modes_section,
)
from nasx.analysis.provenance import Provenance, of_run, with_fake_vasp
from nasx.analysis.records import Calculations, PhaseRecord, PhononInput, Problem
from nasx.analysis.study import StudyResult, analyze
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.layout import (
    MAIN_SET,
)
from nasx.phonons import ThermalProperties, thermal_properties
from nasx.settings import AnalysisOptions, PhononSettings, normalized_temperatures
from nasx.units import temperature_key

if TYPE_CHECKING:  # the figures module (matplotlib) is imported only where figures are drawn
    from nasx.analysis.phonon_plots import PhononFigures

NO_THERMO = "formation energies, hull distances and voltages"


@dataclass
class Analysis:
    """What one analysis produced: the study (None without a phase diagram) and results.json."""

    result: StudyResult | None
    document: dict
    paths: dict[str, Path]
    reused_phonons: tuple[str, ...] = ()
    """The phases whose phonons were those of their own job (``phase_phonons.reused``)."""
    entries: list[ComputedStructureEntry] = field(default_factory=list)
    """The phases' entries: static energy per cell, F_vib per atom by temperature in ``data``."""
    phonons: dict[str, PhononInput] = field(default_factory=dict)
    """Each phase's main phonon set (its Phonopy holds the force constants once computed)."""

    @property
    def complete(self) -> bool:
        return bool(self.document["complete"])


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
    provenance = of_run(run) if run else Provenance(calculator["description"])
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

    missing: list[dict] = []
    result = None
    if not entries:
        missing.append(
            {"quantity": NO_THERMO, "reason": "no phase has a usable energy (no relaxation found)"}
        )
    else:
        result = _study(entries, temperatures, bypass, system, calculations.source, missing)
    if result is not None:
        for t in temperatures:
            if t not in result.temperatures_K:
                missing.append(
                    {
                        "quantity": f"{NO_THERMO} at {t:g} K",
                        "reason": "no phase diagram (an elemental reference has no F_vib)",
                    }
                )
            elif t in result.left_out:
                missing.append(
                    {
                        "quantity": f"{', '.join(result.left_out[t])} at {t:g} K",
                        "reason": "no F_vib: that temperature's hull and voltages are computed without them",
                    }
                )
    checks = phase_checks(
        records, thermal, convergence, temperatures, run.phonons if run else PhononSettings()
    )
    if not consistency["consistent"]:
        checks.append(Check("all", "consistency", False, consistency["message"]))
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
    extra = {
        "calculator": calculator,
        **(
            {
                "calculation_settings": {
                    "relax_settings": run.relax.to_document(),
                    "phonon_settings": run.phonons.to_document(),
                }
            }
            if run
            else {}
        ),
        "source": {"kind": calculations.kind},
        "calculations": calc_records,
        "checks": [c.as_dict() for c in checks],
        "consistency": consistency,
        "problems": [p.as_dict() for p in problems],
        "missing": missing,
        "notes": list(calculations.notes),
        **({"ignored": [i.as_dict() for i in calculations.ignored]} if tree else {}),
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
    if out is None:
        document = _document(result, provenance, extra, system, temperatures)
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
        document = _document(result, provenance, extra, system, temperatures)
    else:
        document = _document(result, provenance, extra, system, temperatures)
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
) -> dict:
    """results.json: the study's, or without a phase diagram what there is."""
    if result is not None:
        return results_document(result, provenance, extra)
    return {
        "nasx_version": __version__,
        **(
            {"system": {"working_ion": system.working_ion, "anion": system.anion}} if system else {}
        ),
        "temperatures_K": [int(t) if t == int(t) else t for t in temperatures],
        "provenance": provenance.to_document(),
        **extra,
    }


def _study(
    entries, temperatures, bypass, system, source, missing: list[dict]
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
        missing.append({"quantity": NO_THERMO, "reason": exc.problem})
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
) -> dict:
    document: dict = {"formula": record.formula, "label": record.label, "status": record.status}
    document["relaxation"] = record.relaxation.summary() if record.relaxation else None
    if record.structure is not None:
        document["volume_A3_per_atom"] = record.structure.volume / len(record.structure)
    document["phonons"] = thermal.as_dict() if thermal else None
    if record.dft is not None:
        document["dft"] = record.dft.as_dict()
    if record.corrections or record.dft is not None:
        document["corrections"] = record.corrections
    if thermal and convergence:
        document["supercell_convergence"] = convergence_record(thermal, convergence)
    document["sources"] = dict(sorted(record.sources.items()))
    if thermal and record.phonons is not None:
        document["phonon_set"] = phonon_set_record(record.phonons, q_mesh)
    if record.ignored:
        document["ignored"] = [i.as_dict() for i in record.ignored]
    if record.flags:
        document["flags"] = list(record.flags)
    if record.instability is not None:
        document["instability"] = instability_record(record.instability)
    return document


def _calculator(calculations: Calculations, consistency: dict) -> dict:
    if calculations.run:
        return calculations.run.calculator.to_document()
    return {"name": "vasp", "description": f"VASP outputs ({consistency['message']})"}


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
