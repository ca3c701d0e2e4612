"""results.json's ``experiment`` section, typed: each phase's computed values beside the measured
ones (``thermo.experiment`` fills it; ``document.ResultsDocument`` holds it).

Computed minus measured throughout; a ``Comparison`` without a measured value shows what was
computed. ``ok`` is None where nothing is checked (no measured value, or a low-confidence one).
"""

from __future__ import annotations

from dataclasses import dataclass

from nasx.analysis.document_sections import Omittable
from nasx.analysis.thermo.entropy_breakdown import EntropyBreakdown, EntropyExcess
from nasx.analysis.thermo.gamma_modes import GammaModes
from nasx.structures.experiment import Measured


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """One quantity, computed and measured, in the unit its key names."""

    computed: float | None
    measured: Omittable[float] = None
    difference: Omittable[float] = None
    """computed − measured."""
    relative_difference: Omittable[float] = None
    """(computed − measured) / |measured|."""
    ok: Omittable[bool] = None
    """Within ``tolerance`` (absent: not checked)."""
    source: Omittable[str] = None
    confidence: Omittable[str] = None
    verified: Omittable[bool] = None

    @classmethod
    def beside(cls, computed: float, measured: float, data: Measured, within: bool) -> Comparison:
        """``computed`` beside ``measured`` with ``data``'s provenance; ``ok`` is ``within``
        where the measured value is checked (not of low confidence)."""
        difference = computed - measured
        return cls(
            computed=computed,
            measured=measured,
            difference=difference,
            relative_difference=difference / abs(measured) if measured else None,
            ok=within if data.checked else None,
            source=data.source,
            confidence=data.confidence,
            verified=data.verified,
        )


@dataclass(frozen=True, kw_only=True)
class LinesComparison:
    """Measured Raman or IR lines beside the nearest computed Γ mode active in that spectrum."""

    measured_per_cm: list[float]
    nearest_computed_per_cm: list[float | None]
    ratio: list[float | None]
    """computed / measured, line by line (null: no active computed mode)."""
    mean_ratio: float | None
    ok: Omittable[bool] = None
    source: str
    confidence: str
    verified: bool


@dataclass(frozen=True, kw_only=True)
class PhaseExperiment:
    """``experiment.phases[id]``: one computed phase beside its measured phase (per atom)."""

    formula: str
    space_group: int | None
    measured_phase: str | None
    """The label of the measured phase it was matched to (same formula and space group)."""
    entropy_J_per_mol_K_per_atom: Omittable[Comparison] = None
    """S at 298.15 K: harmonic, beside S°(298.15 K)."""
    entropy_breakdown: Omittable[EntropyBreakdown] = None
    """Where S(298.15 K) sits: by frequency band, and rigid-molecule vs intramolecular."""
    entropy_excess: Omittable[EntropyExcess] = None
    """The uniform force-constant softening that would explain computed − measured S."""
    heat_capacity_J_per_mol_K_per_atom: Omittable[dict[str, Comparison]] = None
    """By temperature: harmonic Cv (= Cp in the harmonic approximation), beside Cp."""
    enthalpy_increment_kJ_per_mol_per_atom: Omittable[dict[str, Comparison]] = None
    """By temperature: H(T) − H(298.15 K), harmonic, beside the tabulated increment."""
    formation_enthalpy_eV_per_atom: Omittable[Comparison] = None
    """ΔfH(298.15 K) = E_f(0 K) + H_vib(298.15 K) of the phase − that of the elements' reference
    states, per atom, beside ΔfH°(298.15 K)."""
    formation_energy_0K_eV_per_atom: Omittable[float] = None
    vibrational_enthalpy_term_eV_per_atom: Omittable[float] = None
    """ΔfH(298.15 K) − E_f(0 K): the phase's H_vib(298.15 K) minus its elements'."""
    volume_A3_per_atom: Omittable[Comparison] = None
    """The relaxed (0 K, static) volume beside the measured one (room temperature)."""
    gamma_modes: Omittable[GammaModes] = None
    raman: Omittable[LinesComparison] = None
    ir: Omittable[LinesComparison] = None
    notes: Omittable[list[str]] = None


@dataclass(frozen=True, kw_only=True)
class EntropyError:
    """This model's largest demonstrated entropy error (checked values only) and what it is
    worth in T·S at each analysis temperature: the scale below which a free-energy difference
    (a hull depth) is not resolved by this model."""

    phase: str
    entropy_J_per_mol_K_per_atom: float
    """computed − measured S at 298.15 K."""
    TS_meV_per_atom: dict[str, float]
    """T · |ΔS| by analysis temperature (ΔS taken as at 298.15 K)."""


@dataclass(frozen=True, kw_only=True)
class ExperimentSection:
    """``experiment``: computed beside measured, for every phase with phonons or measurements.
    For comparison only: nothing is fitted or scaled to the measured values."""

    temperature_K: float
    measured_values: str
    """Where the measured values come from (the file)."""
    reference_states: dict[str, str]
    """element → the phase whose energy and H_vib are the element's in ΔfH."""
    tolerances: dict[str, str]
    notes: list[str]
    phases: dict[str, PhaseExperiment]
    entropy_error: Omittable[EntropyError] = None
    """The largest checked |S − S°| at 298.15 K, as T·|ΔS| at each analysis temperature."""
