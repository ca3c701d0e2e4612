"""What voltage_profile.png and hull.png show (one model's and a committee's), read off the
matplotlib figures: every line explained by a legend, formulas subscripted, names inside the
frame and off the steps, the paper's values present, hull distances on a linear meV axis with
their values printed, and the temperature effect drawn where it can be seen."""

from __future__ import annotations

import re

import pytest
from pymatgen.core import Composition
from pymatgen.entries.computed_entries import ComputedEntry

from nasx.analysis.report import committee_plots
from nasx.analysis.report.outputs import write_outputs
from nasx.analysis.report.provenance import Provenance
from nasx.analysis.thermo.committee import committee_spread
from nasx.analysis.thermo.paper import NA_S
from nasx.analysis.thermo.study import StudyResult, analyze
from tests.figures import (
    box,
    crosses_a_step,
    inside,
    keep_saved_figures,
    plain,
    renderer,
    style,
)

MU_EV_PER_ATOM = {"Na": -1.31, "S": -4.12}  # arbitrary: no figure may depend on them
PAPER_EF = dict(NA_S.formation_energy_eV_per_atom)
CHGNET_EF = {  # a CHGNet r2SCAN run of the six default phases (2026-12-07), eV/atom at 0/300/400 K
    "S": (0.0, 0.0, 0.0),
    "Na2S5": (-0.6520, -0.6489, -0.6478),
    "Na2S4": (-0.7497, -0.7394, -0.7361),
    "Na2S2": (-1.0436, -1.0272, -1.0218),
    "Na2S": (-1.2624, -1.2202, -1.2065),
    "Na": (0.0, 0.0, 0.0),
}
"""Its first plateau (Na2S5, 2.28 V) lies above every other line drawn."""
PAPER_WITH_PHONONS = {  # the paper's 0 K energies, small F_vib making Na2S4's plateau narrow
    f: (ef, ef - 0.002 * i - 0.03 * (i > 0), ef - 0.003 * i - 0.05 * (i > 0))
    for i, (f, ef) in enumerate(PAPER_EF.items())
}


def study(formation: dict[str, tuple[float, ...]]) -> StudyResult:
    """A study at 0 K (and 300 and 400 K, when given) whose formation energies are
    ``formation`` (eV/atom)."""
    entries = []
    for formula, (ef0, *at_t) in formation.items():
        c = Composition(formula)
        energy = ef0 * c.num_atoms + sum(c[el] * MU_EV_PER_ATOM[str(el)] for el in c.elements)
        fvib = {str(t): ef - ef0 for t, ef in zip((300, 400)[: len(at_t)], at_t, strict=True)}
        entries.append(
            ComputedEntry(c, energy, entry_id=formula, data={"free_energy_vib_eV_per_atom": fvib})
        )
    return analyze(entries)


CASES = {
    "paper with phonons": PAPER_WITH_PHONONS,
    "CHGNet": CHGNET_EF,
    "paper at 0 K only": {f: (ef,) for f, ef in PAPER_EF.items()},
}


@pytest.fixture(scope="module", params=list(CASES))
def drawn(request, tmp_path_factory):
    """The study and its figures as write_outputs saved them (once per module and case)."""
    result = study(CASES[request.param])
    with pytest.MonkeyPatch.context() as monkeypatch:
        saved = keep_saved_figures(monkeypatch)
        write_outputs(result, tmp_path_factory.mktemp("figures"), Provenance("test model"), [])
    return result, saved


def test_every_line_of_every_voltage_panel_is_explained_by_a_legend_it_can_be_read_with(drawn):
    result, saved = drawn
    fig = saved["voltage_profile.png"]
    panels = [ax for ax in fig.axes if ax.get_title().endswith(" K")]
    assert [ax.get_title() for ax in panels] == [f"{t:g} K" for t in result.temperatures_K]
    shared = list(fig.legends)
    page = fig.bbox
    for legend in shared:  # on the page, not cut by its edge
        extent = legend.get_window_extent(renderer(fig))
        assert page.x0 <= extent.x0 and extent.x1 <= page.x1 and page.y0 <= extent.y0
    for ax in panels:
        legends = [*shared, *([ax.get_legend()] if ax.get_legend() else [])]
        explained = {style(h) for leg in legends for h in leg.get_lines()}
        for line in ax.lines:
            assert style(line) in explained, (ax.get_title(), line.get_ydata()[:2])
    text = " | ".join(t.get_text() for leg in fig.legends for t in leg.get_texts())
    # the measured plateaus, both directions, with the temperature they were measured at
    for direction in ("discharge", "charge"):
        values = NA_S.gitt_ocv_V[direction]
        assert re.search(
            rf"GITT\) {direction} plateaus at 90 °C: " + ", ".join(f"{v:.2f}" for v in values),
            text,
        ), text
        for ax in panels:
            drawn_at = {round(line.get_ydata()[0], 3) for line in ax.lines}
            assert set(values) <= drawn_at
    assert "kinetic path (nasx, Na₂S₂ bypassed)" in text


def plateau_names(result: StudyResult, fig) -> list[tuple]:
    """(panel, temperature, its plateau names) of the voltage figure, every product named."""
    panels = [ax for ax in fig.axes if ax.get_title().endswith(" K")]
    out = []
    for ax, t in zip(panels, result.temperatures_K, strict=True):
        products = [p.phase_end for p in result.thermodynamic[t]]
        names = [x for x in ax.texts if plain(x.get_text()) in products]
        assert sorted(plain(x.get_text()) for x in names) == sorted(products)
        out.append((ax, t, names))
    return out


