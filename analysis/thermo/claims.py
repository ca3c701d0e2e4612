"""The claims of the conclusions table, and how each is judged under one model at one temperature.

The paper's claims (Na–S) are judged "yes" or "no"; the generic claims of any other system have a
value as their verdict (a count, formulas). Each finding carries the numbers that decide it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from pymatgen.core import Composition

from nasx.analysis.document_sections import FindingRecord
from nasx.analysis.thermo.paper import Published
from nasx.analysis.thermo.phase_diagram import PhaseThermo
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import (
    PLATEAU_RESOLUTION_V,
    Plateau,
    bypassed_plateaus,
    distinguishable,
    grouped,
)
from nasx.wording import counted

YES, NO = "yes", "no"
MODEL_DEPENDENT = "model-dependent"
"""The verdict of a claim that holds under some models and not under others."""
NOT_EVALUATED = "not evaluated"
"""The verdict where a phase the claim needs is not in the analysis (or a model lacks the
temperature)."""
PAPER_SHALLOWEST = "Na2S2"
RESOLUTION_MV = PLATEAU_RESOLUTION_V * 1000
"""The resolution in the plateau claims' words: a paper claim of n plateaus holds ("yes") when
the profile has n plateaus distinguishable at it, without the paper's grouping."""

HULL_DEPTH_DEFINITION = (
    "a stable compound's formation energy minus that of the mixture of its two neighbouring hull "
    "phases at the same composition (the paper's definition, nasx's hull distance; negative = "
    "stable); the shallowest compound is the stable one closest to 0"
)


@dataclass(frozen=True)
class Claim:
    """One claim. ``paper``: the published study's claim, judged yes/no; otherwise a generic
    claim whose verdict is a value (a count, a formula)."""

    id: str
    statement: str
    paper: bool


@dataclass(frozen=True)
class Finding:
    """One claim at one temperature under one model: the verdict, the deciding numbers in words
    (``summary``) and as JSON-ready numbers with units in their names (``numbers``)."""

    verdict: str
    summary: str
    numbers: Mapping[str, object] = field(default_factory=dict)

    def to_record(self) -> FindingRecord:
        return FindingRecord(self.verdict, dict(self.numbers))


Judge = Callable[[StudyResult, float], Finding]


def paper_judges(published: Published) -> list[tuple[Claim, Judge]]:
    compounds = _paper_compounds(published)
    bypass = " + ".join(published.kinetic_bypass)

    def needs_all(judge: Callable[[StudyResult, float, dict[str, PhaseThermo]], Finding]) -> Judge:
        """The paper's claims are about its compounds: not evaluated when one is missing."""

        def judged(result: StudyResult, t: float) -> Finding:
            ground = result.thermo[t].ground_states()
            absent = [f for f in compounds if f not in ground]
            if absent:
                return Finding(
                    NOT_EVALUATED,
                    f"not in the analysis at {t:g} K: {', '.join(absent)}",
                    {"absent": absent},
                )
            return judge(result, t, ground)

        return judged

    def all_stable(result: StudyResult, t: float, ground: dict[str, PhaseThermo]) -> Finding:
        distances = {f: ground[f].hull_distance_meV_per_atom for f in compounds}
        stable = [f for f in compounds if ground[f].stable]
        unstable = [f for f in compounds if not ground[f].stable]
        summary = f"{len(stable)} of {len(compounds)}"
        if unstable:
            summary += "; " + ", ".join(f"{f} {distances[f]:+.1f}" for f in unstable)
            summary += " meV/atom above the hull"
        if stable:  # every depth here: "is Na2S2 stable, and by how much" is answered in this row
            summary += "; hull depths " + ", ".join(f"{f} {distances[f]:.1f}" for f in stable)
            summary += " meV/atom"
        numbers = {"stable": stable, "stable_count": len(stable)}
        numbers["hull_distance_meV_per_atom"] = distances
        return Finding(NO if unstable else YES, summary, numbers)

    def thermodynamic(result: StudyResult, t: float, ground: dict[str, PhaseThermo]) -> Finding:
        return _plateau_finding(result.thermodynamic[t], published, 3)

    def kinetic(result: StudyResult, t: float, ground: dict[str, PhaseThermo]) -> Finding:
        finding = _plateau_finding(_without(result, t, published.kinetic_bypass), published, 2)
        return Finding(
            finding.verdict,
            finding.summary,
            {"bypassed": list(published.kinetic_bypass), **finding.numbers},
        )

    def single(result: StudyResult, t: float, ground: dict[str, PhaseThermo]) -> Finding:
        groups = published.plateau_groups
        base = grouped(result.thermodynamic[t], groups)
        without = {f: grouped(s, groups) for f, s in result.single_bypass[t].items()}
        named = list(published.kinetic_bypass)
        for f in named:  # not on the hull at any temperature: bypassing it changes nothing
            without.setdefault(f, base)
        removing = [f for f, n in without.items() if n < base]
        holds = all(f in removing for f in named)
        others = [f for f in removing if f not in named]
        summary = (
            f"{base} → {' / '.join(str(without[f]) for f in named)} without {bypass}; "
            f"other single bypasses that remove one: {', '.join(others) or 'none'}"
        )
        numbers = {
            "plateaus_in_paper_grouping": base,
            "plateaus_in_paper_grouping_without": without,
            "distinguishable_plateaus_without": {
                f: distinguishable(s) for f, s in result.single_bypass[t].items()
            },
            "single_bypasses_removing_a_plateau": removing,
        }
        return Finding(YES if holds else NO, summary, numbers)

    def shallowest(result: StudyResult, t: float, ground: dict[str, PhaseThermo]) -> Finding:
        ranked, numbers = _by_depth({f: ground[f] for f in compounds})
        paper = ground[PAPER_SHALLOWEST]
        if ranked and ranked[0] == PAPER_SHALLOWEST:
            summary = _depth_words(ground, ranked[:1]) + (
                f"; next {_depth_words(ground, ranked[1:2])}" if len(ranked) > 1 else ""
            )
            return Finding(YES, summary, numbers)
        mine = (
            _depth_words(ground, [PAPER_SHALLOWEST])
            if paper.stable
            else f"{PAPER_SHALLOWEST} is above the hull ({paper.hull_distance_meV_per_atom:+.1f} meV/atom)"
        )
        shallowest = _depth_words(ground, ranked[:1]) if ranked else "none is stable"
        return Finding(NO, f"{mine}; shallowest {shallowest}", numbers)

    resolution = f"(distinguishable at {RESOLUTION_MV:.0f} mV)"
    statements = {
        "all_intermediates_stable": f"All four intermediates ({', '.join(compounds)}) are on the hull",
        "thermodynamic_three_plateaus": f"The thermodynamic path has three plateaus {resolution}",
        "kinetic_two_plateaus": f"The kinetic path ({bypass} bypassed) has two plateaus {resolution}",
        "bypass_removes_a_plateau": f"Bypassing {bypass} removes a plateau (paper's grouping); "
        "which other single bypass does",
        "na2s2_shallowest": f"{PAPER_SHALLOWEST} is the shallowest intermediate (hull depth)",
    }
    judges = (all_stable, thermodynamic, kinetic, single, shallowest)
    return [
        (Claim(claim_id, statement, True), needs_all(judge))
        for (claim_id, statement), judge in zip(statements.items(), judges, strict=True)
    ]


