"""The phonon half of ``fewer_evaluations.py``: random displacements fitted by symfc against the
run's finite displacements, with control fits of harmonic forces."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from itertools import product
from pathlib import Path

import numpy as np

AMPLITUDES_A = (0.01, 0.03)
SNAPSHOTS = (1, 2, 3, 4, 6, 8)
CUTOFFS_A = (None, 5.0, 6.0, 8.0)
"""symfc's cutoff of the force constants (None: every pair of the supercell)."""
UNCUT_SNAPSHOTS = (6, 8)
"""Without a cutoff, only these: fewer leave the fit of the large cells underdetermined (3657 to
5304 force-constant parameters against 672 to 1152 forces per supercell) and each fit is slow."""
SEED = 0
CONTROLS = ((None, 8), (6.0, 4), (6.0, 8), (8.0, 4), (8.0, 8))
"""(cutoff, supercells) of the control fits: the same random supercells with the harmonic forces
−Φu of the finite-displacement force constants Φ, so any difference from the finite scheme is
the fit's own (too few supercells, the cutoff), not the model's."""


def _settings(run: Path):
    from nasx.settings import PhononSettings

    return PhononSettings(**json.loads((run / "run.json").read_text())["phonon_settings"])


def _thermal_row(ph, forces, temperatures: list[float], settings) -> dict:
    from nasx import phonons

    tp = phonons.thermal_properties(ph, forces, temperatures, settings, symmetrize_fc=True)
    modes = tp.imaginary_modes
    return {
        "F_meV": [1e3 * f for f in tp.free_energy_eV_per_atom],
        "S_meV_K": [1e3 * s for s in tp.entropy_eV_per_K_per_atom],
        "Cv_meV_K": [1e3 * c for c in tp.heat_capacity_eV_per_K_per_atom],
        "min_frequency_THz": tp.min_frequency_THz,
        "classification": modes.classification if modes else "",
        "n_imaginary_mesh_modes": modes.n_mesh_modes if modes else 0,
    }


def _forces(structures, model: str) -> list[np.ndarray]:
    """The forces of the run's own model (run.json's calculator name: chgnet, sevennet)."""
    from nasx.workflows.calculators import CalculatorOptions, get_calculator

    calculator = get_calculator(model, CalculatorOptions())
    return [calculator.forces(s, Path(".")).forces_eV_per_A for s in structures]


def run_phonons(run: Path, phase_ids: list[str], cache: dict, save: Callable[[], None]) -> None:
    from phonopy import Phonopy

    from nasx import phonons

    settings = _settings(run)
    temperatures = json.loads((run / "run.json").read_text())["analysis"]["temperatures_K"]
    for phase_id in phase_ids:
        reference = phonons.load(run / "phases" / phase_id / "phonopy.yaml")
        key = f"{phase_id}|finite"
        if key not in cache["phonons"]:
            row = _thermal_row(reference, reference.forces, temperatures, settings)
            row["supercells"] = len(reference.displacements)
            row["supercell_atoms"] = len(reference.supercell)
            cache["phonons"][key] = row
            save()
        key = f"{phase_id}|plus_only"
        if key not in cache["phonons"]:
            cache["phonons"][key] = _plus_only_row(reference, temperatures, settings)
            save()
        for amplitude in AMPLITUDES_A:
            forces_key = f"{phase_id}|forces|{amplitude}"
            if forces_key not in cache["forces"]:
                ph = Phonopy(
                    reference.unitcell,
                    supercell_matrix=reference.supercell_matrix,
                    primitive_matrix=reference.primitive_matrix,
                    symprec=settings.symprec,
                )
                ph.generate_displacements(
                    distance=amplitude, number_of_snapshots=max(SNAPSHOTS), random_seed=SEED
                )
                cells = phonons.displaced_supercells(ph)
                start = time.perf_counter()
                model = json.loads((run / "run.json").read_text())["calculator"]["name"]
                forces = _forces(cells, model)
                cache["forces"][forces_key] = {
                    "displacements": np.asarray(ph.displacements).tolist(),
                    "forces": [f.tolist() for f in forces],
                    "seconds": time.perf_counter() - start,
                }
                save()
            stored = cache["forces"][forces_key]
            key = f"{phase_id}|residual|{amplitude}"
            if key not in cache["phonons"]:
                cache["phonons"][key] = {"relative_residual": _residual(reference, stored)}
                save()
            for cutoff, n in CONTROLS if amplitude == AMPLITUDES_A[0] else ():
                key = f"{phase_id}|control|{cutoff}|{n}"
                if key not in cache["phonons"]:
                    harmonic = {**stored, "forces": _harmonic_forces(reference, stored).tolist()}
                    row = _random_row(reference, harmonic, n, cutoff, temperatures, settings)
                    cache["phonons"][key] = row
                    save()
            for cutoff in CUTOFFS_A:
                for n in UNCUT_SNAPSHOTS if cutoff is None else SNAPSHOTS:
                    key = f"{phase_id}|random|{amplitude}|{cutoff}|{n}"
                    if key in cache["phonons"]:
                        continue
                    row = _random_row(reference, stored, n, cutoff, temperatures, settings)
                    cache["phonons"][key] = row
                    save()
                    print(f"phonons {key}: {row.get('error', 'ok')}", flush=True)


def _residual(reference, stored: dict) -> float:
    """How far the random supercells' forces are from harmonic ones: rms |F + Φ u| / rms |F|,
    Φ the run's finite-displacement force constants (symmetrised as nasx does)."""
    f = np.array(stored["forces"])
    harmonic = _harmonic_forces(reference, stored)
    return float(np.sqrt(((f - harmonic) ** 2).mean() / (f**2).mean()))


