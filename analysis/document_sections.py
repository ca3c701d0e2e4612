"""The sections of results.json, typed: the study, its conclusions, a committee's spread,
provenance, and what was found about the calculations (``document.ResultsDocument`` holds them).

Each is a frozen dataclass whose fields are the keys in results.json's order, units in their
names. Records of nasx with exactly a section's fields are used as they are (``Plateau``,
``ThermalProperties``, ``DftSettings``, ``Ignored``, ``BinarySystem``); a ``…Record`` is the
results.json form of a record whose fields differ. Temperature keys: ``units.temperature_key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from nasx.analysis.readers.records import DftSettings, Ignored
from nasx.analysis.thermo.voltage import BandSegment, Plateau
from nasx.mode_following import SpaceGroup
from nasx.phonons import Supercell, ThermalProperties

if TYPE_CHECKING:
    from nasx.analysis.readers.records import Problem
    from nasx.results import RelaxResult

T = TypeVar("T")
Omittable = Annotated[T | None, Field(exclude_if=lambda value: value is None)]
"""A key that is absent from the file when its value is None (never written as null)."""
Number = int | float
"""A value written as an int when whole (a temperature of 300 K), else as a float."""


@dataclass(frozen=True)
class PhaseSummary:
    """``phases[formula]``: the ground-state polymorph of one composition at each temperature
    (null where the phase was left out of that temperature)."""

    ion_fraction: float
    formation_energy_eV_per_atom: dict[str, float | None]
    hull_distance_meV_per_atom: dict[str, float | None]
    stable: dict[str, bool | None]
    competing_phases: dict[str, list[str]]
    polymorph: dict[str, str]
    volume_A3_per_atom: Omittable[float] = None


@dataclass(frozen=True)
class PolymorphSummary:
    """``polymorphs[label]``: one entry's own values at each temperature where it was present."""

    formula: str
    formation_energy_eV_per_atom: dict[str, float]
    hull_distance_meV_per_atom: dict[str, float]