def generic_judges(result: StudyResult) -> list[tuple[Claim, Judge]]:
    system = result.system

    def compounds(result: StudyResult, t: float) -> dict[str, PhaseThermo]:
        ground = result.thermo[t].ground_states()
        return {f: p for f, p in ground.items() if f not in system.elements}

    def stable(result: StudyResult, t: float) -> Finding:
        found = compounds(result, t)
        on_hull = [f for f, p in found.items() if p.stable]
        verdict = f"{len(on_hull)} of {len(found)}" + (f": {', '.join(on_hull)}" if on_hull else "")
        distances = {f: p.hull_distance_meV_per_atom for f, p in found.items()}
        summary = ", ".join(f"{f} {d:+.1f}" for f, d in distances.items()) + " meV/atom"
        numbers = {"stable": on_hull, "stable_count": len(on_hull), "compounds_count": len(found)}
        numbers["hull_distance_meV_per_atom"] = distances
        return Finding(verdict, summary, numbers)

    def plateaus_of(steps_at: Callable[[float], list[Plateau]]) -> Judge:
        def judged(result: StudyResult, t: float) -> Finding:
            finding = _plateau_finding(steps_at(t), None, None)
            return Finding(
                str(finding.numbers["distinguishable_plateaus"]), finding.summary, finding.numbers
            )

        return judged

    def single(result: StudyResult, t: float) -> Finding:
        base = distinguishable(result.thermodynamic[t])
        without = {f: distinguishable(s) for f, s in result.single_bypass[t].items()}
        removing = [f for f, n in without.items() if n < base]
        summary = f"{counted(base, 'plateau')}; without " + (
            ", ".join(f"{f}: {n}" for f, n in without.items()) or "–"
        )
        numbers = {"distinguishable_plateaus": base, "distinguishable_plateaus_without": without}
        numbers["single_bypasses_removing_a_plateau"] = removing
        return Finding(", ".join(removing) or "none", summary, numbers)

    def shallowest(result: StudyResult, t: float) -> Finding:
        found = compounds(result, t)
        ranked, numbers = _by_depth(found)
        if not ranked:
            return Finding("none", "no compound is stable", numbers)
        return Finding(ranked[0], _depth_words(found, ranked[:2]), numbers)

    judges: list[tuple[Claim, Judge]] = [
        (Claim("stable_compounds", "Compounds on the hull", False), stable),
        (
            Claim("thermodynamic_plateaus", "Plateaus of the thermodynamic path", False),
            plateaus_of(lambda t: result.thermodynamic[t]),
        ),
    ]
    if result.bypassed:
        statement = f"Plateaus of the kinetic path ({' + '.join(result.bypassed)} bypassed)"
        judges.append(
            (Claim("kinetic_plateaus", statement, False), plateaus_of(lambda t: result.kinetic[t]))
        )
    judges += [
        (Claim("single_bypass", "Single bypasses that remove a plateau", False), single),
        (Claim("shallowest_compound", "Shallowest compound (hull depth)", False), shallowest),
    ]
    return judges


