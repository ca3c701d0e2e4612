"""The study: entries → thermodynamics and voltage profiles at every temperature → results.json."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pymatgen.core import Composition

from nasx import __version__
from nasx.analysis.document import ResultsDocument
from nasx.analysis.document_sections import (
    KineticProfile,
    Ocv,
    PaperGrouping,
    PhaseSummary,
    PlateauCounts,
    PolymorphSummary,
)
from nasx.analysis.thermo.entries import (
    Entry,
    common_temperatures,
    entry_label,
    free_energies,
    infer_system,
    volume_A3_per_atom,
)
from nasx.analysis.thermo.paper import default_bypass, published_for
from nasx.analysis.thermo.phase_diagram import Thermodynamics, thermodynamics_at
from nasx.analysis.thermo.voltage import (
    PLATEAU_RESOLUTION_V,
    Plateau,
    bypassed_plateaus,
    distinguishable,
    grouped,
    plateaus,
)
from nasx.chemistry import BinarySystem
from nasx.errors import NasxInputError
from nasx.units import temperature_key

ENERGY_MODEL = "G(T) = E_static + F_vib,harmonic(T) per atom; T = 0 K uses static energies"


@dataclass
class StudyResult:
    """All numbers of one analysis, keyed by temperature in K."""

    system: BinarySystem
    temperatures_K: list[float]
    bypassed: list[str]
    thermo: dict[float, Thermodynamics]
    thermodynamic: dict[float, list[Plateau]]
    kinetic: dict[float, list[Plateau]]
    single_bypass: dict[float, dict[str, list[Plateau]]]
    volumes_A3_per_atom: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    left_out: dict[float, list[str]] = field(default_factory=dict)
    """Entries without F_vib at a temperature, left out of that temperature's phase diagram."""

    def to_document(self, **fields: Any) -> ResultsDocument:
        """The results.json document of this study; ``fields`` are its other sections
        (``provenance`` at least: see ``ResultsDocument``)."""
        temperatures = self.temperatures_K
        keys = {t: temperature_key(t) for t in temperatures}
        references = {
            str(el): {keys[t]: self._label_of(t, entry) for t in temperatures}
            for el, entry in self.thermo[temperatures[0]].phase_diagram.el_refs.items()
        }
        return ResultsDocument(
            nasx_version=__version__,
            system=self.system,
            temperatures_K=[float(t) if t % 1 else int(t) for t in temperatures],
            energy_model=ENERGY_MODEL,
            reference_states=references,
            phases=self._phases(keys),
            polymorphs=self._polymorphs(keys),
            ocv=self._ocv(keys),
            warnings=list(self.warnings),
            left_out={keys[t]: self.left_out[t] for t in sorted(self.left_out)} or None,
            **fields,
        )

    def _phases(self, keys: dict[float, str]) -> dict[str, PhaseSummary]:
        """Each composition's ground state, in order of first appearance; null where it was
        left out at a temperature."""
        temperatures = self.temperatures_K
        ground = {t: self.thermo[t].ground_states() for t in temperatures}

        def each(formula: str, name: str) -> dict[str, Any]:
            return {
                keys[t]: getattr(ground[t][formula], name) if formula in ground[t] else None
                for t in temperatures
            }

        summaries = {}
        for formula in dict.fromkeys(f for t in temperatures for f in ground[t]):
            present = {keys[t]: ground[t][formula] for t in temperatures if formula in ground[t]}
            first = ground[temperatures[0]].get(formula)
            summaries[formula] = PhaseSummary(
                ion_fraction=next(iter(present.values())).ion_fraction,
                formation_energy_eV_per_atom=each(formula, "formation_energy_eV_per_atom"),
                hull_distance_meV_per_atom=each(formula, "hull_distance_meV_per_atom"),
                stable=each(formula, "stable"),
                competing_phases={k: list(p.competing) for k, p in present.items()},
                polymorph={k: p.label for k, p in present.items()},
                volume_A3_per_atom=self.volumes_A3_per_atom.get(first.label) if first else None,
            )
        return summaries

    def _polymorphs(self, keys: dict[float, str]) -> dict[str, PolymorphSummary]:
        """Every entry's own values at each temperature where it was present."""
        found: dict[str, PolymorphSummary] = {}
        for t in self.temperatures_K:
            for item in self.thermo[t].entries:
                record = found.setdefault(item.label, PolymorphSummary(item.formula, {}, {}))
                record.formation_energy_eV_per_atom[keys[t]] = item.formation_energy_eV_per_atom
                record.hull_distance_meV_per_atom[keys[t]] = item.hull_distance_meV_per_atom
        return found

    def _ocv(self, keys: dict[float, str]) -> Ocv:
        temperatures = self.temperatures_K

        def profile(by_t: dict[float, list[Plateau]]) -> dict[str, list[Plateau]]:
            return {keys[t]: list(by_t[t]) for t in temperatures}

        def counts(
            by_t: dict[float, list[Plateau]], count: Callable[[list[Plateau]], int]
        ) -> dict[str, int]:
            return {keys[t]: count(by_t[t]) for t in temperatures}

        published = published_for(self.system)
        groups = published.plateau_groups if published else None
        return Ocv(
            thermodynamic=profile(self.thermodynamic),
            kinetic=KineticProfile(list(self.bypassed), profile(self.kinetic)),
            single_bypass={
                formula: {
                    keys[t]: list(self.single_bypass[t][formula])
                    if formula in self.single_bypass[t]
                    else None
                    for t in temperatures
                }
                for formula in self.single_bypass[temperatures[0]]
            },
            plateaus_in_paper_grouping=PaperGrouping(
                groups,
                counts(self.thermodynamic, lambda steps: grouped(steps, groups)),
                counts(self.kinetic, lambda steps: grouped(steps, groups)),
            )
            if groups is not None
            else None,
            distinguishable_plateaus=PlateauCounts(
                PLATEAU_RESOLUTION_V,
                counts(self.thermodynamic, distinguishable),
                counts(self.kinetic, distinguishable),
            ),
        )

    def _label_of(self, temperature_K: float, reference: Entry) -> str:
        element = self.system.formula(reference.composition)
        return self.thermo[temperature_K].ground_states()[element].label


