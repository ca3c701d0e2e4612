"""results.json's records of the calculations themselves: each phase's ``calculations[id]``
and the ``calculator`` (what the analysis of ``reanalysis`` writes about its inputs)."""

from __future__ import annotations

from nasx.analysis.document_sections import (
    CalculationRecord,
    CalculatorRecord,
    Consistency,
    RelaxationSummary,
)
from nasx.analysis.readers.records import Calculations, PhaseRecord
from nasx.analysis.report.inventory import phonon_set_record
from nasx.analysis.report.phonon_report import instability_record
from nasx.analysis.thermo import phase_phonons
from nasx.analysis.thermo.checks import convergence_record


def calculation_record(
    record: PhaseRecord, phonons: phase_phonons.PhononsFound
) -> CalculationRecord:
    """results.json's ``calculations[id]`` of one phase."""
    relax, structure = record.relaxation, record.structure
    thermal, convergence = phonons.thermal.get(record.id), phonons.convergence.get(record.id)
    reused = phonons.reused.get(record.id)
    q_mesh = reused.q_mesh if reused is not None else None
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
        phonon_set=phonon_set_record(record.phonons, q_mesh, record.sources.get("born_charges"))
        if thermal and record.phonons is not None
        else None,
        ignored=list(record.ignored) or None,
        flags=list(record.flags) or None,
        instability=instability_record(record.instability) if record.instability else None,
    )


def calculator_record(calculations: Calculations, consistency: Consistency) -> CalculatorRecord:
    if calculations.run:
        info = calculations.run.calculator
        return CalculatorRecord(info.name, info.description, info.object)
    return CalculatorRecord("vasp", f"VASP outputs ({consistency.message})")
