"""The voltage-profile figure: nasx's thermodynamic and kinetic paths, one panel per
temperature, with the paper's computed path and its measured (GITT) plateaus beside them."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from nasx.analysis.report.figure_text import (
    BACKING,
    Spot,
    formula_text,
    line_segments,
    margins_in,
    place,
)
from nasx.analysis.thermo.paper import Published, published_for
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import Plateau

GITT_STYLES = {"discharge": ("C2", ":"), "charge": ("C4", "-.")}
"""Colour and line style of the paper's measured plateaus, by direction."""
LABEL_FONT_SIZE = 8
PATH = "voltage path"
"""The gid of the step lines (nasx's paths, the paper's computed path) that no name may cross."""
PRODUCT = "plateau product"
"""The gid of the plateau names."""


def steps(plateaus: list[Plateau]) -> tuple[list[float], list[float]]:
    """The step line of ``plateaus``: x (A fraction) and V at both ends of each plateau."""
    xs, vs = [], []
    for p in plateaus:
        xs += [p.x_start, p.x_end]
        vs += [p.voltage_V, p.voltage_V]
    return xs, vs


def voltage_profile(result: StudyResult, path: Path, model: str) -> Path:
    """``voltage_profile_figure`` saved to ``path``."""
    fig = voltage_profile_figure(result, model)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def voltage_profile_figure(result: StudyResult, model: str) -> Figure:
    """One panel per temperature: thermodynamic (solid) and kinetic (dashed) OCV vs A fraction,
    each plateau named by its product; the paper's r2SCAN 0 K path on the 0 K panel and its
    GITT plateaus (temperature stated) on every panel; one legend for all panels below them.
    ``model`` names the calculator in the title."""
    system = result.system
    published = published_for(system)
    temps = result.temperatures_K
    fig, axes = plt.subplots(
        1, len(temps), figsize=(max(4.6 * len(temps), 7.0), 4.8), sharey=True, squeeze=False
    )
    bypass = "+".join(formula_text(f) for f in result.bypassed) or "none"
    legend = {
        "thermodynamic path (nasx)": Line2D([], [], color="C0", lw=2),
        f"kinetic path (nasx, {bypass} bypassed)": Line2D([], [], color="C3", lw=1.6, ls="--"),
    }
    voltages = []
    for ax, t in zip(axes[0], temps, strict=True):
        ax.plot(*steps(result.thermodynamic[t]), color="C0", lw=2, gid=PATH)
        ax.plot(*steps(result.kinetic[t]), color="C3", lw=1.6, ls="--", gid=PATH)
        voltages += [p.voltage_V for p in (*result.thermodynamic[t], *result.kinetic[t])]
        if published:
            voltages += _paper_lines(ax, published, t, legend)
        ax.set_title(f"{t:g} K")
        ax.set_xlabel(
            f"{system.working_ion} fraction x = {system.working_ion}/({system.working_ion}+{system.anion})"
        )
        top = ax.secondary_xaxis("top")
        bounds = sorted({0.0, *(p.x_end for p in result.thermodynamic[t])})
        top.set_xticks(
            bounds, [f"{system.capacity_mah_per_g(x / (1 - x)):.0f}" for x in bounds], fontsize=7
        )
        top.set_xlabel(f"capacity (mAh per g {system.anion})", fontsize=8)
        ax.grid(alpha=0.3)
    low, high = min(voltages), max(voltages)
    span = max(high - low, 0.1)
    axes[0][0].set_ylim(low - 0.08 * span, high + 0.14 * span)  # room for the names above
    axes[0][0].set_ylabel(f"OCV (V vs {system.working_ion}/{system.working_ion}⁺)")
    fig.suptitle(f"{system.working_ion}–{system.anion} OCV: {model}", fontsize=10)
    columns = 2 if len(temps) > 1 else 1  # one panel: too narrow for two columns
    rows = (len(legend) + columns - 1) // columns
    fig.legend(
        list(legend.values()),
        list(legend),
        loc="lower center",
        ncol=columns,
        fontsize=7,
        frameon=False,
    )
    margins_in(fig, left=0.75, right=0.2, bottom=0.7 + 0.17 * rows, top=1.15, wspace=0.05)
    for ax, t in zip(axes[0], temps, strict=True):
        _name_plateaus(ax, result.thermodynamic[t])
    return fig


def _paper_lines(
    ax: Axes, published: Published, t: float, legend: dict[str, Line2D]
) -> list[float]:
    """The paper's 0 K path (on the 0 K panel) and its GITT plateaus; their voltages."""
    voltages = []
    if t == 0:
        paper = [
            Plateau("", p.voltage_V, p.x_start, p.x_end, 0, 0, "", "") for p in published.ocv_V
        ]
        ax.plot(*steps(paper), color="0.55", lw=1, gid=PATH)
        legend["paper, r2SCAN 0 K (0 K panel)"] = Line2D([], [], color="0.55", lw=1)
        voltages += [p.voltage_V for p in paper]
    at = f"{published.gitt_temperature_C:g} °C"
    for direction, values in published.gitt_ocv_V.items():
        color, style = GITT_STYLES[direction]
        for v in values:
            ax.axhline(v, color=color, lw=0.9, ls=style)
        label = f"paper, measured (GITT) {direction} plateaus at {at}: " + ", ".join(
            f"{v:.2f}" for v in values
        )
        legend[label + " V"] = Line2D([], [], color=color, lw=0.9, ls=style)
        voltages += list(values)
    return voltages


def _name_plateaus(ax: Axes, plateaus: list[Plateau]) -> None:
    """Each plateau's product, subscripted, above (or else beside or below) the plateau where
    it stays inside the frame and crosses no drawn path (nor, where possible, a GITT line)."""
    paths = line_segments(line for line in ax.lines if line.get_gid() == PATH)
    references = line_segments(line for line in ax.lines if line.get_gid() != PATH)
    for p in plateaus:
        middle = ((p.x_start + p.x_end) / 2, p.voltage_V)
        spots: list[Spot] = [
            (middle, (0, 3), "center", "bottom"),
            ((p.x_end, p.voltage_V), (3, 3), "left", "bottom"),
            (middle, (0, -3), "center", "top"),
            ((p.x_start, p.voltage_V), (3, -3), "left", "top"),
            ((p.x_end, p.voltage_V), (3, -3), "left", "top"),
        ]
        text = ax.annotate(
            formula_text(p.phase_end),
            middle,
            textcoords="offset points",
            xytext=(0, 3),
            fontsize=LABEL_FONT_SIZE,
            color="C0",
            gid=PRODUCT,
            bbox=BACKING,
        )
        place(ax, text, spots, paths, references)
