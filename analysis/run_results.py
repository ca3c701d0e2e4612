"""Read a nasx run directory into entries and physics checks, and write its analysis.

No FireWorks here: a finished run directory is analysed the same way with or without its
LaunchPad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pymatgen.core import Structure
from pymatgen.entries.computed_entries import ComputedStructureEntry

from nasx.analysis.entries import FVIB_KEY
from nasx.analysis.outputs import write_outputs
from nasx.analysis.study import StudyResult, analyze
from nasx.errors import NasxInputError
from nasx.layout import CONVERGENCE_SET, MAIN_SET, RunDirectory, read_json
from nasx.units import MEV_PER_EV, temperature_key


@dataclass
class Check:
    """One physical-validity check of one phase: what was found and whether it needs attention."""

    phase_id: str
    kind: str
    ok: bool
    message: str

    def as_dict(self) -> dict:
        return {"phase": self.phase_id, "check": self.kind, "ok": self.ok, "message": self.message}


@dataclass
class RunCalculations:
    entries: list[ComputedStructureEntry]
    checks: list[Check]
    phases: dict[str, dict]
    settings: dict
    thermal: dict[str, dict] = field(default_factory=dict)


def load_run(run_dir: Path, temperatures_K: list[float]) -> RunCalculations:
    """Entries (static energy + F_vib at ``temperatures_K``) and checks of a finished run."""
    run = RunDirectory(Path(run_dir))
    settings = read_json(run.settings)
    if settings is None:
        raise NasxInputError(run.settings, "missing or unreadable: not a nasx run directory")
    tolerance = settings["phonon_settings"]["imaginary_tolerance_THz"]
    entries, checks, phases, thermal_by_phase = [], [], {}, {}
    for phase in settings["phases"]:
        phase_id = phase["id"]
        files = run.phase(phase_id)
        relax = read_json(files.relax_result)
        thermal = read_json(files.thermal(MAIN_SET))
        if relax is None or thermal is None:
            missing = files.relax_result if relax is None else files.thermal(MAIN_SET)
            raise NasxInputError(missing, f"missing: phase {phase_id} has not finished")
        structure = Structure.from_dict(relax["structure"])
        fvib = {
            temperature_key(t): f
            for t, f in zip(
                thermal["temperatures_K"], thermal["free_energy_eV_per_atom"], strict=True
            )
        }
        entries.append(
            ComputedStructureEntry(
                structure, relax["energy_eV"], entry_id=phase_id, data={FVIB_KEY: fvib}
            )
        )
        thermal_by_phase[phase_id] = thermal
        phases[phase_id] = {
            "formula": phase["formula"],
            "label": phase["label"],
            "status": phase["status"],
            "relaxation": {
                k: relax[k]
                for k in ("energy_eV", "max_force_eV_per_A", "max_stress_GPa", "steps", "converged")
            },
            "volume_A3_per_atom": structure.volume / len(structure),
            "phonons": thermal,
        }
        checks += _checks(phase, relax, thermal, tolerance, temperatures_K, settings)
        corrections = _corrections(files, relax)
        if corrections or settings["calculator"]["name"] == "vasp":
            checks.append(_custodian_check(phase_id, corrections))
            phases[phase_id]["corrections"] = corrections
        convergence = read_json(files.thermal(CONVERGENCE_SET))
        if convergence is not None:
            check, record = _convergence_check(phase_id, thermal, convergence)
            checks.append(check)
            phases[phase_id]["supercell_convergence"] = record
    return RunCalculations(entries, checks, phases, settings, thermal_by_phase)


def _checks(
    phase: dict,
    relax: dict,
    thermal: dict,
    tolerance: float,
    temperatures: list[float],
    settings: dict,
) -> list[Check]:
    phase_id = phase["id"]
    fmax = settings["relax_settings"]["fmax_eV_per_A"]
    found = [
        Check(
            phase_id,
            "relaxation",
            bool(relax["converged"]),
            f"relaxed in {relax['steps']} steps, residual force {relax['max_force_eV_per_A']:.2e} eV/Å"
            + (
                ""
                if relax["converged"]
                else f" > {fmax:g} eV/Å after the step limit: NOT converged"
            ),
        )
    ]
    fraction, lowest = thermal["imaginary_fraction"], thermal["min_frequency_THz"]
    policy = settings["phonon_settings"].get("imaginary_policy", "flag")
    what = "left out of F_vib" if policy == "flag" else "entered F_vib as |ν|"
    found.append(
        Check(
            phase_id,
            "imaginary modes",
            fraction == 0,
            f"{100 * fraction:.2f} % of mesh modes below {tolerance:g} THz (lowest {lowest:.3f} THz)"
            + (f"; {what}" if fraction else ""),
        )
    )
    for change in phase.get("phase_changes", []):
        above = [t for t in temperatures if t >= change["temperature_K"]]
        if above:
            found.append(
                Check(
                    phase_id,
                    "phase change",
                    False,
                    f"{', '.join(f'{t:g}' for t in above)} K ≥ {change['temperature_K']:g} K "
                    f"({change['description']}): the harmonic F_vib there is an extrapolation",
                )
            )
    return found


def _corrections(files, relax: dict) -> list[dict]:
    """Every correction custodian applied to a phase: relaxation chain and displacement jobs."""
    found = list(relax.get("corrections", []))
    for path in sorted(files.phonon_dir(MAIN_SET).glob("disp-*/forces.json")):
        for correction in (read_json(path) or {}).get("corrections", []):
            found.append({**correction, "step": path.parent.name})
    return found


def _custodian_check(phase_id: str, corrections: list[dict]) -> Check:
    if not corrections:
        return Check(phase_id, "custodian", True, "no corrections were needed")
    described = "; ".join(
        f"{c.get('step', '?')}: {c['handler']} fixed {', '.join(map(str, c['errors'])) or 'an error'}"
        for c in corrections
    )
    return Check(phase_id, "custodian", False, f"{len(corrections)} correction(s): {described}")


def _convergence_check(phase_id: str, small: dict, large: dict) -> tuple[Check, dict]:
    common = [t for t in small["temperatures_K"] if t in large["temperatures_K"]]
    delta = {
        temperature_key(t): (
            large["free_energy_eV_per_atom"][large["temperatures_K"].index(t)]
            - small["free_energy_eV_per_atom"][small["temperatures_K"].index(t)]
        )
        * MEV_PER_EV
        for t in common
    }
    worst = max((abs(d) for d in delta.values()), default=0.0)
    record = {
        "supercells": [small["supercell"], large["supercell"]],
        "delta_F_vib_meV_per_atom": delta,
    }
    message = (
        f"F_vib change from supercell {'×'.join(map(str, small['supercell']))} to "
        f"{'×'.join(map(str, large['supercell']))}: "
        + ", ".join(f"{d:+.2f} meV/atom at {t} K" for t, d in delta.items())
    )
    return Check(phase_id, "supercell convergence", worst < 1.0, message), record


def analyze_run(
    run_dir: Path, temperatures_K: list[float], bypass: list[str] | None
) -> StudyResult:
    """Analyse a finished run directory and write results.json, report.md and figures into it."""
    calculations = load_run(run_dir, temperatures_K)
    result = analyze(
        calculations.entries, temperatures_K=[0.0, *temperatures_K], bypass=bypass, source=run_dir
    )
    settings = calculations.settings
    extra = {
        "calculator": settings["calculator"],
        "calculation_settings": {k: settings[k] for k in ("relax_settings", "phonon_settings")},
        "calculations": calculations.phases,
        "checks": [c.as_dict() for c in calculations.checks],
    }
    write_outputs(result, run_dir, extra=extra, extra_sections=[_report_section(calculations)])
    return result


def _report_section(calculations: RunCalculations) -> str:
    settings = calculations.settings
    lines = [
        "## Calculations",
        "",
        f"Calculator: {settings['calculator']['description']}.",
        "",
        "| phase | status | relax steps | residual force (eV/Å) | supercell | displacements | imaginary modes | F_vib (meV/atom) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for phase_id, record in calculations.phases.items():
        relax, thermal = record["relaxation"], record["phonons"]
        fvib = ", ".join(
            f"{f * MEV_PER_EV:.1f} @ {t:g} K"
            for t, f in zip(
                thermal["temperatures_K"], thermal["free_energy_eV_per_atom"], strict=True
            )
        )
        lines.append(
            f"| {phase_id} | {record['status']} | {relax['steps']}{'' if relax['converged'] else ' (unconverged)'} | "
            f"{relax['max_force_eV_per_A']:.1e} | {'×'.join(map(str, thermal['supercell']))} | {thermal['n_displacements']} | "
            f"{100 * thermal['imaginary_fraction']:.2f} % (min {thermal['min_frequency_THz']:.2f} THz) | {fvib} |"
        )
    lines += ["", "### Checks", ""]
    problems = [c for c in calculations.checks if not c.ok]
    if not problems:
        lines.append("All checks passed.")
    lines += [f"- **{c.phase_id}, {c.kind}**: {c.message}" for c in problems]
    converged = [c for c in calculations.checks if c.kind == "supercell convergence"]
    unchecked = [p for p in calculations.phases if p not in {c.phase_id for c in converged}]
    lines += [f"- {c.phase_id}, supercell convergence: {c.message}" for c in converged if c.ok]
    if unchecked:
        lines.append(
            f"- Supercell convergence of F_vib not checked for {', '.join(unchecked)} "
            "(`nasx run --check-convergence PHASE` repeats the phonons in a larger supercell)."
        )
    notes = [
        f"{phase_id}: {n}"
        for phase_id, t in calculations.thermal.items()
        for n in t.get("notes", [])
    ]
    if notes:
        lines += ["", "phonopy reported:", "", *(f"- {n}" for n in notes)]
    lines += [
        "",
        "Per phase: `phases/<id>/relaxed.cif`, `phonopy.yaml` (with forces), `thermal.json`, "
        "`phonon_dos.png`, `free_energy.png`.",
    ]
    return "\n".join(lines)
