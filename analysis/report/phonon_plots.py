"""Per-phase phonon figures and files: the band structure with the DOS beside it (and
phonopy's band.yaml), and F, S and Cv against T with the phase's phase changes marked (the
curves grey beyond the first).

Units on the axes: THz; states/THz/atom; meV/atom for F; meV/K/atom for S and Cv (nasx's eV
contract; 1 meV/K/atom = 96.485 J/K/mol of atoms, and 3k_B = 0.2585 meV/K/atom, the classical
limit drawn on the Cv panel).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator
from phonopy import Phonopy

from nasx.defaults import IMAGINARY_TOLERANCE_THZ
from nasx.layout import BAND_STRUCTURE_PNG, BAND_YAML, THERMAL_PROPERTIES_PNG
from nasx.phonon_bands import BandPath, Bands, high_symmetry_path, run_bands, write_band_yaml
from nasx.structures import PhaseChange
from nasx.units import MEV_PER_EV, j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev

DOS_SMEARING_THZ = 0.05
T_MAX_K = 800.0
"""F, S, Cv are drawn from 0 K to this or the highest requested temperature: far enough to
show where the polysulfides melt and sulfur boils (the harmonic model ends there)."""
K_B_MEV_PER_K = 0.08617333262
LEGACY_FILES = ("phonon_dos.png", "free_energy.png")
"""Written by nasx before band structures: the DOS is now beside the bands, F beside S, Cv."""


@dataclass(frozen=True)
class PhononFigures:
    """What ``write`` produced: the files, the band path (None, with ``band_error``, when
    SeeK-path found none), the lowest and highest frequency drawn along it (THz; imaginary
    modes negative) and the phase changes marked on the F, S and Cv panels."""

    paths: tuple[Path, ...]
    band_path: BandPath | None
    band_error: str | None
    band_range_THz: tuple[float, float] | None
    phase_changes_marked: tuple[PhaseChange, ...]


def band_path_or_error(ph: Phonopy) -> tuple[BandPath | None, str | None]:
    """SeeK-path's path for ``ph``, or None and the reason it has none (never raised: the other
    figures and files of the phase are still written)."""
    try:
        return high_symmetry_path(ph), None
    except Exception as exc:  # seekpath and spglib raise several kinds on odd cells
        return None, f"no high-symmetry path: {type(exc).__name__}: {exc}"


def write(
    ph: Phonopy,
    directory: Path,
    phase_id: str,
    temperatures_K: Sequence[float],
    model: str,
    phase_changes: Sequence[PhaseChange] = (),
    tolerance_THz: float = IMAGINARY_TOLERANCE_THZ,
) -> PhononFigures:
    """``band_structure.png`` (the DOS beside it), ``band.yaml`` and ``thermal_properties.png``
    in ``directory`` for ``ph`` (force constants set, mesh already run); ``model`` names the
    calculator under each title, modes below ``tolerance_THz`` are shaded as imaginary.
    Figures of earlier nasx versions (``LEGACY_FILES``) are removed."""
    directory = Path(directory)
    for name in LEGACY_FILES:
        (directory / name).unlink(missing_ok=True)
    n_atoms = len(ph.primitive)
    ph.run_total_dos(sigma=DOS_SMEARING_THZ, use_tetrahedron_method=False)  # 15× cheaper
    dos = (ph.total_dos.frequency_points, ph.total_dos.dos / n_atoms)
    band_path, error = band_path_or_error(ph)
    paths, bands = [], None
    if band_path is not None:
        bands = run_bands(ph, band_path)
        paths.append(write_band_yaml(ph, directory / BAND_YAML))
        title = f"{phase_id}: phonons along {band_path.text()} ({band_path.bravais_lattice})"
    else:
        (directory / BAND_YAML).unlink(missing_ok=True)  # never another analysis's bands
        title = f"{phase_id}: phonon DOS ({error})"
    paths.append(
        _band_plot(directory / BAND_STRUCTURE_PNG, bands, dos, tolerance_THz, title, model)
    )
    thermal_path, marked = _thermal_plot(
        directory / THERMAL_PROPERTIES_PNG, ph, phase_id, temperatures_K, model, phase_changes
    )
    drawn = None
    if bands is not None:
        drawn = (
            min(float(f.min()) for f in bands.frequencies_THz),
            max(float(f.max()) for f in bands.frequencies_THz),
        )
    return PhononFigures((*paths, thermal_path), band_path, error, drawn, marked)


def _band_plot(
    path: Path,
    bands: Bands | None,
    dos: tuple[np.ndarray, np.ndarray],
    tolerance_THz: float,
    title: str,
    model: str,
) -> Path:
    """Branches along the path (imaginary ones below zero) and the DOS (states/THz/atom,
    Gaussian smearing DOS_SMEARING_THZ) on the same frequency axis; without ``bands``, the
    DOS alone."""
    fig, (ax, ax_dos) = plt.subplots(
        1, 2, figsize=(7.5, 4), sharey=True, gridspec_kw={"width_ratios": [4, 1]}
    )
    occupied = dos[0][dos[1] > 1e-3]
    lowest, highest = float(occupied.min(initial=0.0)), float(occupied.max(initial=1.0))
    if bands is not None:
        lines = [  # one collection of every branch of every segment: 10× cheaper than ax.plot
            np.column_stack((distances, branch))
            for distances, frequencies in zip(bands.distances, bands.frequencies_THz, strict=True)
            for branch in frequencies.T
        ]
        ax.add_collection(LineCollection(lines, colors="C0", linewidths=0.8))
        lowest = min(lowest, *(float(f.min()) for f in bands.frequencies_THz))
        highest = max(highest, *(float(f.max()) for f in bands.frequencies_THz))
        positions = [x for x, _ in bands.ticks]
        for x in positions[1:-1]:
            ax.axvline(x, color="0.7", lw=0.6)
        ax.set_xticks(positions, _staggered(bands.ticks, positions[-1] - positions[0]))
        ax.set_xlim(positions[0], positions[-1])
        ax.set_xlabel(f"wave vector (shaded: ν < {tolerance_THz:g} THz, imaginary)")
    else:
        ax.set_xticks([])
        ax.set_xlabel("no band structure")
    bottom = min(0.0, lowest)
    span = highest - bottom
    ylim = (bottom - 0.04 * span, highest + 0.04 * span)
    for axis in (ax, ax_dos):
        axis.axhline(0.0, color="k", lw=0.6)
        if ylim[0] < tolerance_THz:
            axis.axhspan(ylim[0], tolerance_THz, color="C3", alpha=0.12, lw=0)
    ax.set_ylim(*ylim)
    ax.set_ylabel("frequency (THz); imaginary drawn as ν < 0")
    ax_dos.plot(dos[1], dos[0], color="C0", lw=0.8)
    ax_dos.set_xlim(left=0)
    ax_dos.xaxis.set_major_locator(MaxNLocator(2, prune="lower"))  # no 0 beside the last q
    ax_dos.set_xlabel("DOS (1/THz/atom)")
    fig.suptitle(f"{title}\n{model}", fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.17, top=0.86, wspace=0.04)
    return _save(fig, path)


def _staggered(ticks: Sequence[tuple[float, str]], width: float) -> list[str]:
    """Tick labels, each one too close to the previous one to print beside it moved a line
    down (short segments, e.g. S8's Σ₀|U₀–T|Y, would otherwise print on top of each other);
    a label takes about 1.6 % of the axis width per character."""
    labels, lowered = [], False
    for i, (x, label) in enumerate(ticks):
        room = 0.008 * (len(label) + len(ticks[i - 1][1]) + 2) * width
        lowered = bool(i) and not lowered and x - ticks[i - 1][0] < room
        labels.append(f"\n{label}" if lowered else label)
    return labels


def _thermal_plot(
    path: Path,
    ph: Phonopy,
    phase_id: str,
    temperatures_K: Sequence[float],
    model: str,
    phase_changes: Sequence[PhaseChange],
) -> tuple[Path, tuple[PhaseChange, ...]]:
    """F, S and Cv per atom from 0 K to T_MAX_K (or the highest requested T), the requested
    temperatures dotted and every phase change in that range dashed and named in a legend;
    beyond the first phase change the curves are thin and grey on a grey band (the harmonic
    crystal's values there describe a phase that has changed)."""
    n_atoms = len(ph.primitive)
    t_max = max([T_MAX_K, *temperatures_K])
    with warnings.catch_warnings():  # phonopy's notes are recorded by the analysis already
        warnings.simplefilter("ignore")
        ph.run_thermal_properties(t_min=0, t_max=t_max, t_step=10)
    tp = ph.thermal_properties
    per_atom = MEV_PER_EV / n_atoms
    panels = [
        ([kj_per_mol_to_ev(f) * per_atom for f in tp.free_energy], "F_vib (meV/atom)", "C3"),
        ([j_per_k_mol_to_ev_per_k(s) * per_atom for s in tp.entropy], "S (meV/K/atom)", "C2"),
        (
            [j_per_k_mol_to_ev_per_k(c) * per_atom for c in tp.heat_capacity],
            "Cv (meV/K/atom)",
            "C0",
        ),
    ]
    marked = marked_changes(phase_changes, temperatures_K)
    end = marked[0] if marked else None
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, (values, label, color) in zip(axes, panels, strict=True):
        for temps, part, style in _split(tp.temperatures, np.asarray(values), end, color):
            ax.plot(temps, part, **style)
        if end is not None:
            ax.axvspan(end.temperature_K, t_max, color="0.5", alpha=0.08, lw=0)
        for t in temperatures_K:
            ax.axvline(t, color="0.6", ls=":", lw=0.8)
        for i, change in enumerate(marked):
            ax.axvline(
                change.temperature_K,
                color=f"C{(i + 4) % 10}",
                ls="--",
                lw=1.0,
                label=f"{change.temperature_K:g} K: {change.description}",
            )
        ax.set_xlabel("T (K)")
        ax.set_ylabel(label)
        ax.set_xlim(0, t_max)
    axes[2].axhline(3 * K_B_MEV_PER_K, color="0.4", lw=0.6)
    axes[2].annotate("$3k_B$", (0.1 * t_max, 3 * K_B_MEV_PER_K), ha="left", va="bottom")
    axes[2].set_ylim(top=max(axes[2].get_ylim()[1], 3.3 * K_B_MEV_PER_K))
    if marked:
        axes[0].legend(fontsize=7, loc="lower left", title="phase changes", title_fontsize=7)
    beyond = (
        f"; grey beyond {end.temperature_K:g} K: the phase no longer exists there"
        if end is not None
        else ""
    )
    fig.suptitle(
        f"{phase_id}: harmonic F, S and Cv per atom (dotted: requested T{beyond})\n{model}",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.075, right=0.98, bottom=0.14, top=0.82, wspace=0.32)
    return _save(fig, path), marked


EXTRAPOLATED = "harmonic extrapolation beyond the first phase change"
"""The gid of the grey part of each curve."""


def _split(
    temperatures: np.ndarray, values: np.ndarray, end: PhaseChange | None, color: str
) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """The curve in ``color`` up to the phase's first phase change ``end`` and thin grey beyond
    it (both parts meet at ``end``, interpolated); the whole curve in ``color`` without one."""
    solid = {"color": color}
    if end is None:
        return [(temperatures, values, solid)]
    t_end = end.temperature_K
    at_end = float(np.interp(t_end, temperatures, values))
    below, above = temperatures < t_end, temperatures > t_end
    return [
        (np.append(temperatures[below], t_end), np.append(values[below], at_end), solid),
        (
            np.insert(temperatures[above], 0, t_end),
            np.insert(values[above], 0, at_end),
            {"color": "0.6", "lw": 0.9, "gid": EXTRAPOLATED},
        ),
    ]


def marked_changes(
    phase_changes: Sequence[PhaseChange], temperatures_K: Sequence[float]
) -> tuple[PhaseChange, ...]:
    """The phase changes the F, S and Cv panels mark: those from 0 K to their right edge."""
    t_max = max([T_MAX_K, *temperatures_K])
    return tuple(
        sorted(
            (c for c in phase_changes if 0 <= c.temperature_K <= t_max),
            key=lambda c: c.temperature_K,
        )
    )


def described(
    ph: Phonopy,
    directory: Path,
    temperatures_K: Sequence[float],
    phase_changes: Sequence[PhaseChange],
    band_range_THz: tuple[float, float] | None,
) -> PhononFigures:
    """What ``write`` returned for these inputs, for figures already in ``directory``."""
    directory = Path(directory)
    band_path, error = band_path_or_error(ph)
    paths = [directory / BAND_YAML] if band_path is not None else []
    paths += [directory / BAND_STRUCTURE_PNG, directory / THERMAL_PROPERTIES_PNG]
    return PhononFigures(
        tuple(paths),
        band_path,
        error,
        band_range_THz if band_path is not None else None,
        marked_changes(phase_changes, temperatures_K),
    )


def _save(fig, path: Path) -> Path:
    """Saved at 120 dpi; the layout is fixed by the caller (tight_layout would lay out every
    text once more: a third of a figure's cost)."""
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