def analyze(
    entries: Sequence[Entry],
    *,
    temperatures_K: Sequence[float] | None = None,
    bypass: Sequence[str] | None = None,
    system: BinarySystem | None = None,
    source: str | Path | None = None,
    missing_ok: bool = False,
) -> StudyResult:
    """Formation energies, hull distances and voltage profiles at every temperature.

    ``temperatures_K`` defaults to 0 K plus every temperature at which all entries carry F_vib.
    ``bypass`` names the formulas skipped on the kinetic path (default: the study's, Na2S2 for
    Na–S). ``source`` names the input in error messages. With ``missing_ok``, an entry without
    F_vib at a temperature is left out of that temperature (and listed in ``left_out``) instead
    of being an error.
    """
    entries = list(entries)
    system = infer_system(entries, source, declared=system)
    warnings: list[str] = []
    common, partial = common_temperatures(entries)
    if temperatures_K is None:
        temperatures_K = [0.0, *common]
        if partial:
            warnings.append(
                "F_vib given for only some entries at "
                + ", ".join(f"{t:g}" for t in partial)
                + " K; those temperatures are left out"
            )
    temperatures_K = sorted({float(t) for t in temperatures_K})
    if any(t < 0 for t in temperatures_K):
        raise NasxInputError(source, "temperatures must be ≥ 0 K")

    formulas = {system.formula(e.composition) for e in entries}
    if bypass is None:  # the study's default, for the phases present
        bypass = [f for f in default_bypass(system) if f in formulas]
    bypass = list(bypass)
    unknown = [b for b in bypass if b not in formulas]
    if unknown:
        raise NasxInputError(
            source,
            f"cannot bypass {', '.join(unknown)}: no such phase (phases: {', '.join(sorted(formulas))})",
        )
    if set(bypass) & set(system.elements):
        raise NasxInputError(source, "cannot bypass an elemental reference")

    thermo, thermodynamic, kinetic, single, left_out = {}, {}, {}, {}, {}
    for t in temperatures_K:
        present = entries
        if missing_ok and t > 0:
            present = [e for e in entries if t in free_energies(e)]
            if len(present) < len(entries):
                left_out[t] = sorted(
                    entry_label(e, system) for e in entries if t not in free_energies(e)
                )
        absent = [
            el
            for el in system.elements
            if not any(e.is_element and system.formula(e.composition) == el for e in present)
        ]
        if absent and (t == 0 or not missing_ok):
            raise NasxInputError(
                source,
                f"no phase diagram: no entry for the elemental reference {', '.join(absent)}",
            )
        if absent:
            warnings.append(
                f"no phase diagram at {t:g} K: the elemental reference {', '.join(absent)} has no F_vib there"
            )
            left_out.pop(t, None)
            continue
        try:
            thermo[t] = thermodynamics_at(present, system, t)
        except NasxInputError as exc:
            raise NasxInputError(source, exc.problem) from None
        shifted = list(thermo[t].phase_diagram.all_entries)
        thermodynamic[t] = plateaus(thermo[t].phase_diagram, system)
        formulas_at_t = {system.formula(e.composition) for e in shifted}
        kinetic[t] = bypassed_plateaus(shifted, system, [b for b in bypass if b in formulas_at_t])
        single[t] = {}
    temperatures_K = [t for t in temperatures_K if t in thermo]
    intermediates = sorted(
        {step.phase_end for t in temperatures_K for step in thermodynamic[t][:-1]},
        key=lambda f: system.ion_fraction(Composition(f)),
    )
    for t in temperatures_K:
        shifted = list(thermo[t].phase_diagram.all_entries)
        formulas_at_t = {system.formula(e.composition) for e in shifted}
        single[t] = {
            f: bypassed_plateaus(shifted, system, [f]) for f in intermediates if f in formulas_at_t
        }

    volumes = {
        entry_label(e, system): v for e in entries if (v := volume_A3_per_atom(e)) is not None
    }
    warnings += _physics_warnings(thermo, system)
    return StudyResult(
        system=system,
        temperatures_K=list(temperatures_K),
        bypassed=bypass,
        thermo=thermo,
        thermodynamic=thermodynamic,
        kinetic=kinetic,
        single_bypass=single,
        volumes_A3_per_atom=volumes,
        warnings=warnings,
        left_out=left_out,
    )


def _physics_warnings(thermo: dict[float, Thermodynamics], system: BinarySystem) -> list[str]:
    """Changes of the stable set with temperature, and deviations from the published study."""
    notes = []
    temperatures = sorted(thermo)
    stable = {
        t: {f for f, p in thermo[t].ground_states().items() if p.stable} for t in temperatures
    }
    for t in temperatures[1:]:
        present = set(thermo[t].ground_states())  # phases left out at t are neither lost nor gained
        lost = (stable[temperatures[0]] - stable[t]) & present
        gained = stable[t] - stable[temperatures[0]]
        if lost:
            notes.append(f"at {t:g} K {', '.join(sorted(lost))} is no longer on the hull")
        if gained:
            notes.append(f"at {t:g} K {', '.join(sorted(gained))} becomes stable")
    published = published_for(system)
    if published:
        for t in temperatures:
            unstable = [
                f
                for f in published.hull_depth_meV_per_atom
                if f in thermo[t].ground_states() and f not in stable[t]
            ]
            if unstable:
                notes.append(
                    f"at {t:g} K {', '.join(unstable)} lies above the hull, unlike the paper where all four Na2Sx are stable"
                )
    return notes
