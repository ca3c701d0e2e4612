"""Fewer model evaluations for the same answer (issue 26): what the levers give with CHGNet.

    OMP_NUM_THREADS=1 nice python benchmarks/fewer_evaluations.py --run DIR [--cache FILE]
        [--part relax|phonons|all] [--only-tables]

``DIR`` is a finished default run (``nasx run --out DIR``, CHGNet): its relaxation inputs,
relaxed structures and finite-displacement phonon sets are the reference ("old scheme").

- relaxations: each phase's relaxation input relaxed again with nasx's constraint
  (FixSymmetry + FrechetCellFilter, fmax 1e-3 eV/Å) by BFGS (today's), ASE's PreconLBFGS with
  the exponential preconditioner (its stress criterion set to what the filter's gradient asks
  of BFGS: |σ| < fmax·N/V), FIRE, and BFGS at fmax 1e-2 then 1e-3: model evaluations, steps,
  and the energy (meV/atom), volume (%) and largest atomic shift (Å) against today's BFGS;
- phonons: random displacements of every atom (phonopy, fixed amplitude, seed 0) on the
  run's own unit cell and supercell, force constants fitted by symfc and symmetrised as
  nasx does, against the run's finite displacements: F_vib (meV/atom), S (meV/K/atom) and Cv
  at 300 and 400 K, and the imaginary-mode classification, per number of supercells.

Evaluated atoms = supercell (or cell) atoms × evaluations. Every calculation is cached in
``--cache`` (JSON, written after each one; the random supercells' forces, megabytes, in
``<cache>_forces.json`` beside it), so an interrupted run continues and ``--only-tables``
prints what is there; ``benchmarks/fewer_evaluations_results.json`` holds the runs of
2026-12-07 (without their forces file: enough for ``--only-tables``).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from itertools import product
from pathlib import Path

import numpy as np

RELAX_METHODS = (
    "bfgs",
    "precon_lbfgs",
    "precon_lbfgs_wolfe",
    "fire",
    "bfgs_two_stage",
    "bfgs_linesearch",
    "bfgs_alpha20",
    "bfgs_alpha10",
)
"""bfgs_alphaN: BFGS whose initial Hessian is N eV/Å² instead of ASE's 70 (softer crystals)."""
AMPLITUDES_A = (0.01, 0.03)
SNAPSHOTS = (1, 2, 3, 4, 6, 8)
CUTOFFS_A = (None, 5.0, 6.0, 8.0)
"""symfc's cutoff of the force constants (None: every pair of the supercell)."""
UNCUT_SNAPSHOTS = (6, 8)
"""Without a cutoff, only these: fewer leave the fit of the large cells underdetermined (3657 to
5304 force-constant parameters against 672 to 1152 forces per supercell) and each fit is slow."""
SEED = 0
LOOSE_FMAX_EV_PER_A = 1e-2
CONTROLS = ((None, 8), (6.0, 4), (6.0, 8), (8.0, 4), (8.0, 8))
"""(cutoff, supercells) of the control fits: the same random supercells with the harmonic forces
−Φu of the finite-displacement force constants Φ, so any difference from the finite scheme is
the fit's own (too few supercells, the cutoff), not the model's."""
BUDGET = 3
"""A method is stopped after this many times BFGS's evaluations (it cannot be the cheaper one)."""


def _forces_path(path: Path) -> Path:
    """The random supercells' displacements and forces (megabytes: kept beside the tables)."""
    return path.with_name(path.stem + "_forces.json")


def _load_cache(path: Path) -> dict:
    cache = json.loads(path.read_text()) if path.exists() else {"relax": {}, "phonons": {}}
    forces = _forces_path(path)
    cache["forces"] = json.loads(forces.read_text()) if forces.exists() else {}
    return cache


def _write(path: Path, document: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1, sort_keys=True))
    tmp.replace(path)


def _save_cache(path: Path, cache: dict) -> None:
    _write(path, {k: v for k, v in cache.items() if k != "forces"})
    _write(_forces_path(path), cache["forces"])


def _phase_ids(run: Path) -> list[str]:
    return sorted(p.name for p in (run / "phases").iterdir() if (p / "relax").is_dir())


