"""report.md of a committee: the models first, then the spread tables per temperature."""

from __future__ import annotations

from collections.abc import Sequence

from nasx.analysis.thermo.committee import CommitteeSpread, ModelOutput, PathSpread, Spread

_MATCHING = {
    "paper's grouping": "the paper's grouping",
    "reaction": "reaction (the two phases a plateau lies between)",
}


def _value(value: float | None, digits: int) -> str:
    return "absent" if value is None else f"{value:.{digits}f}"


def _row(name: str, spread: Spread, models: Sequence[str], digits: int) -> str:
    cells = [_value(spread.by_model[m], digits) for m in models]
    tail = [_value(spread.min, digits), _value(spread.max, digits), _value(spread.range, digits)]
    note = f" (absent under {', '.join(spread.absent_under)})" if spread.absent_under else ""
    return f"| {name}{note} | " + " | ".join([*cells, *tail]) + " |"


def _header(first: str, models: Sequence[str]) -> list[str]:
    columns = [first, *models, "min", "max", "max − min"]
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def _plateaus(title: str, path: PathSpread, models: Sequence[str], matching: str) -> list[str]:
    lines = [f"{title} (V), plateaus matched by {_MATCHING[matching]}:", ""]
    lines += [*_header("plateau", models)]
    lines += [_row(p.plateau, p.voltage_V, models, 3) for p in path.plateaus]
    if matching != "reaction":
        lines += ["", f"{title}, every step (matched by reaction):", ""]
        lines += [*_header("step", models)]
        lines += [_row(p.plateau, p.voltage_V, models, 3) for p in path.steps]
    return [*lines, ""]


def _against_calorimetry(outputs: Sequence[ModelOutput]) -> list[str]:
    """Each model's S(298.15 K) error beside the others': a spread between models cannot show
    an error they share, so the phases where every model errs the same way are named."""
    errors = {o.name: o.entropy_vs_measured_J_per_mol_K_per_atom for o in outputs}
    phases = sorted({pid for by_phase in errors.values() for pid in by_phase})
    if not phases:
        return []
    lines = [
        "**Against calorimetry.** S(298.15 K) computed − measured, J/(mol·K) per atom (each "
        'model\'s section "Computed and measured"):',
        "",
        "| phase | " + " | ".join(errors) + " |",
        "|" + "---|" * (len(errors) + 1),
    ]
    shared = []
    for pid in phases:
        values = [errors[m].get(pid) for m in errors]
        lines.append(
            f"| {pid} | "
            + " | ".join("not checked" if v is None else f"{v:+.1f}" for v in values)
            + " |"
        )
        if None not in values and len(values) > 1 and len({v > 0 for v in values}) == 1:
            shared.append(f"{pid} ({'above' if values[0] > 0 else 'below'})")
    if shared:
        lines += [
            "",
            f"Every model errs the same way for {', '.join(shared)}: the spread below measures "
            "how far the models disagree, not this error they share.",
        ]
    return [*lines, ""]


def render(
    spread: CommitteeSpread, outputs: Sequence[ModelOutput], conclusions_md: str | None
) -> str:
    """The committee's report; ``conclusions_md`` (the conclusions table) goes at its top."""
    system = spread.system
    models = list(spread.models)
    lines = [
        f"# nasx committee report: {system.working_ion}–{system.anion}, "
        f"{len(models)} models ({', '.join(models)})",
        "",
    ]
    tests = [o.name for o in outputs if o.provenance.test_model]
    if tests:
        lines += [
            f"**Test models: the numbers of {', '.join(tests)} come from a test model for "
            "checking nasx, not from a physical calculation. Do not use them as "
            "results.**",
            "",
        ]
    lines += [
        f"- Model {o.name}: {o.provenance.model}; its run: `{o.results_path}`" for o in outputs
    ]
    lines += [
        f"- Plateaus are matched across models by {_MATCHING[spread.matching]}; a plateau a model does not "
        "have is marked absent under it.",
        "",
    ]
    if conclusions_md:
        lines += [conclusions_md.rstrip(), ""]
    lines += _against_calorimetry(outputs)
    lines += [
        "![voltage profiles of every model with the spread](voltage_profile.png)",
        "",
        "![hull distances of every model](hull.png)",
        "",
    ]
    for t, at_t in spread.by_temperature.items():
        lines += [f"## {t:g} K", "", "Formation energy (eV/atom):", ""]
        lines += _header("phase", models)
        lines += [_row(p.formula, p.formation_energy_eV_per_atom, models, 3) for p in at_t.phases]
        lines += ["", "Hull distance (meV/atom; < 0: depth below the hull):", ""]
        lines += _header("phase", models)
        lines += [_row(p.formula, p.hull_distance_meV_per_atom, models, 1) for p in at_t.phases]
        lines += [""]
        lines += _plateaus("Thermodynamic path", at_t.thermodynamic, models, spread.matching)
        lines += _plateaus("Kinetic path", at_t.kinetic, models, spread.matching)
    return "\n".join(lines)
