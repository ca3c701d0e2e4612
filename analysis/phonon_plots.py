"""Per-phase phonon figures: density of states and F_vib(T)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from phonopy import Phonopy

from nasx.units import kj_per_mol_to_ev

DOS_SMEARING_THZ = 0.05


def write(
    ph: Phonopy, directory: Path, phase_id: str, temperatures_K: list[float], model: str
) -> list[Path]:
    """``phonon_dos.png`` and ``free_energy.png`` in ``directory`` (uses the mesh already run);
    ``model`` names the calculator under each title."""
    n_atoms = len(ph.primitive)
    ph.run_total_dos(sigma=DOS_SMEARING_THZ, use_tetrahedron_method=False)  # 15× cheaper
    dos = ph.total_dos
    dos_path = _line_plot(
        directory / "phonon_dos.png",
        (dos.frequency_points, dos.dos / n_atoms, "C0"),
        ("frequency (THz)", "DOS (states/THz/atom)"),
        f"{phase_id}: phonon DOS (Gaussian σ = {DOS_SMEARING_THZ} THz)\n{model}",
        markers=[(0.0, {"color": "k", "lw": 0.6})],
    )
    t_max = max([500.0, *temperatures_K])
    with warnings.catch_warnings():  # phonopy's notes are recorded by the analysis already
        warnings.simplefilter("ignore")
        ph.run_thermal_properties(t_min=0, t_max=t_max, t_step=10)
    tp = ph.thermal_properties
    free_energy_meV = np.array([kj_per_mol_to_ev(f) for f in tp.free_energy]) / n_atoms * 1000
    free_path = _line_plot(
        directory / "free_energy.png",
        (tp.temperatures, free_energy_meV, "C3"),
        ("T (K)", "F_vib (meV/atom)"),
        f"{phase_id}: harmonic free energy\n{model}",
        markers=[(t, {"color": "0.6", "ls": ":", "lw": 0.8}) for t in temperatures_K],
    )
    return [dos_path, free_path]


def _line_plot(
    path: Path,
    line: tuple[np.ndarray, np.ndarray, str],
    labels: tuple[str, str],
    title: str,
    markers: list[tuple[float, dict]],
) -> Path:
    """One curve (x, y, colour) with vertical marker lines, saved to ``path``."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    x, y, color = line
    ax.plot(x, y, color=color)
    for position, style in markers:
        ax.axvline(position, **style)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
