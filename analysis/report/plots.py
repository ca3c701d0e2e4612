"""Figures: voltage profiles (thermodynamic and kinetic paths) and the convex hull."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nasx.analysis.thermo.paper import published_for
from nasx.analysis.thermo.study import StudyResult
from nasx.analysis.thermo.voltage import Plateau


def steps(plateaus: list[Plateau]) -> tuple[list[float], list[float]]:
    xs, vs = [], []
    for p in plateaus:
        xs += [p.x_start, p.x_end]
        vs += [p.voltage_V, p.voltage_V]
    return xs, vs


def voltage_profile(result: StudyResult, path: Path, model: str) -> Path:
    """One panel per temperature: thermodynamic (solid) and kinetic (dashed) OCV vs A fraction;
    ``model`` names the calculator in the title."""
    system = result.system
    published = published_for(system)
    temps = result.temperatures_K
    fig, axes = plt.subplots(
        1, len(temps), figsize=(4.6 * len(temps), 4.2), sharey=True, squeeze=False
    )
    for ax, t in zip(axes[0], temps, strict=True):
        ax.plot(*steps(result.thermodynamic[t]), color="C0", lw=2, label="thermodynamic path")
        bypass = "+".join(result.bypassed) or "none"
        ax.plot(
            *steps(result.kinetic[t]),
            color="C3",
            lw=1.6,
            ls="--",
            label=f"kinetic path (bypass {bypass})",
        )
        if published:
            if t == 0:
                paper = [
                    Plateau("", p.voltage_V, p.x_start, p.x_end, 0, 0, "", "")
                    for p in published.ocv_V
                ]
                ax.plot(*steps(paper), color="0.55", lw=1, label="paper, r2SCAN 0 K")
            for v in published.gitt_ocv_V["discharge"]:
                ax.axhline(v, color="C2", lw=0.8, ls=":")
            ax.plot([], [], color="C2", lw=0.8, ls=":", label="paper, GITT discharge 90 °C")
        for p in result.thermodynamic[t]:
            ax.annotate(
                p.phase_end,
                ((p.x_start + p.x_end) / 2, p.voltage_V),
                textcoords="offset points",
                xytext=(0, 5),
                ha="center",
                fontsize=7,
                color="C0",
            )
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
    axes[0][0].set_ylabel(f"OCV (V vs {system.working_ion}/{system.working_ion}⁺)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{system.working_ion}–{system.anion} OCV: {model}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def hull(result: StudyResult, path: Path, model: str) -> Path:
    """Formation energies with the hull at each temperature, and hull distances per phase."""
    system = result.system
    published = published_for(system)
    temps = result.temperatures_K
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    for i, t in enumerate(temps):
        thermo = result.thermo[t]
        xs = [p.ion_fraction for p in thermo.entries]
        ys = [p.formation_energy_eV_per_atom for p in thermo.entries]
        left.scatter(xs, ys, s=18, color=f"C{i}", zorder=3)
        stable = sorted(
            (p.ion_fraction, p.formation_energy_eV_per_atom) for p in thermo.entries if p.stable
        )
        left.plot(*zip(*stable, strict=True), color=f"C{i}", lw=1.2, label=f"hull {t:g} K")
    for formula, item in result.thermo[temps[0]].ground_states().items():
        left.annotate(
            formula,
            (item.ion_fraction, item.formation_energy_eV_per_atom),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=7,
        )
    left.set_xlabel(f"{system.working_ion} fraction x")
    left.set_ylabel("formation energy (eV/atom)")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)

    compounds = [f for f in result.thermo[temps[0]].ground_states() if f not in system.elements]
    width = 0.8 / (len(temps) + (1 if published else 0))
    for i, t in enumerate(temps):
        ground = result.thermo[t].ground_states()
        values = [  # NaN (no bar) where a phase was left out at this temperature
            ground[f].hull_distance_meV_per_atom if f in ground else float("nan") for f in compounds
        ]
        right.bar(
            [k + i * width for k in range(len(compounds))],
            values,
            width,
            color=f"C{i}",
            label=f"nasx {t:g} K",
        )
    if published:
        values = [
            published.hull_depth_meV_per_atom.get(f, (float("nan"), ""))[0] for f in compounds
        ]
        right.bar(
            [k + len(temps) * width for k in range(len(compounds))],
            values,
            width,
            color="0.6",
            label="paper (published)",
        )
    right.set_xticks(
        [k + width * (len(temps) - (0 if published else 1)) / 2 for k in range(len(compounds))],
        compounds,
    )
    right.axhline(0, color="k", lw=0.8)
    right.set_yscale("symlog", linthresh=20)
    right.set_ylabel("hull distance (meV/atom); < 0: depth below hull")
    right.legend(fontsize=8)
    right.grid(alpha=0.3, axis="y")
    fig.suptitle(f"{system.working_ion}–{system.anion} convex hull: {model}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
