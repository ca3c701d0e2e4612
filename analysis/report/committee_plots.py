"""Committee figures: every model's voltage path with the spread as a band, and every model's
hull distance per phase with the spread. Each figure names the models."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from nasx.analysis.report.distance_axis import (
    axis_limits,
    frame,
    off_scale_compounds,
    print_value,
    spread_values,
)
from nasx.analysis.report.figure_text import formula_text, margins_in
from nasx.analysis.report.plots import steps
from nasx.analysis.thermo.committee import BandSegment, CommitteeSpread
from nasx.analysis.thermo.study import StudyResult


def _band(ax, band: tuple[BandSegment, ...], color: str, label: str, hatch: str | None) -> None:
    for i, segment in enumerate(band):
        ax.fill_between(
            [segment.x_start, segment.x_end],
            segment.min_V,
            segment.max_V,
            color=color,
            alpha=0.18,
            hatch=hatch,
            lw=0,
            label=label if i == 0 else None,
        )


def voltage_profile(
    spread: CommitteeSpread, studies: Mapping[str, StudyResult], path: Path
) -> Path:
    """One panel per temperature: each model's thermodynamic (solid) and kinetic (dashed) path,
    and the min–max band of each path over the models; one legend for all panels below them."""
    system = spread.system
    temps = spread.temperatures_K
    fig, axes = plt.subplots(
        1, len(temps), figsize=(max(4.8 * len(temps), 7.0), 4.8), sharey=True, squeeze=False
    )
    for ax, t in zip(axes[0], temps, strict=True):
        at_t = spread.by_temperature[t]
        _band(ax, at_t.thermodynamic.band, "C0", "thermodynamic spread", None)
        _band(ax, at_t.kinetic.band, "C3", "kinetic spread", "//")
        for i, (model, study) in enumerate(studies.items()):
            if t not in study.temperatures_K:
                continue
            color = f"C{(i + 4) % 10}"
            ax.plot(*steps(study.thermodynamic[t]), color=color, lw=1.8, label=f"{model}")
            ax.plot(*steps(study.kinetic[t]), color=color, lw=1.2, ls="--")
        ax.plot([], [], color="0.3", lw=1.2, ls="--", label="kinetic path (dashed)")
        ax.set_title(f"{t:g} K")
        ax.set_xlabel(f"{system.working_ion} fraction x")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"OCV (V vs {system.working_ion}/{system.working_ion}⁺)")
    legend = {}  # every panel's entries, once: a line drawn only at 300 K is explained too
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(
        list(legend.values()),
        list(legend),
        loc="lower center",
        ncol=min(len(legend), 5),
        fontsize=7,
        frameon=False,
    )
    fig.suptitle(
        f"{system.working_ion}–{system.anion} OCV, committee: {', '.join(spread.models)}",
        fontsize=10,
    )
    rows = (len(legend) + 4) // 5
    margins_in(fig, left=0.75, right=0.2, bottom=0.7 + 0.17 * rows, top=0.65, wspace=0.05)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def hull_depths(spread: CommitteeSpread, path: Path) -> Path:
    """One panel per temperature: each model's hull distance per compound (bars, each value
    printed) and the min–max spread (a black frame around each group of bars, from min to
    max), on one linear meV/atom axis (a compound far deeper than the rest off scale)."""
    system = spread.system
    temps = spread.temperatures_K
    models = spread.models
    phases_at = {
        t: [p for p in spread.by_temperature[t].phases if p.formula not in system.elements]
        for t in temps
    }
    series = [
        {
            p.formula: p.hull_distance_meV_per_atom.by_model[m]
            for p in phases_at[t]
            if p.hull_distance_meV_per_atom.by_model[m] is not None
        }
        for t in temps
        for m in models
    ]
    compounds = list(dict.fromkeys(p.formula for t in temps for p in phases_at[t]))
    off_scale = off_scale_compounds(compounds, series)
    limits = axis_limits([v for s in series for f, v in s.items() if f not in off_scale])
    low, high = limits
    fig, axes = plt.subplots(
        1, len(temps), figsize=(4.8 * len(temps), 4.8), sharey=True, squeeze=False
    )
    width = 0.8 / len(models)
    for ax, t in zip(axes[0], temps, strict=True):
        phases = phases_at[t]
        for i, model in enumerate(models):
            for k, phase in enumerate(phases):
                v = phase.hull_distance_meV_per_atom.by_model[model]
                if v is None:
                    continue
                x = k + (i - (len(models) - 1) / 2) * width
                drawn = min(max(v, low), high)
                ax.bar(x, drawn, width, color=f"C{(i + 4) % 10}")
                print_value(ax, (x, drawn), v, cut=drawn != v)
        for k, phase in enumerate(phases):  # the spread: a frame from min to max
            s = phase.hull_distance_meV_per_atom
            if s.present:
                ax.bar(k, s.range, 0.9, bottom=s.min, fill=False, edgecolor="k", lw=1.4)
        ax.set_xticks(range(len(phases)), [formula_text(p.formula) for p in phases])
        frame(ax, limits, off_scale, "bars cut ↓, values printed")
        ax.set_title(f"{t:g} K")
    for ax in axes[0][1:]:
        ax.set_ylabel("")
    handles = [Patch(color=f"C{(i + 4) % 10}", label=m) for i, m in enumerate(models)]
    handles.append(Patch(fill=False, edgecolor="k", lw=1.4, label="spread (min–max)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=7, frameon=False)
    fig.suptitle(
        f"{system.working_ion}–{system.anion} hull distances, committee: {', '.join(models)}",
        fontsize=10,
    )
    margins_in(fig, left=0.75, right=0.2, bottom=0.85, top=0.65, wspace=0.05)
    for ax in axes[0]:
        spread_values(ax)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
