"""The spread across a committee of models: each model's value, min and max of every formation
energy, hull distance and plateau at every temperature, and the voltage band for figures.

Plateaus differ in number between models. Where the system has a published study they are
matched in its grouping (Na–S: S8 → Na2S5/Na2S4 is one plateau, whichever of its steps a model
resolves); otherwise by reaction, the two phases a plateau lies between. A plateau one model
lacks is ``absent`` under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from nasx.analysis.document_sections import (
    CommitteeRecord,
    PathSpreadRecord,
    PhaseSpreadRecord,
    PlateauSpreadRecord,
    SpreadRecord,
    TemperatureSpreadRecord,
)
from nasx.analysis.report.provenance import Provenance
from nasx.analysis.thermo.paper import published_for
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import BandSegment, Plateau
from nasx.chemistry import BinarySystem
from nasx.units import temperature_key


@dataclass(frozen=True)
class ModelOutput:
    """One model's finished analysis: its study, what produced it, and where its results are
    (``results_path`` relative to the committee's directory)."""

    name: str
    study: StudyResult
    provenance: Provenance
    results_path: str
    entropy_vs_measured_J_per_mol_K_per_atom: dict[str, float] = field(default_factory=dict)
    """Phase id → computed − measured S(298.15 K), per atom, where the model's analysis checked
    it against calorimetry (its ``experiment`` section)."""


@dataclass(frozen=True)
class Spread:
    """One quantity under every model: its value (None: absent under that model)."""

    by_model: dict[str, float | None]

    @property
    def present(self) -> list[float]:
        return [v for v in self.by_model.values() if v is not None]

    @property
    def min(self) -> float | None:
        return min(self.present) if self.present else None

    @property
    def max(self) -> float | None:
        return max(self.present) if self.present else None

    @property
    def range(self) -> float | None:
        """max − min over the models that have the quantity."""
        return self.max - self.min if self.present else None

    @property
    def absent_under(self) -> list[str]:
        return [m for m, v in self.by_model.items() if v is None]

    def to_record(self) -> SpreadRecord:
        return SpreadRecord(dict(self.by_model), self.min, self.max, self.range, self.absent_under)


@dataclass(frozen=True)
class PhaseSpread:
    formula: str
    formation_energy_eV_per_atom: Spread
    hull_distance_meV_per_atom: Spread

    def to_record(self) -> PhaseSpreadRecord:
        return PhaseSpreadRecord(
            self.formation_energy_eV_per_atom.to_record(),
            self.hull_distance_meV_per_atom.to_record(),
        )


@dataclass(frozen=True)
class PlateauSpread:
    """One matched plateau: ``plateau`` names it (``Na2S5/Na2S4 → Na2S2``), ``reactions`` is
    each model's reaction (its steps, joined), ``voltage_V`` each model's (charge-weighted
    over its steps)."""

    plateau: str
    reactions: dict[str, str | None]
    voltage_V: Spread

    def to_record(self) -> PlateauSpreadRecord:
        return PlateauSpreadRecord(self.plateau, dict(self.reactions), self.voltage_V.to_record())


@dataclass(frozen=True)
class PathSpread:
    """One path (thermodynamic or kinetic) at one temperature: its plateaus as matched (the
    paper's grouping, else by reaction), every single step matched by reaction, the band."""

    plateaus: tuple[PlateauSpread, ...]
    steps: tuple[PlateauSpread, ...]
    band: tuple[BandSegment, ...]

    def to_record(self) -> PathSpreadRecord:
        return PathSpreadRecord(
            [p.to_record() for p in self.plateaus],
            [p.to_record() for p in self.steps],
            list(self.band),
        )


@dataclass(frozen=True)
class TemperatureSpread:
    temperature_K: float
    phases: tuple[PhaseSpread, ...]
    thermodynamic: PathSpread
    kinetic: PathSpread

    def to_record(self) -> TemperatureSpreadRecord:
        return TemperatureSpreadRecord(
            {p.formula: p.to_record() for p in self.phases},
            self.thermodynamic.to_record(),
            self.kinetic.to_record(),
        )


@dataclass(frozen=True)
class CommitteeSpread:
    """The spread of a committee: ``models`` in order, every temperature any model has."""

    system: BinarySystem
    models: tuple[str, ...]
    temperatures_K: tuple[float, ...]
    matching: str
    """How plateaus are matched: "paper's grouping" or "reaction"."""
    by_temperature: dict[float, TemperatureSpread]

    def to_record(self) -> CommitteeRecord:
        """results.json's ``committee``."""
        return CommitteeRecord(
            list(self.models),
            [int(t) if t == int(t) else t for t in self.temperatures_K],
            self.matching,
            {temperature_key(t): s.to_record() for t, s in self.by_temperature.items()},
        )


def committee_spread(results: Mapping[str, StudyResult]) -> CommitteeSpread:
    """The spread across ``results`` (model name → its study, all of one system)."""
    if not results:
        raise ValueError("a committee needs at least one model")
    systems = {r.system for r in results.values()}
    if len(systems) > 1:
        raise ValueError(f"different systems: {', '.join(sorted(map(str, systems)))}")
    system = next(iter(systems))
    published = published_for(system)
    groups = published.plateau_groups if published else {}
    temperatures = tuple(sorted({t for r in results.values() for t in r.temperatures_K}))
    by_t = {}
    for t in temperatures:
        present = {m: r for m, r in results.items() if t in r.temperatures_K}
        by_t[t] = TemperatureSpread(
            t,
            _phases(results, present, t, system),
            _path(results, {m: r.thermodynamic[t] for m, r in present.items()}, groups),
            _path(results, {m: r.kinetic[t] for m, r in present.items()}, groups),
        )
    return CommitteeSpread(
        system,
        tuple(results),
        temperatures,
        "paper's grouping" if groups else "reaction",
        by_t,
    )


def _phases(
    results: Mapping[str, StudyResult],
    present: Mapping[str, StudyResult],
    t: float,
    system: BinarySystem,
) -> tuple[PhaseSpread, ...]:
    ground = {m: r.thermo[t].ground_states() for m, r in present.items()}
    formulas = sorted(
        {f for g in ground.values() for f in g},
        key=lambda f: next(g[f].ion_fraction for g in ground.values() if f in g),
    )

    def spread(formula: str, field: str) -> Spread:
        return Spread(
            {
                m: getattr(ground[m][formula], field)
                if m in ground and formula in ground[m]
                else None
                for m in results
            }
        )

    return tuple(
        PhaseSpread(
            f,
            spread(f, "formation_energy_eV_per_atom"),
            spread(f, "hull_distance_meV_per_atom"),
        )
        for f in formulas
    )


@dataclass(frozen=True)
class _Merged:
    key: str
    voltage_V: float
    reaction: str
    x_start: float


def merged_plateaus(steps: Sequence[Plateau], groups: Mapping[str, str]) -> list[_Merged]:
    """Steps whose products share a group as one plateau, named ``start group → end group``,
    at the charge-weighted mean voltage of its steps (the voltage of the overall reaction)."""
    members: dict[str, list[str]] = {}
    for formula, label in groups.items():
        members.setdefault(label, []).append(formula)

    def name(formula: str) -> str:
        return "/".join(members[groups[formula]]) if formula in groups else formula

    runs: list[list[Plateau]] = []
    for step in steps:
        if runs and name(runs[-1][-1].phase_end) == name(step.phase_end):
            runs[-1].append(step)
        else:
            runs.append([step])
    merged = []
    for run in runs:
        charges = [_ions(p.x_end) - _ions(p.x_start) for p in run]
        voltage = sum(p.voltage_V * q for p, q in zip(run, charges, strict=True)) / sum(charges)
        merged.append(
            _Merged(
                f"{name(run[0].phase_start)} → {name(run[-1].phase_end)}",
                voltage,
                "; ".join(p.reaction for p in run),
                run[0].x_start,
            )
        )
    return merged


def _ions(x: float) -> float:
    """Ions per X atom at A fraction ``x``."""
    return x / (1 - x)


def _path(
    results: Mapping[str, StudyResult],
    steps: Mapping[str, list[Plateau]],
    groups: Mapping[str, str],
) -> PathSpread:
    return PathSpread(
        _matched(results, steps, groups),
        _matched(results, steps, {}),
        voltage_band(steps.values()),
    )


def _matched(
    results: Mapping[str, StudyResult],
    steps: Mapping[str, list[Plateau]],
    groups: Mapping[str, str],
) -> tuple[PlateauSpread, ...]:
    merged = {m: {p.key: p for p in merged_plateaus(s, groups)} for m, s in steps.items()}
    keys = sorted(
        {k for plateaus in merged.values() for k in plateaus},
        key=lambda k: min(p[k].x_start for p in merged.values() if k in p),
    )
    return tuple(
        PlateauSpread(
            key,
            {m: merged[m][key].reaction if key in merged.get(m, {}) else None for m in results},
            Spread(
                {m: merged[m][key].voltage_V if key in merged.get(m, {}) else None for m in results}
            ),
        )
        for key in keys
    )


def voltage_band(profiles: Iterable[Sequence[Plateau]]) -> tuple[BandSegment, ...]:
    """Min and max voltage over ``profiles`` between every two neighbouring plateau edges."""
    profiles = list(profiles)
    edges = sorted({x for steps in profiles for p in steps for x in (p.x_start, p.x_end)})
    band = []
    for left, right in pairwise(edges):
        middle = (left + right) / 2
        voltages = [
            p.voltage_V for steps in profiles for p in steps if p.x_start <= middle <= p.x_end
        ]
        if voltages:
            band.append(BandSegment(left, right, min(voltages), max(voltages)))
    return tuple(band)
