"""The report's "Conclusions" section: one row per claim, one column per temperature."""

from __future__ import annotations

from nasx.analysis.thermo.claims import RESOLUTION_MV
from nasx.analysis.thermo.conclusions import (
    HULL_DEPTH_DEFINITION,
    MODEL_DEPENDENT,
    NOT_EVALUATED,
    Conclusions,
    Finding,
    paper_standard_hull_depths,
)
from nasx.analysis.thermo.paper import CITATION


def markdown(conclusions: Conclusions) -> str:
    """The section as Markdown: verdicts (with one model's deciding numbers in each cell, or each
    model's verdict and a table of their numbers for a committee), then the definitions."""
    published = conclusions.published
    temps = conclusions.temperatures_K
    committee = bool(conclusions.models)
    under = (
        f"under each model ({', '.join(conclusions.models)})" if committee else "under this model"
    )
    if published:
        intro = (
            f"The paper's claims ({CITATION}) {under}, at each temperature: **yes** or **no**"
            + (", or **model-dependent** where the models disagree" if committee else "")
            + ', with the numbers that decide it ("not evaluated": a phase the claim needs is '
            "missing)."
        )
    else:
        intro = (
            f"No published study of this system: the generic claims {under}, at each temperature; "
            "each verdict is a value"
            + (" (**model-dependent** where the models disagree)" if committee else "")
            + "."
        )
    rows = []
    for claim in conclusions.claims():
        cells = [claim.statement]
        for t in temps:
            try:
                row = conclusions.row(claim.id, t)
            except KeyError:
                cells.append("–")
                continue
            agreed = committee and row.finding.verdict not in (MODEL_DEPENDENT, NOT_EVALUATED)
            cells.append(
                f"**{row.finding.verdict}**" if agreed else _cell(row.finding, not committee)
            )
        rows.append(cells)
    lines = [
        "## Conclusions",
        "",
        intro,
        "",
        *_table(["claim", *(f"{t:g} K" for t in temps)], rows),
    ]
    if committee:
        detail = [
            [row.claim.statement, f"{row.temperature_K:g} K"]
            + [_cell(row.by_model[m], True) for m in conclusions.models]
            for row in conclusions.rows
        ]
        lines += ["", "Each model's deciding numbers:", ""]
        lines += _table(["claim", "T", *conclusions.models], detail)
    lines += ["", f"- Hull depth: {HULL_DEPTH_DEFINITION}."]
    if published:
        standard = paper_standard_hull_depths(published)
        compounds = [f for f in standard if f in published.hull_depth_meV_per_atom]
        shallowest = max(compounds, key=lambda f: standard[f])
        lines.append(
            "- The paper's published depths ("
            + ", ".join(f"{f} {published.hull_depth_meV_per_atom[f][0]:.0f}" for f in compounds)
            + " meV/atom) do not follow from its own formation energies; with them this "
            "definition gives "
            + ", ".join(f"{f} {standard[f]:.1f}" for f in compounds)
            + f" meV/atom, so on the paper's own energies the shallowest is {shallowest}."
        )
        groups = published.plateau_groups
        merged = {g: [f for f, h in groups.items() if h == g] for g in groups.values()}
        lines.append(
            "- Plateaus: a claim of n plateaus holds (**yes**) when the profile has n plateaus "
            f"distinguishable at {RESOLUTION_MV:.0f} mV (closer steps count as one) and they are "
            "the paper's: its grouping, where "
            + "; ".join(
                f"the steps to {' and '.join(fs)} count as one ({g})"
                for g, fs in merged.items()
                if len(fs) > 1
            )
            + ", merges no distinguishable steps and keeps none apart that are not. The grouping "
            "alone decides the bypass claim."
        )
    else:
        lines.append(
            f"- Plateaus: steps closer than {RESOLUTION_MV:.0f} mV count as one; a single "
            "bypass removes a plateau when the profile without that phase has fewer."
        )
    return "\n".join(lines)


def _cell(finding: Finding, with_numbers: bool) -> str:
    verdict = f"**{finding.verdict}**"
    if not finding.summary:
        return verdict
    return f"{verdict}: {finding.summary}" if with_numbers else f"{verdict} ({finding.summary})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
