"""The relaxation half of ``fewer_evaluations.py``: nasx's relaxation with other optimisers."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
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
LOOSE_FMAX_EV_PER_A = 1e-2
BUDGET = 3
"""A method is stopped after this many times BFGS's evaluations (it cannot be the cheaper one)."""


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


def run_relaxations(run: Path, phase_ids: list[str], cache: dict, save: Callable[[], None]) -> None:
    from pymatgen.core import Structure

    settings = json.loads((run / "run.json").read_text())["relax_settings"]
    for phase_id in phase_ids:
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
            save()
            print(f"relax {key}: {row.get('evaluations', row.get('error'))}", flush=True)


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
