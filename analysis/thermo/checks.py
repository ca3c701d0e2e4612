"""Physical-validity and consistency checks of the phases of one analysis. None is silent:
each is recorded in results.json ("checks", "consistency") and in the report."""

from __future__ import annotations

from dataclasses import dataclass

from nasx.analysis.document_sections import CheckRecord, Consistency, SupercellConvergence
from nasx.analysis.readers.records import PhaseRecord
from nasx.phonons import ThermalProperties
from nasx.settings import PhononSettings
from nasx.units import MEV_PER_EV, temperature_key
from nasx.wording import counted


@dataclass
class Check:
    """One physical-validity check of one phase: what was found and whether it needs attention."""

    phase_id: str
    kind: str
    ok: bool
    message: str

    def to_record(self) -> CheckRecord:
        """The check as results.json's ``checks`` list holds it."""
        return CheckRecord(self.phase_id, self.kind, bool(self.ok), self.message)


def phase_checks(
    records: list[PhaseRecord],
    thermal: dict[str, ThermalProperties],
    convergence: dict[str, ThermalProperties],
    temperatures: list[float],
    phonon_settings: PhononSettings,
) -> list[Check]:
    """Relaxation, imaginary modes, phase changes, custodian corrections and supercell
    convergence of every phase; ``phonon_settings`` give the imaginary tolerance and policy."""
    found = []
    tolerance = phonon_settings.imaginary_tolerance_THz
    policy = phonon_settings.imaginary_policy
    for record in records:
        relax = record.relaxation
        if relax is not None:
            found.append(
                Check(
                    record.id,
                    "relaxation",
                    relax.converged,
                    f"relaxed in {counted(relax.steps, 'step')}, residual force {relax.max_force_eV_per_A:.2e} eV/Å"
                    + ("" if relax.converged else ": NOT converged"),
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
                    f"{percent(t.imaginary_fraction)} of mesh modes below {tolerance:g} THz "
                    f"(lowest {t.min_frequency_THz:.3f} THz)"
                    + (f"; {what}" if t.imaginary_fraction else ""),
                )
            )
        for change in record.phase_changes:
            above = [t for t in temperatures if t >= change.temperature_K]
            if above:
                found.append(
                    Check(
                        record.id,
                        "phase change",
                        False,
                        f"{', '.join(f'{t:g}' for t in above)} K ≥ {change.temperature_K:g} K "
                        f"({change.description}): the harmonic F_vib there is an extrapolation",
                    )
                )
        found += [Check(record.id, "energy settings", False, flag) for flag in record.flags]
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


def convergence_record(small: ThermalProperties, large: ThermalProperties) -> SupercellConvergence:
    """F_vib of the larger supercell minus that of the main one, at each common temperature."""
    delta = {
        temperature_key(t): (
            large.free_energy_eV_per_atom[large.temperatures_K.index(t)]
            - small.free_energy_eV_per_atom[i]
        )
        * MEV_PER_EV
        for i, t in enumerate(small.temperatures_K)
        if t in large.temperatures_K
    }
    return SupercellConvergence([small.supercell, large.supercell], delta)


def _convergence_check(phase_id: str, small: ThermalProperties, large: ThermalProperties) -> Check:
    delta = convergence_record(small, large).delta_F_vib_meV_per_atom
    worst = max((abs(d) for d in delta.values()), default=0.0)
    message = (
        f"F_vib change from supercell {'×'.join(map(str, small.supercell))} to "
        f"{'×'.join(map(str, large.supercell))}: "
        + ", ".join(f"{d:+.2f} meV/atom at {t} K" for t, d in delta.items())
    )
    return Check(phase_id, "supercell convergence", worst < 1.0, message)


def settings_consistency(records: list[PhaseRecord]) -> Consistency:
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
            f"all {counted(len(known), 'phase')}: {first.functional}, ENCUT {first.encut_eV:g} eV, "
            f"POTCARs {first.potcar_family}"
        )
    return Consistency(**values, consistent=not mixed, message=message)


def percent(fraction: float) -> str:
    """A fraction in per cent with two decimals; a non-zero one never reads as ``0.00 %``."""
    value = 100 * fraction
    if value == 0 or abs(value) >= 0.005:
        return f"{value:.2f} %"
    return f"{value:.1g} %"
