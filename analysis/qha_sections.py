"""results.json's ``qha`` section, typed: each phase's quasi-harmonic result at p = 0 and, at each
analysis temperature above 0 K, the thermodynamics from the QHA G(T) beside the harmonic ones
(``thermo.qha_study`` fills it; ``document.ResultsDocument`` holds it; absent without ``--qha``).

Differences are QHA − harmonic: energies in meV/atom, voltages in mV.
"""

from __future__ import annotations

from dataclasses import dataclass

from nasx.analysis.document_sections import CheckRecord, Omittable
from nasx.analysis.experiment_sections import Comparison
from nasx.analysis.thermo.qha import PointUse, QhaRow
from nasx.analysis.thermo.voltage import Plateau


@dataclass(frozen=True)
class QhaVolumesRecord:
    """The run's volumes (``--qha-volumes``), in % of the relaxed volume."""

    min_percent: float
    max_percent: float
    count: int


@dataclass(frozen=True, kw_only=True)
class QhaMeasured:
    """``qha.phases[id].measured``: V(T) and α(T) at the measurements' temperatures."""

    volume_A3_per_atom: Omittable[Comparison] = None
    volume_temperature_K: Omittable[float] = None
    """The computed row's temperature (the measurement's is in its source's table)."""
    thermal_expansion_per_K: Omittable[Comparison] = None
    """Volumetric, (1/V) dV/dT."""
    thermal_expansion_temperature_K: Omittable[float] = None


@dataclass(frozen=True)
class QhaPhaseRecord:
    """``qha.phases[id]``: ``QhaResult.as_dict()`` of one phase, a row per analysis temperature
    (every value null where ``refused``)."""

    phase_id: str
    eos: str
    imaginary_policy: str
    refused: str | None
    """Why the phase has no QHA at all (then ``rows`` is empty)."""
    sampled_range_A3_per_atom: tuple[float, float] | None
    max_eos_residual_eV_per_atom: float | None
    eos_residual_tolerance_eV_per_atom: float
    rows: list[QhaRow]
    points: list[PointUse]
    checks: list[CheckRecord]
    measured: Omittable[QhaMeasured] = None
    """V(T) and α(T) beside experiment.toml's values, where it has some for the phase."""


@dataclass(frozen=True)
class PlateauShift:
    """One plateau of a path, harmonic and QHA (matched by the phases at its ends; null on the
    side where the path has no such plateau)."""

    phase_start: str
    phase_end: str
    harmonic_V: float | None
    qha_V: float | None
    difference_mV: float | None


@dataclass(frozen=True)
class QhaDifferences:
    """QHA − harmonic at one temperature."""

    gibbs_energy_meV_per_atom: dict[str, float]
    """Per phase id: G_QHA(T) − (E_static + F_vib,harmonic(T)), where both exist."""
    formation_energy_meV_per_atom: Omittable[dict[str, float]] = None
    hull_distance_meV_per_atom: Omittable[dict[str, float]] = None
    thermodynamic: Omittable[list[PlateauShift]] = None
    kinetic: Omittable[list[PlateauShift]] = None


@dataclass(frozen=True, kw_only=True)
class QhaTemperatureRecord:
    """``qha.temperatures[T]``: formation energies and hull distances (per polymorph) and both
    paths' plateaus from the QHA G(T); absent with ``not_computed`` (one line why) when a phase
    has no QHA G at T: the harmonic value is not mixed in."""

    not_computed: Omittable[str] = None
    formation_energy_eV_per_atom: Omittable[dict[str, float]] = None
    hull_distance_meV_per_atom: Omittable[dict[str, float]] = None
    thermodynamic: Omittable[list[Plateau]] = None
    kinetic: Omittable[list[Plateau]] = None
    """The kinetic path bypasses the same formulas as the harmonic one (``ocv.kinetic``)."""
    minus_harmonic: QhaDifferences


@dataclass(frozen=True)
class QhaSection:
    """``qha``: the quasi-harmonic results of a ``--qha`` run."""

    energy_model: str
    volumes: QhaVolumesRecord
    phases: dict[str, QhaPhaseRecord]
    temperatures: dict[str, QhaTemperatureRecord]
    """By temperature above 0 K (the harmonic 0 K has no zero-point energy: nothing to compare)."""
