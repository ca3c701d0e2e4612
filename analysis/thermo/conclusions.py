"""The conclusions table: whether each of the paper's claims holds under a model, at each temperature.

For a system with a published study (Na–S), the paper's claims are judged "yes" or "no" with the
numbers that decide them; for any other system the generic claims get a value (how many stable
compounds, plateaus, which single bypass removes one, the shallowest compound). ``combine`` puts
several models' conclusions together: a claim that holds under some models and not others is
"model-dependent", never a yes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedEntry

from nasx.analysis.document_sections import ClaimRecord, ConclusionsRecord
from nasx.analysis.thermo.claims import (
    HULL_DEPTH_DEFINITION,
    MODEL_DEPENDENT,
    NO,
    NOT_EVALUATED,
    YES,
    Claim,
    Finding,
    generic_judges,
    paper_judges,
)
from nasx.analysis.thermo.paper import CITATION, Published, published_for
from nasx.analysis.thermo.phase_diagram import thermodynamics_at
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import PLATEAU_RESOLUTION_V
from nasx.chemistry import BinarySystem

__all__ = ["HULL_DEPTH_DEFINITION", "MODEL_DEPENDENT", "NOT_EVALUATED", "Claim", "Conclusions"]
__all__ += ["Finding", "Row", "combine", "evaluate", "paper_standard_hull_depths"]


@dataclass(frozen=True)
class Row:
    """One claim at one temperature: the verdict and, for a committee, each model's finding."""

    claim: Claim
    temperature_K: float
    finding: Finding
    """One model's finding; for a committee, the combined verdict (its numbers are per model)."""
    by_model: Mapping[str, Finding] = field(default_factory=dict)

    def to_record(self) -> ClaimRecord:
        """This row in results.json: ``numbers`` for one model, ``models`` for a committee."""
        committee = bool(self.by_model)
        return ClaimRecord(
            claim=self.claim.id,
            statement=self.claim.statement,
            paper_claim=self.claim.paper,
            temperature_K=_number(self.temperature_K),
            verdict=self.finding.verdict,
            models={m: f.to_record() for m, f in self.by_model.items()} if committee else None,
            numbers=None if committee else dict(self.finding.numbers),
        )


@dataclass(frozen=True)
class Conclusions:
    """The claims of one model (``models`` empty) or of a committee (``models`` named)."""

    system: BinarySystem
    temperatures_K: tuple[float, ...]
    rows: tuple[Row, ...]
    models: tuple[str, ...] = ()

    @property
    def published(self) -> Published | None:
        return published_for(self.system)

    def row(self, claim_id: str, temperature_K: float) -> Row:
        """The row of ``claim_id`` at ``temperature_K`` (KeyError when there is none)."""
        for row in self.rows:
            if row.claim.id == claim_id and row.temperature_K == temperature_K:
                return row
        raise KeyError((claim_id, temperature_K))

    def claims(self) -> list[Claim]:
        """The claims in table order."""
        return list({row.claim.id: row.claim for row in self.rows}.values())

    def to_record(self) -> ConclusionsRecord:
        """results.json's ``conclusions``: the definitions used, then one entry per claim and
        temperature (``numbers`` for one model; ``models`` with each one's verdict and numbers
        for a committee)."""
        return ConclusionsRecord(
            claims_of=_source(self.published),
            hull_depth_definition=HULL_DEPTH_DEFINITION,
            plateau_resolution_V=PLATEAU_RESOLUTION_V,
            verdicts=_verdict_words(self.published is not None),
            models=list(self.models) or None,
            claims=[row.to_record() for row in self.rows],
        )


def evaluate(result: StudyResult) -> Conclusions:
    """Every claim at every temperature of ``result``, under the model that produced it."""
    published = published_for(result.system)
    judges = paper_judges(published) if published else generic_judges(result)
    rows = tuple(
        Row(claim, t, judge(result, t)) for t in result.temperatures_K for claim, judge in judges
    )
    return Conclusions(result.system, tuple(result.temperatures_K), rows)


def combine(by_model: Mapping[str, Conclusions]) -> Conclusions:
    """One table for several models: a verdict shared by every model stands, "model-dependent"
    where they differ ("not evaluated" where a model could not judge it); each model's finding
    is kept."""
    if not by_model:
        raise ValueError("combine needs at least one model's conclusions")
    systems = {c.system for c in by_model.values()}
    if len(systems) > 1:
        raise ValueError(f"conclusions of different systems: {', '.join(s.name for s in systems)}")
    if any(c.models for c in by_model.values()):
        raise ValueError("combine takes single models' conclusions, not committees'")
    temperatures = sorted({t for c in by_model.values() for t in c.temperatures_K})
    claims = {claim.id: claim for c in by_model.values() for claim in c.claims()}
    rows = []
    for t in temperatures:
        for claim in claims.values():
            findings = {}
            for model, conclusions in by_model.items():
                try:
                    findings[model] = conclusions.row(claim.id, t).finding
                except KeyError:
                    findings[model] = Finding(NOT_EVALUATED, f"no analysis at {t:g} K")
            verdict = _combined({f.verdict for f in findings.values()})
            summary = "; ".join(f"{m}: {f.verdict}" for m, f in findings.items())
            rows.append(Row(claim, t, Finding(verdict, summary), findings))
    return Conclusions(systems.pop(), tuple(temperatures), tuple(rows), tuple(by_model))


def paper_standard_hull_depths(published: Published) -> dict[str, float]:
    """Hull depths (meV/atom) that the paper's own formation energies give with nasx's definition."""
    entries = []
    for formula, ef in published.formation_energy_eV_per_atom.items():
        composition = Composition(formula)
        entries.append(ComputedEntry(composition, ef * composition.num_atoms, entry_id=formula))
    thermo = thermodynamics_at(entries, published.system, 0.0)
    return {f: p.hull_distance_meV_per_atom for f, p in thermo.ground_states().items()}


def _combined(verdicts: set[str]) -> str:
    if len(verdicts) == 1:
        return verdicts.pop()
    return NOT_EVALUATED if NOT_EVALUATED in verdicts else MODEL_DEPENDENT


def _source(published: Published | None) -> str:
    return CITATION if published else "generic claims (no published study of this system)"


def _verdict_words(paper: bool) -> dict[str, str]:
    words = {
        MODEL_DEPENDENT: "holds under some models and not under others",
        NOT_EVALUATED: "a phase the claim needs is missing (or a model lacks the temperature)",
    }
    if paper:
        return {
            YES: "the claim holds as stated (n plateaus: n distinguishable at plateau_resolution_V)",
            NO: "the claim does not hold (the deciding numbers say which way it differs)",
            **words,
        }
    return {"value": "the generic claims' verdict is their value", **words}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)
