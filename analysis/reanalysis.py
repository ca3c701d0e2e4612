"""From ``Calculations`` to results: F_vib per phase, entries, thermodynamics, checks, outputs.

One function serves a run's own analysis job and ``nasx analyze`` on a run directory, a tree of
VASP and phonopy folders, or a LaunchPad, so all of them give the same results.json for the same
calculations. Broken inputs never stop the rest: they are listed under ``problems`` (file,
reason, what is missing because of it) and the document says whether it is ``complete``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx import __version__
from nasx.analysis.entries import FVIB_KEY
from nasx.analysis.outputs import results_json_text, write_outputs
from nasx.analysis.records import Calculations, PhaseRecord, PhononInput, Problem
from nasx.analysis.study import StudyResult, analyze
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.layout import MAIN_SET, PhaseDirectory, write_json_atomic, write_text_atomic
from nasx.units import MEV_PER_EV, temperature_key
from nasx.workflows.phonons import ThermalProperties, thermal_properties

DEFAULT_TEMPERATURES_K = (300.0, 400.0)
NO_THERMO = "formation energies, hull distances and voltages"


@dataclass
class Check:
    """One physical-validity check of one phase: what was found and whether it needs attention."""

    phase_id: str
    kind: str
    ok: bool
    message: str

    def as_dict(self) -> dict:
        return {
            "phase": self.phase_id,
            "check": self.kind,
            "ok": bool(self.ok),
            "message": self.message,
        }


@dataclass
class Analysis:
    """What one analysis produced: the study (None without a phase diagram) and results.json."""

    result: StudyResult | None
    document: dict
    paths: dict[str, Path]

    @property
    def complete(self) -> bool:
        return bool(self.document["complete"])


def analyze_calculations(
    calculations: Calculations,
    out_dir: str | Path,
    *,
    temperatures_K: Sequence[float] | None = None,
    bypass: Sequence[str] | None = None,
    phases: Sequence[str] | None = None,
    system: BinarySystem | None = None,
    phase_files: bool = True,
) -> Analysis:
    """Analyse ``calculations`` and write results.json, report.md and figures into ``out_dir``.

    ``temperatures_K`` (besides 0 K) and ``bypass`` default to the run's own options, else to
    300 and 400 K and the study's bypass. ``phases`` keeps the phases named by id or formula.
    ``phase_files`` also writes phases/<id>/phonopy.yaml, thermal.json and phonon figures.
    """
    options = (calculations.run or {}).get("analysis", {})
    if temperatures_K is None:
        temperatures_K = options.get("temperatures_K", DEFAULT_TEMPERATURES_K)
    temperatures = sorted({float(t) for t in temperatures_K} - {0.0})
    if any(t < 0 for t in temperatures):
        raise NasxInputError(None, "temperatures must be ≥ 0 K")
    if bypass is None:
        bypass = options.get("bypass")
    if system is None and calculations.run:
        system = BinarySystem.parse(calculations.run["system"])
    records = _selected(calculations, phases)
    problems = [
        p for p in calculations.problems if p.phase is None or p.phase in {r.id for r in records}
    ]

    thermal, convergence = {}, {}
    for record in records:
        for name, target, data in (
            (MAIN_SET, thermal, record.phonons),
            ("convergence", convergence, record.convergence),
        ):
            if data is not None and temperatures:
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
    checks = _checks(records, thermal, convergence, temperatures, calculations.run)
    consistency = _consistency(records)
    if not consistency["consistent"]:
        checks.append(Check("all", "consistency", False, consistency["message"]))
    calc_records = {
        r.id: _calculation_record(r, thermal.get(r.id), convergence.get(r.id)) for r in records
    }
    extra = {
        "calculator": _calculator(calculations, consistency),
        **(
            {
                "calculation_settings": {
                    k: calculations.run[k] for k in ("relax_settings", "phonon_settings")
                }
            }
            if calculations.run
            else {}
        ),
        "source": {"kind": calculations.kind},
        "calculations": calc_records,
        "checks": [c.as_dict() for c in checks],
        "consistency": consistency,
        "problems": [p.as_dict() for p in problems],
        "missing": missing,
        "notes": list(calculations.notes),
        "complete": not problems and not missing,
    }
    out = Path(out_dir)
    section = _report_section(
        records, thermal, checks, problems, missing, consistency, calculations
    )
    if result is not None:
        paths = write_outputs(result, out, extra=extra, extra_sections=[section])
        document = {**result.to_dict(), **extra}
    else:
        document = {
            "nasx_version": __version__,
            **(
                {"system": {"working_ion": system.working_ion, "anion": system.anion}}
                if system
                else {}
            ),
            "temperatures_K": [int(t) if t == int(t) else t for t in temperatures],
            **extra,
        }
        paths = _write_without_thermodynamics(document, out, section)
    if phase_files:
        for record in records:
            if record.id in thermal:
                _write_phase_files(out, record, thermal[record.id], temperatures)
    return Analysis(result, document, paths)


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


def _selected(calculations: Calculations, names: Sequence[str] | None) -> list[PhaseRecord]:
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
    record: PhaseRecord, thermal: ThermalProperties | None, convergence: ThermalProperties | None
) -> dict:
    document: dict = {"formula": record.formula, "label": record.label, "status": record.status}
    document["relaxation"] = record.relaxation
    if record.structure is not None:
        document["volume_A3_per_atom"] = record.structure.volume / len(record.structure)
    document["phonons"] = thermal.as_dict() if thermal else None
    if record.dft is not None:
        document["dft"] = record.dft.as_dict()
    if record.corrections or record.dft is not None:
        document["corrections"] = record.corrections
    if thermal and convergence:
        document["supercell_convergence"] = _convergence_record(thermal, convergence)
    document["sources"] = dict(sorted(record.sources.items()))
    return document


def _checks(
    records: list[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    convergence: dict[str, ThermalProperties],
    temperatures: list[float],
    run: dict | None,
) -> list[Check]:
    found = []
    tolerance = (run or {}).get("phonon_settings", {}).get("imaginary_tolerance_THz", -0.05)
    policy = (run or {}).get("phonon_settings", {}).get("imaginary_policy", "flag")
    for record in records:
        relax = record.relaxation
        if relax is not None:
            found.append(
                Check(
                    record.id,
                    "relaxation",
                    bool(relax["converged"]),
                    f"relaxed in {relax['steps']} steps, residual force {relax['max_force_eV_per_A']:.2e} eV/Å"
                    + ("" if relax["converged"] else ": NOT converged"),
                )
            )
        if record.id in thermal:
            t = thermal[record.id]
            what = "left out of F_vib" if policy == "flag" else "entered F_vib as |ν|"
            found.append(
                Check(
                    record.id,
                    "imaginary modes",
                    t.imaginary_fraction == 0,
                    f"{100 * t.imaginary_fraction:.2f} % of mesh modes below {tolerance:g} THz "
                    f"(lowest {t.min_frequency_THz:.3f} THz)"
                    + (f"; {what}" if t.imaginary_fraction else ""),
                )
            )
        for change in record.phase_changes:
            above = [t for t in temperatures if t >= change["temperature_K"]]
            if above:
                found.append(
                    Check(
                        record.id,
                        "phase change",
                        False,
                        f"{', '.join(f'{t:g}' for t in above)} K ≥ {change['temperature_K']:g} K "
                        f"({change['description']}): the harmonic F_vib there is an extrapolation",
                    )
                )
        if record.corrections or record.dft is not None:
            found.append(_custodian_check(record.id, record.corrections))
        if record.id in thermal and record.id in convergence:
            found.append(_convergence_check(record.id, thermal[record.id], convergence[record.id]))
    return found


def _custodian_check(phase_id: str, corrections: list[dict]) -> Check:
    if not corrections:
        return Check(phase_id, "custodian", True, "no corrections were needed")
    described = "; ".join(
        f"{c.get('step', '?')}: {c['handler']} fixed {', '.join(map(str, c['errors'])) or 'an error'}"
        for c in corrections
    )
    return Check(phase_id, "custodian", False, f"{len(corrections)} correction(s): {described}")


def _convergence_record(small: ThermalProperties, large: ThermalProperties) -> dict:
    delta = {
        temperature_key(t): (
            large.free_energy_eV_per_atom[large.temperatures_K.index(t)]
            - small.free_energy_eV_per_atom[i]
        )
        * MEV_PER_EV
        for i, t in enumerate(small.temperatures_K)
        if t in large.temperatures_K
    }
    return {
        "supercells": [list(small.supercell), list(large.supercell)],
        "delta_F_vib_meV_per_atom": delta,
    }


def _convergence_check(phase_id: str, small: ThermalProperties, large: ThermalProperties) -> Check:
    delta = _convergence_record(small, large)["delta_F_vib_meV_per_atom"]
    worst = max((abs(d) for d in delta.values()), default=0.0)
    message = (
        f"F_vib change from supercell {'×'.join(map(str, small.supercell))} to "
        f"{'×'.join(map(str, large.supercell))}: "
        + ", ".join(f"{d:+.2f} meV/atom at {t} K" for t, d in delta.items())
    )
    return Check(phase_id, "supercell convergence", worst < 1.0, message)


def _consistency(records: list[PhaseRecord]) -> dict:
    """Same functional, cutoff and POTCAR family for every entry whose settings are known."""
    known = [r for r in records if r.dft is not None]
    values = {
        "functional": {r.id: r.dft.functional for r in known},
        "encut_eV": {r.id: r.dft.encut_eV for r in known},
        "potcar_family": {r.id: r.dft.potcar_family for r in known},
    }
    mixed = {k: sorted({str(v) for v in by_phase.values()}) for k, by_phase in values.items()}
    mixed = {k: v for k, v in mixed.items() if len(v) > 1}
    if not known:
        message = "settings not recorded in these calculations (not VASP): not checked"
    elif mixed:
        message = "MIXED settings, energies are not comparable: " + "; ".join(
            f"{k} "
            + ", ".join(
                f"{v} ({', '.join(p for p, x in values[k].items() if str(x) == v)})" for v in vs
            )
            for k, vs in mixed.items()
        )
    else:
        first = known[0].dft
        message = (
            f"all {len(known)} phases: {first.functional}, ENCUT {first.encut_eV:g} eV, "
            f"POTCARs {first.potcar_family}"
        )
    return {**values, "consistent": not mixed, "message": message}


def _calculator(calculations: Calculations, consistency: dict) -> dict:
    if calculations.run:
        return calculations.run["calculator"]
    return {"name": "vasp", "description": f"VASP outputs ({consistency['message']})"}


def _write_phase_files(
    out: Path, record: PhaseRecord, thermal: ThermalProperties, temperatures: list[float]
) -> None:
    from nasx.workflows import phonon_plots, phonons

    files = PhaseDirectory(out / "phases" / record.id)
    files.root.mkdir(parents=True, exist_ok=True)
    ph = record.phonons.phonopy
    phonons.save(ph, files.phonopy_yaml())
    write_json_atomic(files.thermal(), thermal.as_dict())
    phonon_plots.write(ph, files.root, record.id, temperatures)
    if record.structure is not None:
        record.structure.to(filename=str(files.relaxed_cif))


def _write_without_thermodynamics(document: dict, out: Path, section: str) -> dict[str, Path]:
    """results.json and report.md when no phase diagram can be built (stale figures removed)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("voltage_profile.png", "hull.png"):
        (out / stale).unlink(missing_ok=True)
    reasons = "; ".join(m["reason"] for m in document["missing"])
    text = "\n".join(
        [
            "# nasx report: phonon thermodynamics only",
            "",
            f"No phase diagram could be built ({reasons}), so there are no formation energies, "
            "hull distances or voltages. Every phase with finished phonons has F, S and Cv below.",
            "",
            section,
            "",
        ]
    )
    paths = {"results": out / "results.json", "report": out / "report.md"}
    write_text_atomic(paths["report"], text)
    write_text_atomic(paths["results"], results_json_text(document))
    return paths


