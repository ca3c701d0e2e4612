"""The quasi-harmonic figure qha.png: per phase V(T)/V(0 K) and G_QHA − G_harmonic against T
(every grid temperature the QHA computed; refused ones are gaps, not extrapolations)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from nasx.analysis.thermo.qha_study import QhaAnalysis
from nasx.units import MEV_PER_EV


def qha_figure(qha: QhaAnalysis, path: Path, model: str) -> Path:
    """``qha_plot_figure`` saved to ``path``."""
    fig = qha_plot_figure(qha, model)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def qha_plot_figure(qha: QhaAnalysis, model: str) -> Figure:
    """Two panels, one line per phase: V(T)/V(0 K), and G_QHA − (E_static + F_vib,harmonic) in
    meV/atom; the analysis temperatures dotted. A phase whose QHA was refused has no line (the
    report says why)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, (phase_id, curve) in enumerate(qha.curves.items()):
        color = f"C{i % 10}"
        harmonic = qha.harmonic_gibbs.get(phase_id, {})
        rows = [r for r in curve.rows if r.volume_A3_per_atom is not None]
        zero = next((r.volume_A3_per_atom for r in rows if r.temperature_K == 0), None)
        if zero:
            ratios = [
                r.volume_A3_per_atom / zero if r.volume_A3_per_atom is not None else math.nan
                for r in curve.rows
            ]  # a refused temperature is a gap
            left.plot([r.temperature_K for r in curve.rows], ratios, color=color, label=phase_id)
        shifted = [
            (r.temperature_K, (r.gibbs_energy_eV_per_atom - harmonic[r.temperature_K]) * MEV_PER_EV)
            for r in rows
            if r.temperature_K in harmonic and r.gibbs_energy_eV_per_atom is not None
        ]
        if shifted:
            right.plot(*zip(*shifted, strict=True), color=color, label=phase_id)
    for ax in (left, right):
        for t in qha.temperatures_K:
            ax.axvline(t, color="0.6", ls=":", lw=0.8)
        ax.set_xlabel("T (K)")
    left.set_ylabel("V(T) / V(0 K)")
    right.set_ylabel("G_QHA − G_harmonic (meV/atom)")
    right.axhline(0.0, color="0.4", lw=0.6)
    if qha.curves:
        left.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Quasi-harmonic (p = 0): volume and Gibbs energy per phase\n{model}", fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.84, wspace=0.3)
    return fig