def _plateau_finding(
    steps: list[Plateau], published: Published | None, expected: int | None
) -> Finding:
    """Plateau counts of a profile; with ``published``, judged against the paper's ``expected``
    plateaus: yes when ``expected`` are distinguishable and they are the paper's (its grouping
    merges no distinguishable steps and keeps none apart that are not)."""
    voltages = [p.voltage_V for p in steps]
    count = distinguishable(steps)
    numbers: dict[str, object] = {
        "steps": len(steps),
        "distinguishable_plateaus": count,
        "voltages_V": voltages,
    }
    shown = " / ".join(f"{v:.2f}" for v in voltages) + " V"
    if published is None:
        summary = f"{count} distinguishable ({counted(len(steps), 'step')}): {shown}"
        return Finding(str(count), summary, numbers)
    in_grouping = grouped(steps, published.plateau_groups)
    numbers = {"plateaus_in_paper_grouping": in_grouping, **numbers}
    differences = _grouping_differences(steps, published.plateau_groups)
    summary = f"{count} distinguishable at {RESOLUTION_MV:.0f} mV"
    if count != expected:
        summary += f", not {expected}"
    elif differences:
        summary += f", not the paper's {expected}"
    summary += f" ({shown}); {in_grouping} in the paper's grouping"
    summary += f", which {differences}" if differences else ""
    return Finding(YES if count == expected and not differences else NO, summary, numbers)


def _grouping_differences(steps: list[Plateau], groups: dict[str, str]) -> str:
    """Where the paper's grouping and the resolution count neighbouring steps differently: the
    grouping merges steps that are distinguishable, or keeps apart steps that are not."""
    merged, apart = [], []
    for previous, current in pairwise(steps):
        same = groups.get(previous.phase_end, previous.phase_end) == groups.get(
            current.phase_end, current.phase_end
        )
        gap_mV = abs(previous.voltage_V - current.voltage_V) * 1000
        pair = f"{previous.voltage_V:.2f} and {current.voltage_V:.2f} V ({gap_mV:.0f} mV apart)"
        if same and gap_mV >= RESOLUTION_MV:
            merged.append(pair)
        elif not same and gap_mV < RESOLUTION_MV:
            apart.append(pair)
    words = [f"merges {p}" for p in merged] + [f"keeps apart {p}" for p in apart]
    return " and ".join(words)


def _without(result: StudyResult, t: float, bypass: tuple[str, ...]) -> list[Plateau]:
    """The profile at ``t`` with the phases of ``bypass`` left out (the run's own kinetic path
    when it bypassed exactly those)."""
    if set(bypass) == set(result.bypassed):
        return result.kinetic[t]
    entries = list(result.thermo[t].phase_diagram.all_entries)
    return bypassed_plateaus(entries, result.system, bypass)


def _by_depth(compounds: dict[str, PhaseThermo]) -> tuple[list[str], dict[str, object]]:
    """The stable compounds, shallowest first, and the deciding numbers: the shallowest, every
    stable compound's depth and every unstable one's energy above the hull."""
    depths = {f: p.hull_distance_meV_per_atom for f, p in compounds.items() if p.stable}
    ranked = sorted(depths, key=lambda f: -depths[f])
    numbers: dict[str, object] = {
        "shallowest": ranked[0] if ranked else None,
        "hull_depth_meV_per_atom": depths,
        "above_hull_meV_per_atom": {
            f: p.hull_distance_meV_per_atom for f, p in compounds.items() if not p.stable
        },
    }
    return ranked, numbers


def _depth_words(compounds: Mapping[str, PhaseThermo], formulas: list[str]) -> str:
    return ", ".join(
        f"{f} {compounds[f].hull_distance_meV_per_atom:.1f} meV/atom" for f in formulas
    )


def _paper_compounds(published: Published) -> list[str]:
    """The paper's compounds, A-poor first (Na2S5, Na2S4, Na2S2, Na2S)."""
    system = published.system
    return sorted(
        (f for f in published.hull_depth_meV_per_atom),
        key=lambda f: system.ion_fraction(Composition(f)),
    )