def _report_section(
    records: list[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    checks: list[Check],
    problems: list[Problem],
    missing: list[dict],
    consistency: dict,
    calculations: Calculations,
) -> str:
    lines = ["## Calculations", ""]
    if calculations.run:
        lines += [f"Calculator: {calculations.run['calculator']['description']}.", ""]
    lines += [f"Settings: {consistency['message']}.", ""]
    lines += [
        "| phase | status | relax steps | residual force (eV/Å) | supercell | displacements | imaginary modes | F (meV/atom) | S (meV/K/atom) | Cv (meV/K/atom) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        relax, t = record.relaxation, thermal.get(record.id)
        steps = (
            f"{relax['steps']}{'' if relax['converged'] else ' (unconverged)'}"
            if relax
            else "missing"
        )
        force = f"{relax['max_force_eV_per_A']:.1e}" if relax else "missing"
        if t is None:
            phonon_cells = ["missing"] * 6
        else:
            phonon_cells = [
                "×".join(map(str, t.supercell)),
                str(t.n_displacements),
                f"{100 * t.imaginary_fraction:.2f} % (min {t.min_frequency_THz:.2f} THz)",
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
        lines += [f"- missing {m['quantity']}: {m['reason']}" for m in missing]
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
        "`phonon_dos.png`, `free_energy.png`.",
    ]
    return "\n".join(lines)


def _per_t(temperatures: list[float], values_eV: list[float], digits: int) -> str:
    """Values in meV (per atom, or per K and atom) at each temperature."""
    return ", ".join(
        f"{v * MEV_PER_EV:.{digits}f} @ {t:g} K"
        for t, v in zip(temperatures, values_eV, strict=True)
    )
