"""The Markdown report: nasx's numbers with the paper's published values beside them."""

from __future__ import annotations

from nasx.analysis.experiment_sections import ExperimentSection
from nasx.analysis.report.conclusions_table import markdown
from nasx.analysis.report.experiment_report import error_beside_conclusions
from nasx.analysis.report.provenance import Provenance
from nasx.analysis.thermo.conclusions import Conclusions, evaluate, paper_standard_hull_depths
from nasx.analysis.thermo.paper import CITATION, Published, published_for
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import PLATEAU_RESOLUTION_V, Plateau, distinguishable
from nasx.wording import counted


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _diff(ours: float | None, paper: float | None, digits: int = 3) -> str:
    """nasx − paper, signed; "–" where either is missing."""
    if ours is None or paper is None:
        return "–"
    return f"{round(ours - paper, digits) + 0.0:+.{digits}f}"  # + 0.0: never "-0.0"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


MISSING = "missing"


def render(
    result: StudyResult,
    provenance: Provenance,
    extra_sections: list[str] | None = None,
    leading_sections: list[str] | None = None,
    conclusions: Conclusions | None = None,
    experiment: ExperimentSection | None = None,
) -> str:
    """The whole report as Markdown text: the model first (a test model says so), the
    conclusions table (default: ``evaluate(result)``, with ``experiment``'s entropy error
    beside it), then the numbers with the paper's beside them; ``leading_sections`` come before
    the figures."""
    system = result.system
    published = published_for(system)
    temps = result.temperatures_K
    t_cols = [f"{t:g} K" for t in temps]
    refs = {el: result.thermo[temps[0]].ground_states()[el].label for el in system.elements}
    warning = provenance.warning()
    lines = [
        f"# nasx report: {system.working_ion}–{system.anion}",
        "",
        *([warning, ""] if warning else []),
        f"- Model: {provenance.model}.",
        f"- Temperatures: {', '.join(t_cols)}. Energies are G(T) = E_static + F_vib(T) (harmonic phonons); "
        "0 K means static energies without zero-point energy.",
        f"- Reference states: {', '.join(f'{el} = {label}' for el, label in refs.items())} "
        "(lowest-energy elemental entries at each temperature).",
        f"- Kinetic path bypasses: {', '.join(result.bypassed) or 'nothing (no --bypass given)'}.",
    ]
    if published:
        lines.append(
            f"- Published values: {CITATION}; shown beside nasx's, never used in its numbers."
        )
    lines += ["", markdown(conclusions or evaluate(result))]
    beside = error_beside_conclusions(experiment, result)
    if beside:
        lines += ["", beside]
    for section in leading_sections or []:
        lines += ["", section]
    lines += ["", "![voltage profiles](voltage_profile.png)", "", "![convex hull](hull.png)", ""]

    # formation energies and hull distances
    grounds = {t: result.thermo[t].ground_states() for t in temps}
    formulas = list(grounds[temps[0]])
    header = ["phase", "polymorph", f"x({system.working_ion})", *(f"E_f {c}" for c in t_cols)]
    if published:
        header += ["E_f paper 0 K", "nasx − paper 0 K (eV/atom)"]
    rows = []
    for f in formulas:
        row = [f, grounds[temps[0]][f].label, f"{grounds[temps[0]][f].ion_fraction:.3f}"]
        row += [
            _fmt(grounds[t][f].formation_energy_eV_per_atom) if f in grounds[t] else MISSING
            for t in temps
        ]
        if published:
            paper = published.formation_energy_eV_per_atom.get(f)
            ours = grounds[temps[0]][f].formation_energy_eV_per_atom
            row += [_fmt(paper), _diff(ours, paper)]
        rows.append(row)
    lines += ["## Formation energies (eV/atom)", "", *_table(header, rows), ""]

    lines += [
        "## Hull distances (meV/atom)",
        "",
        "Negative: depth of a stable phase below the hull of all other phases; positive: energy "
        "above the hull. The phases compared against are in brackets.",
        "",
    ]
    header = ["phase", *t_cols]
    if published:
        header += [
            "paper as published",
            "nasx 0 K − published (meV/atom)",
            "paper's E_f, this definition",
            "nasx 0 K − paper's E_f (meV/atom)",
        ]
        standard = paper_standard_hull_depths(published)
    rows = []
    for f in formulas:
        if f in system.elements:
            continue
        row = [f]
        for t in temps:
            item = grounds[t].get(f)
            row.append(
                f"{item.hull_distance_meV_per_atom:.1f} ({' + '.join(item.competing)})"
                if item
                else MISSING
            )
        if published:
            depth = published.hull_depth_meV_per_atom.get(f)
            ours = (
                grounds[temps[0]][f].hull_distance_meV_per_atom if f in grounds[temps[0]] else None
            )
            row.append(f"{depth[0]:.0f} ({depth[1]})" if depth else "–")
            row.append(_diff(ours, depth[0] if depth else None, 1))
            row.append(_fmt(standard.get(f), 1))
            row.append(_diff(ours, standard.get(f), 1))
        rows.append(row)
    lines += [*_table(header, rows), ""]
    others = [
        (t, item)
        for t in temps
        for item in result.thermo[t].entries
        if item.label != grounds[t][item.formula].label
    ]
    if others:
        rows = [
            [item.label, item.formula, f"{t:g} K", f"{item.hull_distance_meV_per_atom:.1f}"]
            for t, item in others
        ]
        lines += [
            "Other polymorphs:",
            "",
            *_table(["polymorph", "formula", "T", "above hull (meV/atom)"], rows),
            "",
        ]

    # voltages
    lines += [
        "## Open-circuit voltage plateaus (V vs " + f"{system.working_ion}/{system.working_ion}⁺)",
        "",
    ]
    for name, by_t in (
        ("Thermodynamic path", result.thermodynamic),
        ("Kinetic path", result.kinetic),
    ):
        for t in temps:
            steps = by_t[t]
            title = f"### {name}, {t:g} K: {counted(len(steps), 'step')}, {distinguishable(steps)} distinguishable"
            if t in result.left_out:
                title += f" (without {', '.join(result.left_out[t])}: no F_vib)"
            lines += [
                title,
                "",
                *_plateau_table(steps, published if t == 0 and name.startswith("Thermo") else None),
                "",
            ]
    lines += [
        f"Steps closer than {PLATEAU_RESOLUTION_V:.2f} V count as one distinguishable plateau.",
        "",
        "### Which single bypass removes a plateau",
        "",
    ]
    rows = [
        [
            f,
            *(
                f"{len(result.single_bypass[t][f])} ({distinguishable(result.single_bypass[t][f])})"
                if f in result.single_bypass[t]
                else MISSING
                for t in temps
            ),
        ]
        for f in result.single_bypass[temps[0]]
    ]
    rows.insert(
        0,
        [
            "none",
            *(
                f"{len(result.thermodynamic[t])} ({distinguishable(result.thermodynamic[t])})"
                for t in temps
            ),
        ],
    )
    lines += [
        *_table(["bypassed phase", *(f"steps (distinguishable) {c}" for c in t_cols)], rows),
        "",
    ]
    if published:
        gitt = published.gitt_ocv_V
        lines += [
            "Measured OCV plateaus (paper, GITT at 90 °C): discharge "
            + ", ".join(f"{v:.2f}" for v in gitt["discharge"])
            + " V; charge "
            + ", ".join(f"{v:.2f}" for v in gitt["charge"])
            + " V.",
            "",
        ]

    # volumes
    if result.volumes_A3_per_atom:
        header = ["polymorph", "volume (Å³/atom)"]
        if published:
            header += ["paper DFT (Å³/atom)", "nasx − paper (Å³/atom)"]
        rows = []
        for f in formulas:
            label = grounds[temps[0]][f].label
            if label in result.volumes_A3_per_atom:
                row = [label, _fmt(result.volumes_A3_per_atom[label])]
                if published:
                    paper = published.volume_A3_per_atom.get(f)
                    row += [_fmt(paper), _diff(result.volumes_A3_per_atom[label], paper)]
                rows.append(row)
        lines += ["## Volumes", "", *_table(header, rows), ""]

    if result.left_out:
        lines += [
            "## Left out",
            "",
            *(
                f"- {t:g} K: {', '.join(labels)} (no F_vib): that temperature's hull and voltages "
                "are computed without them"
                for t, labels in sorted(result.left_out.items())
            ),
            "",
        ]
    for section in extra_sections or []:
        lines += [section, ""]
    notes = list(result.warnings) + (list(published.notes) if published else [])
    if notes:
        lines += ["## Warnings and notes", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(lines)


def _plateau_table(steps: list[Plateau], published: Published | None) -> list[str]:
    header = ["reaction", "x range", "capacity (mAh/g)", "nasx V"]
    by_product = {}
    if published:
        header += ["paper V (0 K)", "nasx − paper (V)"]
        by_product = {p.product: p.voltage_V for p in published.ocv_V}
    rows = []
    for p in steps:
        row = [
            p.reaction,
            f"{p.x_start:.3f}–{p.x_end:.3f}",
            f"{p.capacity_mAh_per_g_start:.0f}–{p.capacity_mAh_per_g_end:.0f}",
            f"{p.voltage_V:.3f}",
        ]
        if published:
            paper = by_product.get(p.phase_end)
            row += [_fmt(paper, 2), _diff(p.voltage_V, paper, 2)]
        rows.append(row)
    return _table(header, rows)
