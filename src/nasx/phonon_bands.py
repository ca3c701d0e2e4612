"""Phonon band structures along a standard high-symmetry path, and phonopy's band.yaml.

The path is SeeK-path's (Hinuma et al., Comp. Mat. Sci. 128 (2017) 140) for the crystal's
Bravais lattice, with its points converted to the reciprocal basis of phonopy's own primitive
cell (``seekpath.get_path_orig_cell``): phonopy's ``auto_band_structure`` passes SeeK-path's
coordinates, which belong to SeeK-path's standardised primitive cell, unchanged to phonopy's
primitive cell, which is only right when the two cells coincide.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import seekpath
from phonopy import Phonopy

from nasx.layout import atomic_path

BAND_QPOINTS = 150
"""q-points along the whole path (spread by length; each segment has at least 3)."""

GREEK = {"GAMMA": ("Γ", r"\Gamma"), "SIGMA": ("Σ", r"\Sigma"), "DELTA": ("Δ", r"\Delta")}
GREEK |= {"LAMBDA": ("Λ", r"\Lambda")}
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class BandPath:
    """A high-symmetry path: ``segments`` are (start, end) point names as SeeK-path names them
    ("GAMMA", "X", "S_0"); ``points`` their reduced coordinates in the reciprocal basis of
    phonopy's primitive cell; ``bravais_lattice`` SeeK-path's extended symbol ("cF2")."""

    bravais_lattice: str
    segments: tuple[tuple[str, str], ...]
    points: dict[str, tuple[float, float, float]]

    def chains(self) -> list[list[str]]:
        """The path as runs of connected points: [["GAMMA", "X", "U"], ["K", "GAMMA", …]]."""
        runs: list[list[str]] = []
        for start, end in self.segments:
            if runs and runs[-1][-1] == start:
                runs[-1].append(end)
            else:
                runs.append([start, end])
        return runs

    def text(self) -> str:
        """The path as people write it: "Γ–X–U|K–Γ–L–W–X"."""
        return "|".join("–".join(label_text(p) for p in run) for run in self.chains())


def label_text(name: str) -> str:
    """A SeeK-path point name in Unicode: "GAMMA" → "Γ", "S_0" → "S₀"."""
    head, _, sub = name.partition("_")
    return GREEK.get(head, (head, head))[0] + sub.translate(SUBSCRIPTS)


def label_tex(name: str) -> str:
    """A SeeK-path point name as matplotlib mathtext, as phonopy labels band.yaml: "$\\Gamma$"."""
    head, _, sub = name.partition("_")
    symbol = GREEK[head][1] if head in GREEK else rf"\mathrm{{{head}}}"
    return f"${symbol}_{{{sub}}}$" if sub else f"${symbol}$"


def high_symmetry_path(ph: Phonopy) -> BandPath:
    """SeeK-path's path for the primitive cell of ``ph``, in that cell's reciprocal basis
    (time reversal assumed, as for phonons; symmetry found at phonopy's tolerance)."""
    with warnings.catch_warnings():  # an edge case (e.g. a = c in tI) still gives a valid path
        warnings.simplefilter("ignore")
        found = seekpath.get_path_orig_cell(
            ph.primitive.totuple(), with_time_reversal=True, symprec=ph.symmetry.tolerance
        )
    segments = tuple((str(a), str(b)) for a, b in found["path"])
    names = {name for segment in segments for name in segment}
    points = {
        name: tuple(float(v) + 0.0 for v in np.round(found["point_coords"][name], 12))
        for name in sorted(names)
    }
    return BandPath(str(found["bravais_lattice_extended"]), segments, points)


@dataclass(frozen=True)
class Bands:
    """Frequencies along ``path``: per segment, ``distances`` (n_q,) along the path in 1/Å
    (2π not included, as phonopy) and ``frequencies_THz`` (n_q, n_branches), imaginary
    modes as negative numbers; ``ticks`` the (distance, label) of every point, a break
    between runs labelled "X|K"."""

    path: BandPath
    distances: tuple[np.ndarray, ...]
    frequencies_THz: tuple[np.ndarray, ...]
    ticks: tuple[tuple[float, str], ...]


def run_bands(ph: Phonopy, path: BandPath, n_qpoints: int = BAND_QPOINTS) -> Bands:
    """Frequencies of ``ph`` (force constants set) at about ``n_qpoints`` points along ``path``,
    spread in proportion to each segment's length; leaves them on ``ph`` for ``write_band_yaml``."""
    reciprocal = np.linalg.inv(ph.primitive.cell)  # columns: reciprocal vectors (1/Å, no 2π)
    ends = [(np.array(path.points[a]), np.array(path.points[b])) for a, b in path.segments]
    lengths = np.array([np.linalg.norm(reciprocal @ (b - a)) for a, b in ends])
    counts = np.maximum(3, np.rint(n_qpoints * lengths / lengths.sum()).astype(int))
    qpoints = [np.linspace(a, b, n) for (a, b), n in zip(ends, counts, strict=True)]
    connections, labels = [], []
    for run in path.chains():
        connections += [True] * (len(run) - 2) + [False]
        labels += [label_tex(p) for p in run]
    ph.run_band_structure(qpoints, path_connections=connections, labels=labels)
    band = ph.band_structure
    distances = tuple(np.asarray(d) for d in band.distances)
    # a segment starts where the previous one ended, also across a break (phonopy adds no jump)
    positions = [float(distances[0][0])] + [float(d[-1]) for d in distances]
    ticks = tuple(zip(positions, tick_labels(path), strict=True))
    return Bands(path, distances, tuple(np.asarray(f) for f in band.frequencies), ticks)


def tick_labels(path: BandPath) -> list[str]:
    """Unicode labels of the points of ``path`` in order, the two ends of a break joined: "X|K"."""
    names: list[str] = []
    for run in path.chains():
        if names:
            names[-1] = f"{names[-1]}|{label_text(run[0])}"
            run = run[1:]
        names += [label_text(p) for p in run]
    return names


def write_band_yaml(ph: Phonopy, target: Path) -> Path:
    """phonopy's band.yaml of the last ``run_bands`` on ``ph``, written to a temporary file of
    its own and renamed (an interrupted write never leaves half a file, two never share one)."""
    target = Path(target)
    with atomic_path(target) as tmp:
        ph.write_yaml_band_structure(filename=str(tmp))
    return target
