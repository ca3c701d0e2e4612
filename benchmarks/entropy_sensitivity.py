"""How S(298.15 K) of chosen phases moves with the phonon settings, and where it sits.

    OMP_NUM_THREADS=1 python benchmarks/entropy_sensitivity.py RUN_DIR [RUN_DIR ...]
        [--phases S8_Fddd Na2S_Fm-3m]

Each RUN_DIR is a finished ``nasx run`` (e.g. the default study and the same phases with
``--displacement 0.005``, ``--displacement 0.03``, ``--min-length 18``). For each phase it
reads ``phases/<id>/phonopy.yaml`` (displacements and forces), fits the force constants as
the analysis does (symfc's projector), and prints its supercell, displacement, imaginary-mode
fraction, and S(298.15 K) per atom under both imaginary-mode policies (``flag``: ν ≤ 0 left
out; ``pretend_real``: |ν|), with the breakdown by band and the rigid-molecule part
(``nasx.analysis.thermo.entropy_breakdown``). With ``--measured PHASE=S`` it also solves,
with the quantum mode entropy (no classical limit), for the factor s on the force constants
(every frequency × √s) that gives the measured S: on all modes, on the rigid-molecule part of
each mode alone, and on its intramolecular part alone (a mode's entropy split by its weight).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np


def softening(ph, measured: float) -> str:
    """The force-constant factors (all modes, rigid part, internal part) that give ``measured``."""
    from pymatgen.core import Structure

    from nasx.analysis.thermo.entropy_breakdown import (
        entropy_breakdown,
        mode_entropy_J_per_mol_K,
        rigid_basis,
        rigid_units,
        rigid_weights,
    )

    mesh = ph.mesh
    frequencies = np.array(mesh.frequencies)
    frequencies[mesh.gamma_index, np.argsort(np.abs(frequencies[mesh.gamma_index]))[:3]] = 0
    per_atom = mesh.weights[:, None] / mesh.weights.sum() / len(ph.primitive)
    primitive = ph.primitive
    units = rigid_units(Structure(primitive.cell, primitive.symbols, primitive.scaled_positions))
    rigid = np.zeros_like(frequencies)
    if units is not None:
        bases = [
            rigid_basis(u, np.asarray(primitive.cell), np.asarray(primitive.masses)) for u in units
        ]
        ph.run_qpoints(mesh.qpoints, with_eigenvectors=True)
        for k, (q, vectors) in enumerate(zip(mesh.qpoints, ph.qpoints.eigenvectors, strict=True)):
            rigid[k] = rigid_weights(vectors, q, units, bases)

    def entropy(scale_rigid: float, scale_internal: float) -> float:
        s_r = mode_entropy_J_per_mol_K(frequencies * scale_rigid, 298.15)
        s_i = mode_entropy_J_per_mol_K(frequencies * scale_internal, 298.15)
        return float(((rigid * s_r + (1 - rigid) * s_i) * per_atom).sum())

    def solve(which: str) -> str:
        low, high = 0.0, 12.0  # log of the frequency factor
        for _ in range(60):
            k = np.exp((low + high) / 2)
            value = {"all": entropy(k, k), "rigid": entropy(k, 1), "internal": entropy(1, k)}[which]
            low, high = (low, (low + high) / 2) if value < measured else ((low + high) / 2, high)
        k = np.exp(low)
        return (
            "impossible (S of the rest > measured)"
            if low > 11.9
            else f"s = {1 / k**2:.3g} (ν × {k:.2f})"
        )

    total = entropy(1, 1)
    assert (
        abs(total - entropy_breakdown(ph, 298.15, False, True).entropy_J_per_mol_K_per_atom) < 1e-6
    )
    parts = [f"measured {measured:.2f}, computed {total:.2f}: all modes {solve('all')}"]
    if units is not None:
        parts += [f"rigid part alone {solve('rigid')}", f"internal part alone {solve('internal')}"]
    return "; ".join(parts)


def entropy_rows(run: Path, phase: str, measured: float | None = None) -> list[str]:
    import phonopy
    from phonopy.cui.load_helper import produce_force_constants

    from nasx.analysis.thermo.entropy_breakdown import entropy_breakdown

    settings = json.loads((run / "results.json").read_text())["calculation_settings"]
    mesh = settings["phonon_settings"]["mesh_length_A"]
    tolerance = settings["phonon_settings"]["imaginary_tolerance_THz"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = phonopy.load(str(run / "phases" / phase / "phonopy.yaml"), produce_fc=False)
        produce_force_constants(
            ph, symmetrize_fc=True, is_compact_fc=True, use_symfc_projector=True
        )
        ph.run_mesh(mesh, is_mesh_symmetry=True)
    frequencies, weights = ph.mesh.frequencies, ph.mesh.weights.astype(float)
    below = (
        ((frequencies < tolerance) * weights[:, None]).sum() / weights.sum() / frequencies.shape[1]
    )
    displacement = np.linalg.norm(ph.dataset["first_atoms"][0]["displacement"])
    supercell = "×".join(str(n) for n in np.diag(ph.supercell_matrix))
    rows = []
    if measured is not None:
        rows.append(f"{run.name:14s} {phase:12s} {softening(ph, measured)}")
    for policy in ("flag", "pretend_real"):
        b = entropy_breakdown(ph, 298.15, policy == "pretend_real", True)
        bands = " ".join(f"{x.entropy_J_per_mol_K_per_atom:6.2f}" for x in b.bands)
        split = (
            f" rigid {b.external_J_per_mol_K_per_atom:6.2f} internal "
            f"{b.internal_J_per_mol_K_per_atom:6.2f}"
            if b.external_J_per_mol_K_per_atom is not None
            else ""
        )
        rows.append(
            f"{run.name:14s} {phase:12s} {supercell:6s} ({len(ph.supercell):4d} atoms) "
            f"d={displacement:.3f} Å imag {100 * below:5.2f} % {policy:12s} "
            f"S {b.entropy_J_per_mol_K_per_atom:6.2f} | bands {bands} |{split}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--phases", nargs="+", default=["S8_Fddd", "Na2S_Fm-3m"])
    parser.add_argument("--measured", nargs="*", default=[], metavar="PHASE=S")
    args = parser.parse_args()
    measured = {k: float(v) for k, v in (item.split("=") for item in args.measured)}
    print("S(298.15 K) in J/(mol·K) per atom; bands 0–1, 1–2, 2–4, 4–8, > 8 THz")
    for phase in args.phases:
        for run in args.runs:
            if (run / "phases" / phase / "phonopy.yaml").exists():
                rows = entropy_rows(run, phase, measured.get(phase))
                print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()