@dataclass(frozen=True)
class KineticProfile:
    """``ocv.kinetic``: the bypassed formulas beside the plateaus at each temperature, in one
    object (``{"bypassed": [...], "0": [...], "300": [...]}``)."""

    bypassed: list[str]
    by_temperature: dict[str, list[Plateau]]

    @model_validator(mode="before")
    @classmethod
    def _nested(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "by_temperature" in data:
            return data
        bypassed = {k: v for k, v in data.items() if k == "bypassed"}
        return {**bypassed, "by_temperature": {k: v for k, v in data.items() if k != "bypassed"}}

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        nested = handler(self)
        return {"bypassed": nested["bypassed"], **nested["by_temperature"]}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        nested = handler.resolve_ref_schema(handler(core_schema))
        properties = nested["properties"]
        return {
            "type": "object",
            "description": nested["description"],
            "properties": {"bypassed": properties["bypassed"]},
            "required": ["bypassed"],
            "additionalProperties": properties["by_temperature"]["additionalProperties"],
        }


@dataclass(frozen=True)
class PaperGrouping:
    """``ocv.plateaus_in_paper_grouping``: plateau counts when the steps whose products share a
    group of the published study count as one (systems with a published study only)."""

    groups: dict[str, str]
    thermodynamic: dict[str, int]
    kinetic: dict[str, int]


@dataclass(frozen=True)
class PlateauCounts:
    """``ocv.distinguishable_plateaus``: plateaus closer than ``resolution_V`` count as one."""

    resolution_V: float
    thermodynamic: dict[str, int]
    kinetic: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class Ocv:
    """``ocv``: the voltage profiles at each temperature."""

    thermodynamic: dict[str, list[Plateau]]
    kinetic: KineticProfile
    single_bypass: dict[str, dict[str, list[Plateau] | None]]
    """formula → temperature → the profile with that one phase bypassed (null where the phase
    is absent at that temperature)."""
    plateaus_in_paper_grouping: Omittable[PaperGrouping] = None
    distinguishable_plateaus: PlateauCounts


@dataclass(frozen=True)
class FindingRecord:
    """One model's verdict on a claim and the numbers that decide it."""

    verdict: str
    numbers: dict[str, Any]


@dataclass(frozen=True)
class ClaimRecord:
    """One claim at one temperature: ``numbers`` for one model, ``models`` for a committee."""

    claim: str
    statement: str
    paper_claim: bool
    temperature_K: Number
    verdict: str
    models: Omittable[dict[str, FindingRecord]] = None
    numbers: Omittable[dict[str, Any]] = None
    """The deciding numbers, units in their names (open: each claim has its own)."""


@dataclass(frozen=True, kw_only=True)
class ConclusionsRecord:
    """``conclusions``: the definitions used, then one entry per claim and temperature."""

    claims_of: str
    hull_depth_definition: str
    plateau_resolution_V: float
    verdicts: dict[str, str]
    models: Omittable[list[str]] = None
    claims: list[ClaimRecord]


@dataclass(frozen=True)
class SpreadRecord:
    """One quantity under every model of a committee (null: absent under that model)."""

    by_model: dict[str, float | None]
    min: float | None
    max: float | None
    max_minus_min: float | None
    absent_under: list[str]


@dataclass(frozen=True)
class PhaseSpreadRecord:
    formation_energy_eV_per_atom: SpreadRecord
    hull_distance_meV_per_atom: SpreadRecord


@dataclass(frozen=True)
class PlateauSpreadRecord:
    """One matched plateau: each model's reaction (null: absent) and voltage."""

    plateau: str
    reactions: dict[str, str | None]
    voltage_V: SpreadRecord


@dataclass(frozen=True)
class PathSpreadRecord:
    plateaus: list[PlateauSpreadRecord]
    steps: list[PlateauSpreadRecord]
    voltage_band: list[BandSegment]


@dataclass(frozen=True)
class TemperatureSpreadRecord:
    phases: dict[str, PhaseSpreadRecord]
    thermodynamic: PathSpreadRecord
    kinetic: PathSpreadRecord


@dataclass(frozen=True)
class CommitteeRecord:
    """``committee``: the spread across the models at each temperature."""

    models: list[str]
    temperatures_K: list[Number]
    plateau_matching: str
    spread: dict[str, TemperatureSpreadRecord]


@dataclass(frozen=True)
class Versions:
    """Package versions where the analysis ran, and where the calculations ran (null: unknown)."""

    analysis: dict[str, str]
    calculations: dict[str, str] | None


@dataclass(frozen=True)
class ProvenanceRecord:
    """What produced the numbers: the model in one line and whether it is a test model."""

    model: str
    test_model: bool
    versions: Versions


@dataclass(frozen=True)
class CalculatorRecord:
    """The calculator: its name, one line, and (for a run) the object in monty's dict form."""

    name: str
    description: str
    object: Omittable[dict[str, Any]] = None


@dataclass(frozen=True)
class RelaxSettingsRecord:
    fmax_eV_per_A: float
    max_steps: int
    relax_cell: bool
    symprec: float | None


@dataclass(frozen=True)
class PhononSettingsRecord:
    min_length_A: float
    supercells: dict[str, tuple[int, int, int]]
    displacement_A: float
    symprec: float
    mesh_length_A: float
    imaginary_tolerance_THz: float
    imaginary_policy: str
    exclude_gamma_acoustic: bool | None


@dataclass(frozen=True)
class CalculationSettings:
    relax_settings: RelaxSettingsRecord
    phonon_settings: PhononSettingsRecord


@dataclass(frozen=True)
class Source:
    kind: str
    """"nasx run", "tree" or "launchpad"."""


@dataclass(frozen=True)
class RelaxationSummary:
    """A relaxation without its structure."""

    energy_eV: float
    max_force_eV_per_A: float
    max_stress_GPa: float
    steps: int
    converged: bool

    @classmethod
    def of(cls, r: RelaxResult) -> RelaxationSummary:
        return cls(r.energy_eV, r.max_force_eV_per_A, r.max_stress_GPa, r.steps, r.converged)


@dataclass(frozen=True)
class SupercellConvergence:
    """F_vib of a larger supercell minus that of the main one, per temperature."""

    supercells: list[Supercell]
    delta_F_vib_meV_per_atom: dict[str, float]


@dataclass(frozen=True)
class PhononSetRecord:
    """How a phonon set was used: files, supercell matrix, q-mesh, NAC, thermal conventions."""

    source: str
    files: str
    supercell_matrix: list[list[int]]
    q_mesh: list[int] | None
    q_mesh_length_A: float
    nac: bool
    """Whether phonopy's non-analytic correction (Born charges, ε∞) was applied."""
    force_constants: str
    gamma_acoustic_excluded: bool | None
    polar: Omittable[bool] = None
    """A compound, whose LO–TO splitting at Γ only NAC gives (null: documents before it)."""
    nac_source: Omittable[str] = None
    """The file of the Born charges and ε∞ (a nasx run's DFPT job, ``--born-charges``)."""


@dataclass(frozen=True)
class FollowedModeRecord:
    """The mode followed and what it led to (the structure is in phases/<id>/instability/)."""

    q_reduced: tuple[float, float, float]
    branch: int
    frequency_THz: float
    supercell: tuple[int, int, int]
    n_atoms: int
    amplitude_A: float
    space_group_before: SpaceGroup
    space_group_after: SpaceGroup
    symprec_A: float
    energy_symmetric_eV_per_atom: float
    energy_distorted_eV_per_atom: float
    energy_gain_meV_per_atom: float
    max_displacement_A: float
    converged: bool
    steps: int


@dataclass(frozen=True)
class InstabilityRecord:
    classification: str
    followed: FollowedModeRecord | None
    note: str


@dataclass(frozen=True, kw_only=True)
class CalculationRecord:
    """``calculations[id]``: what was found for one phase and where it came from."""

    formula: str
    label: str
    status: str
    relaxation: RelaxationSummary | None
    volume_A3_per_atom: Omittable[float] = None
    phonons: ThermalProperties | None
    dft: Omittable[DftSettings] = None
    corrections: Omittable[list[dict[str, Any]]] = None
    """What custodian changed (open: custodian's own records)."""
    supercell_convergence: Omittable[SupercellConvergence] = None
    sources: dict[str, str]
    """What came from where: quantity → path relative to the analysed root, or job."""
    phonon_set: Omittable[PhononSetRecord] = None
    ignored: Omittable[list[Ignored]] = None
    flags: Omittable[list[str]] = None
    instability: Omittable[InstabilityRecord] = None


@dataclass(frozen=True)
class CheckRecord:
    """One physical-validity check of one phase."""

    phase: str
    check: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Consistency:
    """Functional, ENCUT and POTCAR family per phase, where known, and whether they agree."""

    functional: dict[str, str]
    encut_eV: dict[str, float]
    potcar_family: dict[str, str]
    consistent: bool
    message: str


@dataclass(frozen=True)
class ProblemRecord:
    """An input that could not be used, and what is missing because of it."""

    phase: str | None
    path: str
    reason: str
    missing: str

    @classmethod
    def of(cls, problem: Problem) -> ProblemRecord:
        return cls(problem.phase, problem.path, problem.reason, problem.missing)


@dataclass(frozen=True)
class Missing:
    """A quantity that could not be computed, and why."""

    quantity: str
    reason: str