class _Counted:
    """Counts the model evaluations of an ASE calculator (ASE's cache hits are not counted);
    also gives its energy as the free energy PreconLBFGS asks for (CHGNet has no smearing)."""

    def __init__(self, calc, limit: int | None = None) -> None:
        self.calc, self.count = calc, 0
        inner = calc.calculate

        def calculate(*args, **kwargs):
            self.count += 1
            if limit is not None and self.count > limit:
                raise RuntimeError(f"stopped after {limit} evaluations ({BUDGET}× BFGS's)")
            inner(*args, **kwargs)
            calc.results.setdefault("free_energy", calc.results["energy"])

        calc.calculate = calculate
        calc.implemented_properties = [*calc.implemented_properties, "free_energy"]


def relax_once(
    structure, method: str, fmax: float, max_steps: int, symprec: float, limit: int | None = None
) -> dict:
    """Relax ``structure`` as nasx does, with ``method``; what it cost and where it ended
    (stopped after ``limit`` evaluations)."""
    from ase.constraints import FixSymmetry
    from ase.filters import FrechetCellFilter
    from ase.optimize import BFGS, FIRE, BFGSLineSearch
    from ase.optimize.precon import PreconLBFGS
    from ase.units import GPa
    from pymatgen.io.ase import AseAtomsAdaptor

    from nasx.workflows.calculators.chgnet_r2scan import CHGNetCalculator

    atoms = AseAtomsAdaptor.get_atoms(structure)
    counted = _Counted(CHGNetCalculator().ase_calculator(), limit)
    atoms.calc = counted.calc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        atoms.set_constraint(FixSymmetry(atoms, symprec=symprec))
    target = FrechetCellFilter(atoms)
    steps, converged = 0, False
    stages = [LOOSE_FMAX_EV_PER_A, fmax] if method.endswith("two_stage") else [fmax]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for stage_fmax in stages:
                if method == "bfgs_linesearch":
                    opt = BFGSLineSearch(target, logfile=None)
                    converged = bool(opt.run(fmax=stage_fmax, steps=max_steps - steps))
                elif method.startswith("bfgs"):
                    alpha = float(method.split("alpha")[1]) if "alpha" in method else 70.0
                    opt = BFGS(target, logfile=None, alpha=alpha)
                    converged = bool(opt.run(fmax=stage_fmax, steps=max_steps - steps))
                elif method == "fire":
                    opt = FIRE(target, logfile=None)
                    converged = bool(opt.run(fmax=stage_fmax, steps=max_steps - steps))
                elif method.startswith("precon_lbfgs"):
                    armijo = not method.endswith("wolfe")
                    opt = PreconLBFGS(target, precon="Exp", use_armijo=armijo, logfile=None)
                    smax = stage_fmax * len(atoms) / atoms.get_volume()
                    converged = bool(opt.run(fmax=stage_fmax, steps=max_steps - steps, smax=smax))
                else:
                    raise ValueError(method)
                steps += int(opt.nsteps)
    except RuntimeError as exc:  # a line search that finds no lower energy, or the budget
        return {
            "error": str(exc),
            "evaluations": counted.count,
            "steps": steps,
            "n_atoms": len(atoms),
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        residual = float(np.abs(target.get_forces()).max())
    atoms.set_constraint()
    forces = atoms.get_forces()
    return {
        "evaluations": counted.count,
        "steps": steps,
        "converged": converged,
        "n_atoms": len(atoms),
        "energy_eV_per_atom": float(atoms.get_potential_energy()) / len(atoms),
        "volume_A3": float(atoms.get_volume()),
        "lattice": atoms.cell.cellpar().tolist(),
        "frac_coords": atoms.get_scaled_positions().tolist(),
        "max_force_eV_per_A": float(np.linalg.norm(forces, axis=1).max()),
        "max_stress_GPa": float(np.abs(atoms.get_stress(voigt=False) / GPa).max()),
        "filter_residual": residual,
    }


def run_relaxations(run: Path, cache: dict, cache_path: Path) -> None:
    from pymatgen.core import Structure

    settings = json.loads((run / "run.json").read_text())["relax_settings"]
    for phase_id in _phase_ids(run):
        result = json.loads((run / "phases" / phase_id / "relax" / "result.json").read_text())
        structure = Structure.from_dict(result["input_structure"])
        for method in RELAX_METHODS:
            key = f"{phase_id}|{method}"
            if key in cache["relax"]:
                continue
            start = time.perf_counter()
            try:
                row = relax_once(
                    structure,
                    method,
                    settings["fmax_eV_per_A"],
                    settings["max_steps"],
                    settings["symprec"],
                    None
                    if method == "bfgs"
                    else BUDGET * cache["relax"][f"{phase_id}|bfgs"]["evaluations"],
                )
            except Exception as exc:  # e.g. a line search that finds no lower energy
                row = {"error": f"{type(exc).__name__}: {exc}", "n_atoms": len(structure)}
            row["seconds"] = time.perf_counter() - start
            row["run_steps"] = result["steps"]
            cache["relax"][key] = row
            _save_cache(cache_path, cache)
            print(f"relax {key}: {row.get('evaluations', row.get('error'))}", flush=True)


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


def _forces(structures) -> list[np.ndarray]:
    from nasx.workflows.calculators.chgnet_r2scan import CHGNetCalculator

    calculator = CHGNetCalculator()
    return [calculator.forces(s, Path(".")).forces_eV_per_A for s in structures]


def run_phonons(run: Path, cache: dict, cache_path: Path) -> None:
    from phonopy import Phonopy

    from nasx import phonons

    settings = _settings(run)
    temperatures = json.loads((run / "run.json").read_text())["analysis"]["temperatures_K"]
    for phase_id in _phase_ids(run):
        reference = phonons.load(run / "phases" / phase_id / "phonopy.yaml")
        key = f"{phase_id}|finite"
        if key not in cache["phonons"]:
            row = _thermal_row(reference, reference.forces, temperatures, settings)
            row["supercells"] = len(reference.displacements)
            row["supercell_atoms"] = len(reference.supercell)
            cache["phonons"][key] = row
            _save_cache(cache_path, cache)
        key = f"{phase_id}|plus_only"
        if key not in cache["phonons"]:
            cache["phonons"][key] = _plus_only_row(reference, temperatures, settings)
            _save_cache(cache_path, cache)
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
                forces = _forces(cells)
                cache["forces"][forces_key] = {
                    "displacements": np.asarray(ph.displacements).tolist(),
                    "forces": [f.tolist() for f in forces],
                    "seconds": time.perf_counter() - start,
                }
                _save_cache(cache_path, cache)
            stored = cache["forces"][forces_key]
            key = f"{phase_id}|residual|{amplitude}"
            if key not in cache["phonons"]:
                cache["phonons"][key] = {"relative_residual": _residual(reference, stored)}
                _save_cache(cache_path, cache)
            for cutoff, n in CONTROLS if amplitude == AMPLITUDES_A[0] else ():
                key = f"{phase_id}|control|{cutoff}|{n}"
                if key not in cache["phonons"]:
                    harmonic = {**stored, "forces": _harmonic_forces(reference, stored).tolist()}
                    row = _random_row(reference, harmonic, n, cutoff, temperatures, settings)
                    cache["phonons"][key] = row
                    _save_cache(cache_path, cache)
            for cutoff in CUTOFFS_A:
                for n in UNCUT_SNAPSHOTS if cutoff is None else SNAPSHOTS:
                    key = f"{phase_id}|random|{amplitude}|{cutoff}|{n}"
                    if key in cache["phonons"]:
                        continue
                    row = _random_row(reference, stored, n, cutoff, temperatures, settings)
                    cache["phonons"][key] = row
                    _save_cache(cache_path, cache)
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


def _shift_A(a: dict, b: dict) -> float:
    """Largest distance between the same atom in two relaxed cells (b's lattice, wrapped)."""
    from ase.geometry import cellpar_to_cell

    delta = np.array(a["frac_coords"]) - np.array(b["frac_coords"])
    delta -= np.rint(delta)
    return float(np.linalg.norm(delta @ cellpar_to_cell(b["lattice"]), axis=1).max())


def relax_table(cache: dict) -> list[str]:
    rows = cache["relax"]
    phases = sorted({k.split("|")[0] for k in rows})
    lines = [
        "Relaxations (CHGNet, FixSymmetry + FrechetCellFilter, fmax 1e-3 eV/Å); "
        "differences against BFGS:",
        f"{'phase':26} {'method':15} {'evals':>6} {'steps':>6} {'atoms×evals':>12} "
        f"{'ΔE meV/at':>10} {'ΔV %':>8} {'shift Å':>8} {'conv':>5} {'σmax GPa':>9}",
    ]
    totals: dict[str, int] = {}
    for phase in phases:
        base = rows.get(f"{phase}|bfgs")
        for method in RELAX_METHODS:
            row = rows.get(f"{phase}|{method}")
            if row is None:
                continue
            if "error" in row:
                spent = f"{row['evaluations']:6d}" if "evaluations" in row else " " * 6
                lines.append(f"{phase:26} {method:15} {spent}  failed: {row['error'][:70]}")
                continue
            totals[method] = totals.get(method, 0) + row["evaluations"] * row["n_atoms"]
            de = dv = shift = float("nan")
            if base is not None:
                de = 1e3 * (row["energy_eV_per_atom"] - base["energy_eV_per_atom"])
                dv = 100 * (row["volume_A3"] / base["volume_A3"] - 1)
                shift = _shift_A(row, base)
            lines.append(
                f"{phase:26} {method:15} {row['evaluations']:6d} {row['steps']:6d} "
                f"{row['evaluations'] * row['n_atoms']:12d} {de:10.4f} {dv:8.4f} "
                f"{shift:8.5f} {row['converged']!s:>5} {row['max_stress_GPa']:9.5f}"
            )
    return lines


def _kind(row: dict) -> str:
    """The kind of the imaginary-mode classification: where the leading instability is
    (Γ, a zone-boundary point, a general q) or none, without its numbers."""
    return row["classification"].split("(")[0].split(":")[0].strip()


def phonon_table(cache: dict) -> list[str]:
    rows = cache["phonons"]
    phases = sorted({k.split("|")[0] for k in rows})
    lines = [
        "Phonons (CHGNet): random displacements fitted by symfc against finite displacements;",
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
            same = "same" if _kind(row) == _kind(ref) else "DIFFERS"
            lines.append(
                f"{phase:26} {label:14} {n:5d} {cost:11d} "
                f"{row['F_meV'][0] - ref['F_meV'][0]:8.3f} "
                f"{row['F_meV'][1] - ref['F_meV'][1]:8.3f} "
                f"{row['S_meV_K'][0] - ref['S_meV_K'][0]:9.5f} "
                f"{row['Cv_meV_K'][0] - ref['Cv_meV_K'][0]:9.5f} "
                f"{row['min_frequency_THz']:8.3f}  {same}: {row['classification'] or '-'}"
            )
    return lines


F_TOLERANCE_MEV = 0.5
"""Issue 26: F_vib, and T·S and T·Cv at each temperature, within 0.5 meV/atom of the old scheme."""
E_TOLERANCE_MEV = 0.1
"""Issue 26: the relaxed energy within 0.1 meV/atom of the old scheme."""
TEMPERATURES_K = (300.0, 400.0)


def _phonons_hold(row: dict, ref: dict) -> bool:
    if "F_meV" not in row or _kind(row) != _kind(ref):
        return False
    for i, t in enumerate(TEMPERATURES_K):
        for key, scale in (("F_meV", 1.0), ("S_meV_K", t), ("Cv_meV_K", t)):
            if abs(row[key][i] - ref[key][i]) * scale > F_TOLERANCE_MEV:
                return False
    return True


def _relax_holds(row: dict | None, base: dict) -> bool:
    if row is None or "error" in row or not row["converged"]:
        return False
    return 1e3 * abs(row["energy_eV_per_atom"] - base["energy_eV_per_atom"]) <= E_TOLERANCE_MEV


def _variants(phase: str) -> list[str]:
    """The keys of every phonon scheme measured for ``phase`` but the finite reference."""
    return [f"{phase}|plus_only"] + [
        f"{phase}|random|{a}|{c}|{n}"
        for a, c in product(AMPLITUDES_A, CUTOFFS_A)
        for n in (UNCUT_SNAPSHOTS if c is None else SNAPSHOTS)
    ]


def summary_table(cache: dict) -> list[str]:
    """Each scheme applied to every phase (no per-phase choice): where it holds, what it costs;
    then per phase the old scheme against the cheapest that holds for all phases."""
    relax, ph = cache["relax"], cache["phonons"]
    phases = sorted(
        k.split("|")[0] for k in ph if k.endswith("|finite") and f"{k.split('|')[0]}|bfgs" in relax
    )
    lines = [
        f"Each scheme on every phase: holds = ΔE ≤ {E_TOLERANCE_MEV} meV/atom (relaxation); "
        f"ΔF, T·ΔS, T·ΔCv ≤ {F_TOLERANCE_MEV} meV/atom at 300 and 400 K and the same kind of "
        "imaginary modes (phonons); evaluations include the runs that failed or were stopped",
        f"{'scheme':26} {'holds on':>9} {'evals':>6} {'atoms×evals':>12}",
    ]
    best_relax, best_cost = "bfgs", None
    for method in RELAX_METHODS:
        rows = [relax.get(f"{p}|{method}") for p in phases]
        held = sum(_relax_holds(r, relax[f"{p}|bfgs"]) for p, r in zip(phases, rows, strict=True))
        done = [r for r in rows if r is not None and "evaluations" in r]
        evals = sum(r["evaluations"] for r in done)
        atoms = sum(r["evaluations"] * r["n_atoms"] for r in done)
        lines.append(f"{'relax ' + method:26} {held:4d} of {len(phases)} {evals:6d} {atoms:12d}")
        if held == len(phases) and (best_cost is None or atoms < best_cost):
            best_relax, best_cost = method, atoms
    best_ph, best_cost = "finite", None
    refs = [ph[f"{p}|finite"] for p in phases]
    groups: dict[str, list[str]] = {}
    for scheme in ["finite", *(k.split("|", 1)[1] for k in _variants(""))]:
        rows = [ph.get(f"{p}|{scheme}") for p in phases]
        if any(r is None for r in rows):
            continue
        held = sum(
            scheme == "finite" or _phonons_hold(r, ref) for r, ref in zip(rows, refs, strict=True)
        )
        cells = sum(r["supercells"] for r in rows)
        atoms = sum(r["supercells"] * r["supercell_atoms"] for r in rows)
        if held == len(phases) and (best_cost is None or atoms < best_cost):
            best_ph, best_cost = scheme, atoms
        if not scheme.startswith("random"):
            lines.append(
                f"{'phonons ' + scheme:26} {held:4d} of {len(phases)} {cells:6d} {atoms:12d}"
            )
            continue
        group = "phonons random " + scheme.rsplit("|", 1)[0].split("|", 1)[1].replace(
            "|", " Å cut "
        )
        groups.setdefault(group, []).append(f"{scheme.rsplit('|', 1)[1]}: {held}")
    lines += [
        f"{g + ' Å':26} holds on (supercells: phases) {', '.join(v)}" for g, v in groups.items()
    ]
    lines += [
        "",
        f"Per phase, old scheme (bfgs / finite) vs the cheapest that holds on every phase "
        f"({best_relax} / {best_ph}):",
        f"{'phase':26} {'old evals':>9} {'old atoms':>10} {'new evals':>9} {'new atoms':>10}",
    ]
    totals = np.zeros(4, dtype=int)
    for phase in phases:
        values = []
        for method, scheme in (("bfgs", "finite"), (best_relax, best_ph)):
            r, f = relax[f"{phase}|{method}"], ph[f"{phase}|{scheme}"]
            values += [
                r["evaluations"] + f["supercells"],
                r["evaluations"] * r["n_atoms"] + f["supercells"] * f["supercell_atoms"],
            ]
        totals += np.array(values)
        lines.append(f"{phase:26} {values[0]:9d} {values[1]:10d} {values[2]:9d} {values[3]:10d}")
    lines.append(
        f"{'all phases':26} {totals[0]:9d} {totals[1]:10d} {totals[2]:9d} {totals[3]:10d}  "
        f"(evaluated atoms ×{totals[1] / max(totals[3], 1):.2f} fewer)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a finished default nasx run (CHGNet)")
    parser.add_argument(
        "--cache", type=Path, default=Path(__file__).with_name("fewer_evaluations_results.json")
    )
    parser.add_argument("--part", choices=("relax", "phonons", "all"), default="all")
    parser.add_argument("--only-tables", action="store_true")
    args = parser.parse_args()
    cache = _load_cache(args.cache)
    if not args.only_tables:
        if args.run is None:
            parser.error("--run is needed unless --only-tables")
        if args.part in ("phonons", "all"):
            run_phonons(args.run, cache, args.cache)
        if args.part in ("relax", "all"):
            run_relaxations(args.run, cache, args.cache)
    print("\n".join(phonon_table(cache)))
    print()
    print("\n".join(relax_table(cache)))
    print()
    print("\n".join(summary_table(cache)))


if __name__ == "__main__":
    main()
