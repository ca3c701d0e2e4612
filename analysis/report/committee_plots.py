"""Committee figures: every model's voltage path with the spread as a band, and every model's
hull distance per phase with the spread. Each figure names the models."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

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
    and the min–max band of each path over the models."""
    system = spread.system
    temps = spread.temperatures_K
    fig, axes = plt.subplots(
        1, len(temps), figsize=(4.8 * len(temps), 4.4), sharey=True, squeeze=False
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
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        f"{system.working_ion}–{system.anion} OCV, committee: {', '.join(spread.models)}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def hull_depths(spread: CommitteeSpread, path: Path) -> Path:
    """One panel per temperature: each model's hull distance per compound (bars) and the
    min–max spread (a black frame around each group of bars, from min to max)."""
    system = spread.system
    temps = spread.temperatures_K
    models = spread.models
    fig, axes = plt.subplots(
        1, len(temps), figsize=(4.8 * len(temps), 4.4), sharey=True, squeeze=False
    )
    width = 0.8 / len(models)
    for ax, t in zip(axes[0], temps, strict=True):
        phases = [p for p in spread.by_temperature[t].phases if p.formula not in system.elements]
        for i, model in enumerate(models):
            values = [p.hull_distance_meV_per_atom.by_model[model] for p in phases]
            ax.bar(
                [k + (i - (len(models) - 1) / 2) * width for k in range(len(phases))],
                [float("nan") if v is None else v for v in values],
                width,
                color=f"C{(i + 4) % 10}",
                label=model,
            )
        for k, phase in enumerate(phases):  # the spread: a frame from min to max
            s = phase.hull_distance_meV_per_atom
            if s.present:
                ax.bar(k, s.range, 0.9, bottom=s.min, fill=False, edgecolor="k", lw=1.4)
        ax.set_xticks(range(len(phases)), [p.formula for p in phases])
        ax.axhline(0, color="k", lw=0.8)
        ax.set_yscale("symlog", linthresh=20)  # Na2S's −500 beside the intermediates' −10
        ax.set_title(f"{t:g} K")
        ax.grid(alpha=0.3, axis="y")
    axes[0][0].set_ylabel("hull distance (meV/atom); < 0: depth below hull")
    handles, _ = axes[0][0].get_legend_handles_labels()
    frame = Patch(fill=False, edgecolor="k", lw=1.4, label="spread (min–max)")
    axes[0][0].legend(handles=[*handles, frame], fontsize=7)
    fig.suptitle(
        f"{system.working_ion}–{system.anion} hull distances, committee: {', '.join(models)}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