def test_plateau_names_are_subscripted(drawn):
    result, saved = drawn
    for _, _, names in plateau_names(result, saved["voltage_profile.png"]):
        for name in names:
            subscripted = plain(name.get_text()).translate(
                str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
            )
            assert name.get_text() == subscripted


def test_plateau_names_are_inside_the_frame_and_off_the_steps(drawn):
    # CHGNet: Na2S5's name sat on the frame at 0 K; the paper's energies with F_vib: Na2S4's
    # name lay across the steps of its narrow plateau at 300 K
    result, saved = drawn
    for ax, t, names in plateau_names(result, saved["voltage_profile.png"]):
        paths = [line for line in ax.lines if len(line.get_xydata()) > 2]
        for name in names:
            assert inside(ax, name), (t, name.get_text())
            assert not crosses_a_step(ax, name, paths), (t, name.get_text())


def hull_panels(fig):
    distance = [ax for ax in fig.axes if "hull distance (meV/atom)" in ax.get_ylabel()]
    formation = [ax for ax in fig.axes if "formation energy" in ax.get_ylabel()]
    return formation, distance


def printed(ax) -> set[str]:
    return {plain(t.get_text()).replace("↓", "").strip() for t in ax.texts}


def test_hull_distances_are_on_linear_axes_with_every_value_printed(drawn):
    result, saved = drawn
    _, distance = hull_panels(saved["hull.png"])
    assert distance and all(ax.get_yscale() == "linear" for ax in distance)
    bars = distance[0]
    ground = result.thermo[0.0].ground_states()
    compounds = [f for f in ground if f not in ("Na", "S")]
    ours = {f"{ground[f].hull_distance_meV_per_atom:.1f}" for f in compounds}
    paper = {f"{v:.1f}" for v, _ in NA_S.hull_depth_meV_per_atom.values()}
    assert ours | paper <= printed(bars), printed(bars)
    # a bar that fits is as long as its value (no log-like squeezing of −9 against −37)
    low, high = bars.get_ylim()
    heights = {round(p.get_height(), 6) for p in bars.patches}
    for f in compounds:
        v = ground[f].hull_distance_meV_per_atom
        if low < v < high:
            assert round(v, 6) in heights
    # every value is readable: inside the frame, under no legend
    legend = bars.get_legend()
    for text in bars.texts:
        assert inside(bars, text), text.get_text()
        if legend is not None:
            assert not box(bars, text).overlaps(legend.get_window_extent()), text.get_text()


def test_the_temperature_effect_is_drawn_on_a_meV_scale_and_formation_energies_once(drawn):
    result, saved = drawn
    formation, distance = hull_panels(saved["hull.png"])
    # the E_f panel (eV) holds one hull, not three drawn over each other
    assert len(formation) == 1
    assert len([line for line in formation[0].lines if len(line.get_xdata()) > 1]) == 1
    against_t = [ax for ax in distance if ax.get_xlabel() == "T (K)"]
    temps = result.temperatures_K
    assert len(against_t) == (len(temps) > 1)  # nothing to draw against T at 0 K alone
    if not against_t:
        return
    ax = against_t[0]
    low, high = ax.get_ylim()
    shown = [list(line.get_ydata()) for line in ax.lines if len(line.get_xdata()) == 3]
    labels = " | ".join(plain(t.get_text()) for t in ax.get_legend().get_texts())
    for f in ("Na2S5", "Na2S4", "Na2S2", "Na2S"):
        values = [result.thermo[t].ground_states()[f].hull_distance_meV_per_atom for t in temps]
        if all(low < v < high for v in values):
            assert values in shown, f
            assert {f"{v:.1f}" for v in values} <= printed(ax)
            drawn_at = [line for line in ax.lines if list(line.get_ydata()) == values]
            assert list(drawn_at[0].get_xdata()) == temps
        else:  # off scale: its values in the legend
            assert f"{f}: " + " → ".join(f"{v:.1f}" for v in values) + " meV/atom" in labels


def test_the_committee_figures_read_like_the_single_model_ones(tmp_path, saved_figures):
    models = {"paper+F_vib": study(PAPER_WITH_PHONONS), "CHGNet": study(CHGNET_EF)}
    spread = committee_spread(models)
    committee_plots.voltage_profile(spread, models, tmp_path / "voltage_profile.png")
    committee_plots.hull_depths(spread, tmp_path / "hull.png")
    voltage, hull = saved_figures["voltage_profile.png"], saved_figures["hull.png"]
    # one legend for every panel: the 300 and 400 K lines are explained as well as the 0 K ones
    # (colour: the model; dashes: the kinetic path)
    entries = [style(h) for legend in voltage.legends for h in legend.get_lines()]
    colours, dashes = {c for c, _ in entries}, {d for _, d in entries}
    for ax in voltage.axes:
        for colour, dash in map(style, ax.lines):
            assert colour in colours and dash in dashes, ax.get_title()
    # hull distances: linear, every model's value printed at every temperature
    for ax, t in zip(hull.axes, (0.0, 300.0, 400.0), strict=True):
        assert ax.get_yscale() == "linear"
        for result in models.values():
            for f, p in result.thermo[t].ground_states().items():
                if f not in ("Na", "S"):
                    assert f"{p.hull_distance_meV_per_atom:.1f}" in printed(ax), (t, f)
        for text in ax.texts:
            assert inside(ax, text), text.get_text()
