"""The convex-hull figure: formation energies and the hull at 0 K (eV/atom), the hull distance
of every compound at 0 K beside the paper's values, and its change with temperature (meV/atom,
linear axes, every value printed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from pymatgen.core import Composition

from nasx.analysis.report.distance_axis import (
    VALUE,
    axis_limits,
    frame,
    legend_below,
    number,
    off_scale_compounds,
    print_value,
    spread_values,
)
from nasx.analysis.report.figure_text import BACKING, formula_text, margins_in
from nasx.analysis.report.plots import LABEL_FONT_SIZE
from nasx.analysis.thermo.conclusions import paper_standard_hull_depths
from nasx.analysis.thermo.paper import Published, published_for
from nasx.analysis.thermo.study import StudyResult


def hull(result: StudyResult, path: Path, model: str) -> Path:
    """``hull_figure`` saved to ``path``."""
    fig = hull_figure(result, model)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def hull_figure(result: StudyResult, model: str) -> Figure:
    """Formation energies and the hull at 0 K (the lowest temperature), the compounds' hull
    distances there beside the paper's, and (with more than one temperature) each compound's
    hull distance against T."""
    system = result.system
    published = published_for(system)
    temps = result.temperatures_K
    first = temps[0]
    compounds = [f for f in result.thermo[first].ground_states() if f not in system.elements]
    by_t = {
        t: {
            f: p.hull_distance_meV_per_atom
            for f, p in result.thermo[t].ground_states().items()
            if f in compounds
        }
        for t in temps
    }
    bars = {f"nasx {first:g} K": by_t[first]}
    if published:
        bars["paper as published (0 K)"] = {
            f: v for f, (v, _) in published.hull_depth_meV_per_atom.items() if f in compounds
        }
        bars["paper's 0 K E_f, nasx's definition"] = {
            f: v for f, v in paper_standard_hull_depths(published).items() if f in compounds
        }
    series = [*bars.values(), *by_t.values()]
    off_scale = off_scale_compounds(compounds, series)
    limits = axis_limits([v for s in series for f, v in s.items() if f not in off_scale])
    panels = 3 if len(temps) > 1 else 2
    fig, axes = plt.subplots(
        1, panels, figsize=(5.0 * panels, 4.6), gridspec_kw={"width_ratios": [1, 1.2, 1][:panels]}
    )
    _formation_energies(axes[0], result, first, published)
    if panels == 3:
        axes[0].set_title(
            f"formation energy at {first:g} K (its meV changes with T: right)", fontsize=9
        )
    _bars(axes[1], compounds, bars, off_scale, limits)
    axes[1].set_title(f"hull distance at {first:g} K", fontsize=9)
    if panels == 3:
        _against_temperature(axes[2], compounds, by_t, off_scale, limits)
    fig.suptitle(f"{system.working_ion}–{system.anion} convex hull: {model}", fontsize=10)
    margins_in(fig, left=0.75, right=0.2, bottom=1.05, top=0.6, wspace=0.3)
    spread_values(axes[1])
    if panels == 3:
        _stack(axes[2])
    return fig


def _formation_energies(
    ax: Axes, result: StudyResult, t: float, published: Published | None
) -> None:
    system = result.system
    thermo = result.thermo[t]
    ax.scatter(
        [p.ion_fraction for p in thermo.entries],
        [p.formation_energy_eV_per_atom for p in thermo.entries],
        s=18,
        color="C0",
        zorder=3,
    )
    stable = sorted(
        (p.ion_fraction, p.formation_energy_eV_per_atom) for p in thermo.entries if p.stable
    )
    ax.plot(*zip(*stable, strict=True), color="C0", lw=1.2, label=f"nasx hull, {t:g} K")
    if published:
        paper = [
            (system.ion_fraction(Composition(f)), v)
            for f, v in published.formation_energy_eV_per_atom.items()
        ]
        ax.scatter(
            *zip(*paper, strict=True),
            s=40,
            marker="D",
            facecolors="none",
            edgecolors="0.45",
            zorder=4,
            label="paper, r2SCAN 0 K",
        )
    for formula, item in thermo.ground_states().items():
        ax.annotate(
            formula_text(formula),
            (item.ion_fraction, item.formation_energy_eV_per_atom),
            textcoords="offset points",
            xytext=(5, -11),
            fontsize=LABEL_FONT_SIZE,
        )
    ax.set_xlabel(f"{system.working_ion} fraction x")
    ax.set_ylabel("formation energy (eV/atom)")
    ax.set_title(f"formation energy at {t:g} K", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)


BAR_STYLES = ({"facecolor": "C0"}, {"facecolor": "0.55"}, {"facecolor": "0.85", "hatch": "//"})


def _bars(
    ax: Axes,
    compounds: Sequence[str],
    bars: Mapping[str, Mapping[str, float]],
    off_scale: Sequence[str],
    limits: tuple[float, float],
) -> None:
    """Grouped bars per compound, each value printed; off-scale bars cut at the axis edge."""
    width = 0.8 / len(bars)
    low, high = limits
    for i, values in enumerate(bars.values()):
        for k, f in enumerate(compounds):
            if f not in values:
                continue
            x = k + (i - (len(bars) - 1) / 2) * width
            v = values[f]
            drawn = min(max(v, low), high)
            ax.bar(x, drawn, width, edgecolor="k", lw=0.4, **BAR_STYLES[i % 3])
            print_value(ax, (x, drawn), v, cut=drawn != v)
    ax.set_xticks(range(len(compounds)), [formula_text(f) for f in compounds])
    frame(ax, limits, off_scale, "bars cut ↓, values printed")
    handles = [
        Patch(edgecolor="k", lw=0.4, label=label, **BAR_STYLES[i % 3])
        for i, label in enumerate(bars)
    ]
    legend_below(ax, handles)


def _against_temperature(
    ax: Axes,
    compounds: Sequence[str],
    by_t: Mapping[float, Mapping[str, float]],
    off_scale: Sequence[str],
    limits: tuple[float, float],
) -> None:
    """Each compound's hull distance at every temperature, each value printed."""
    temps = list(by_t)
    for k, f in enumerate(compounds):
        points = [(t, by_t[t][f]) for t in temps if f in by_t[t]]
        if f in off_scale:
            values = " → ".join(number(v) for _, v in points)
            ax.plot(
                [], [], color=f"C{k + 1}", marker="o", label=f"{formula_text(f)}: {values} meV/atom"
            )
            continue
        ax.plot(*zip(*points, strict=True), color=f"C{k + 1}", marker="o", label=formula_text(f))
        for t, v in points:
            ax.annotate(
                number(v),
                (t, v),
                textcoords="offset points",
                xytext=(5, 0),
                va="center",
                fontsize=6.5,
                color=f"C{k + 1}",
                gid=VALUE,
                bbox=BACKING,
            )
    ax.set_xticks(temps, [f"{t:g}" for t in temps])
    room = 0.18 * (temps[-1] - temps[0])
    ax.set_xlim(temps[0] - 0.06 * (temps[-1] - temps[0]), temps[-1] + room)
    ax.set_xlabel("T (K)")
    ax.set_title("hull distance against temperature", fontsize=9)
    frame(ax, limits, off_scale, "values in the legend")
    legend_below(ax, ax.get_legend_handles_labels()[0])


def _stack(ax: Axes) -> None:
    """The printed values beside the points of one temperature moved apart vertically (in
    display pixels) where two would overlap, keeping their order."""
    gap_px = 1.3 * 6.5 * ax.figure.dpi / 72
    columns: dict[float, list] = {}
    for text in (t for t in ax.texts if t.get_gid() == VALUE):
        columns.setdefault(text.xy[0], []).append(text)
    for texts in columns.values():
        at = {id(t): float(ax.transData.transform(t.xy)[1]) for t in texts}
        texts.sort(key=lambda t: -at[id(t)])
        y_px = [at[id(t)] for t in texts]
        for i in range(1, len(y_px)):
            y_px[i] = min(y_px[i], y_px[i - 1] - gap_px)
        lift = sum(at[id(t)] - y for t, y in zip(texts, y_px, strict=True)) / len(texts)
        for text, y in zip(texts, y_px, strict=True):  # centred on the points they label
            moved = y + lift - at[id(text)]
            text.xyann = (text.xyann[0], moved * 72 / ax.figure.dpi)
