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


def write(ph: Phonopy, directory: Path, phase_id: str, temperatures_K: list[float]) -> list[Path]:
    """``phonon_dos.png`` and ``free_energy.png`` in ``directory`` (uses the mesh already run)."""
    n_atoms = len(ph.primitive)
    ph.run_total_dos(
        sigma=DOS_SMEARING_THZ, use_tetrahedron_method=False
    )  # 15× cheaper than tetrahedra
    dos = ph.total_dos
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(dos.frequency_points, dos.dos / n_atoms, color="C0")
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel("frequency (THz)")
    ax.set_ylabel("DOS (states/THz/atom)")
    ax.set_title(f"{phase_id}: phonon DOS (Gaussian σ = {DOS_SMEARING_THZ} THz)")
    fig.tight_layout()
    dos_path = directory / "phonon_dos.png"
    fig.savefig(dos_path, dpi=120)
    plt.close(fig)

    t_max = max([500.0, *temperatures_K])
    with warnings.catch_warnings():  # phonopy's notes are recorded by the phonons job already
        warnings.simplefilter("ignore")
        ph.run_thermal_properties(t_min=0, t_max=t_max, t_step=10)
    tp = ph.thermal_properties
    free_energy_meV = np.array([kj_per_mol_to_ev(f) for f in tp.free_energy]) / n_atoms * 1000
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(tp.temperatures, free_energy_meV, color="C3")
    for t in temperatures_K:
        ax.axvline(t, color="0.6", ls=":", lw=0.8)
    ax.set_xlabel("T (K)")
    ax.set_ylabel("F_vib (meV/atom)")
    ax.set_title(f"{phase_id}: harmonic free energy")
    fig.tight_layout()
    free_path = directory / "free_energy.png"
    fig.savefig(free_path, dpi=120)
    plt.close(fig)
    return [dos_path, free_path]