def _harmonic_forces(reference, stored: dict) -> np.ndarray:
    """−Φ u of the random supercells, Φ the run's finite-displacement force constants."""
    from phonopy.cui.load_helper import produce_force_constants

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        produce_force_constants(
            reference, symmetrize_fc=True, is_compact_fc=False, use_symfc_projector=True
        )
    u = np.array(stored["displacements"])
    return -np.einsum("ijab,njb->nia", reference.force_constants, u)


def _plus_only_row(reference, temperatures: list[float], settings) -> dict:
    """The finite displacements in one direction only (phonopy's ``is_plusminus=False``):
    the subset of the run's own set, so no new evaluation."""
    from phonopy import Phonopy

    ph = Phonopy(
        reference.unitcell,
        supercell_matrix=reference.supercell_matrix,
        primitive_matrix=reference.primitive_matrix,
        symprec=settings.symprec,
    )
    ph.generate_displacements(distance=settings.displacement_A, is_plusminus=False)
    full = reference.dataset["first_atoms"]
    chosen = []
    for wanted in ph.dataset["first_atoms"]:
        hits = [
            i
            for i, d in enumerate(full)
            if d["number"] == wanted["number"]
            and np.allclose(d["displacement"], wanted["displacement"], atol=1e-6)
        ]
        if not hits:
            return {"error": "the one-direction set is not a subset of the run's"}
        chosen.append(hits[0])
    forces = [reference.forces[i] for i in chosen]
    row = _thermal_row(ph, forces, temperatures, settings)
    row["supercells"] = len(chosen)
    row["supercell_atoms"] = len(reference.supercell)
    return row


def _random_row(reference, stored: dict, n: int, cutoff, temperatures, settings) -> dict:
    """F, S, Cv of the first ``n`` random supercells, fitted by symfc within ``cutoff``."""
    from phonopy import Phonopy

    ph = Phonopy(
        reference.unitcell,
        supercell_matrix=reference.supercell_matrix,
        primitive_matrix=reference.primitive_matrix,
        symprec=settings.symprec,
    )
    ph.dataset = {"displacements": np.array(stored["displacements"][:n])}
    ph.forces = np.array(stored["forces"][:n])
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ph.produce_force_constants(
                fc_calculator="symfc",
                fc_calculator_options={"cutoff": {2: cutoff}} if cutoff else None,
            )
        row = _thermal_row(ph, None, temperatures, settings)
    except Exception as exc:  # too few supercells for the fit, e.g.
        row = {"error": f"{type(exc).__name__}: {exc}"}
    row["fit_seconds"] = time.perf_counter() - start
    row["supercells"] = n
    row["supercell_atoms"] = len(reference.supercell)
    return row


def kind(row: dict) -> str:
    """The kind of the imaginary-mode classification: where the leading instability is
    (Γ, a zone-boundary point, a general q) or none, without its numbers."""
    return row["classification"].split("(")[0].split(":")[0].strip()


def phonon_table(cache: dict) -> list[str]:
    rows = cache["phonons"]
    phases = sorted({k.split("|")[0] for k in rows})
    lines = [
        "Phonons (the run's model; the stored results: CHGNet): random displacements fitted by symfc against finite displacements;",
        "ΔF meV/atom, ΔS and ΔCv meV/K/atom at 300 | 400 K; classification of imaginary modes.",
        f"{'phase':26} {'scheme':14} {'cells':>5} {'atoms×evals':>11} "
        f"{'ΔF300':>8} {'ΔF400':>8} {'ΔS300':>9} {'ΔCv300':>9} {'min THz':>8}  class",
    ]
    for phase in phases:
        ref = rows.get(f"{phase}|finite")
        if ref is None:
            continue
        residuals = [
            f"{a} Å: {rows[f'{phase}|residual|{a}']['relative_residual']:.1%}"
            for a in AMPLITUDES_A
            if f"{phase}|residual|{a}" in rows
        ]
        if residuals:
            lines.append(
                f"{phase}: the random supercells' forces differ from the finite-displacement "
                f"force constants' by (rms) {', '.join(residuals)}"
            )
        lines.append(
            f"{phase:26} {'finite':14} {ref['supercells']:5d} "
            f"{ref['supercells'] * ref['supercell_atoms']:11d} {'':8} {'':8} {'':9} {'':9} "
            f"{ref['min_frequency_THz']:8.3f}  {ref['classification'] or '-'}"
        )
        variants = [("finite +only", rows.get(f"{phase}|plus_only"))]
        variants += [
            (f"ctrl c{c or '-'}", rows.get(f"{phase}|control|{c}|{n}")) for c, n in CONTROLS
        ]
        variants += [
            (f"r{a} c{c or '-'}", rows.get(f"{phase}|random|{a}|{c}|{n}"))
            for a, c, n in product(AMPLITUDES_A, CUTOFFS_A, SNAPSHOTS)
        ]
        for label, row in variants:
            if row is None:
                continue
            n = row["supercells"]
            cost = n * row["supercell_atoms"]
            if "error" in row:
                lines.append(f"{phase:26} {label:14} {n:5d} {cost:11d}  {row['error'][:60]}")
                continue
            same = "same" if kind(row) == kind(ref) else "DIFFERS"
            lines.append(
                f"{phase:26} {label:14} {n:5d} {cost:11d} "
                f"{row['F_meV'][0] - ref['F_meV'][0]:8.3f} "
                f"{row['F_meV'][1] - ref['F_meV'][1]:8.3f} "
                f"{row['S_meV_K'][0] - ref['S_meV_K'][0]:9.5f} "
                f"{row['Cv_meV_K'][0] - ref['Cv_meV_K'][0]:9.5f} "
                f"{row['min_frequency_THz']:8.3f}  {same}: {row['classification'] or '-'}"
            )
    return lines
