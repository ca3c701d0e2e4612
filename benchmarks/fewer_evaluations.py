"""Fewer model evaluations for the same answer (issue 26): what the levers give with CHGNet.

    OMP_NUM_THREADS=1 nice python benchmarks/fewer_evaluations.py --run DIR [--cache FILE]
        [--part relax|phonons|all] [--only-tables]

``DIR`` is a finished default run (``nasx run --out DIR``, CHGNet): its relaxation inputs,
relaxed structures and finite-displacement phonon sets are the reference ("old scheme").

- relaxations (``fewer_relaxations.py``): each phase's relaxation input relaxed again with
  nasx's constraint (FixSymmetry + FrechetCellFilter, fmax 1e-3 eV/Å) by BFGS (today's), ASE's
  PreconLBFGS with the exponential preconditioner (Armijo, and Wolfe line search; its stress
  criterion set to what the filter's gradient asks of BFGS: |σ| < fmax·N/V), FIRE, BFGS at
  fmax 1e-2 then 1e-3, BFGSLineSearch, and BFGS with a softer initial Hessian (20 and 10 eV/Å²
  for ASE's 70): model evaluations, steps, and the energy (meV/atom), volume (%) and largest
  atomic shift (Å) against today's BFGS; a method is stopped at 3× BFGS's evaluations;
- phonons (``fewer_phonons.py``): random displacements of every atom (phonopy, 0.01 and 0.03 Å,
  seed 0) on the run's own unit cell and supercell, force constants fitted by symfc (no
  cutoff, 5, 6, 8 Å) from 1 to 8 supercells, against the run's finite displacements: F_vib
  (meV/atom), S and Cv (meV/K/atom) at 300 and 400 K and the imaginary-mode classification;
  the finite displacements in one direction only (a subset of the run's, no evaluation); and
  control fits of the same random supercells with the harmonic forces −Φu of the finite
  displacements' force constants Φ, which separate the fit's own error from the model's.

What it found on 2026-12-07 (CHGNet 0.4.2 r2scan, the six default phases): no random scheme
holds on more than one phase (bcc Na): CHGNet's forces on the random supercells differ from
harmonic ones by 6–19 % (rms) at 0.01 Å, and for S8 and Na2S5 even exact harmonic forces need
more than 8 supercells within an 8 Å cutoff; without a cutoff the fit of the large cells
needs more supercells than the finite scheme's. No optimiser beats BFGS on every phase; BFGS
with a 20 eV/Å² initial Hessian needs 8 % fewer evaluations in all (S8: 5 % more).

Evaluated atoms = supercell (or cell) atoms × evaluations. Every calculation is cached in
``--cache`` (JSON, written after each one; the random supercells' forces, megabytes, in
``<cache>_forces.json`` beside it), so an interrupted run continues and ``--only-tables``
prints what is there; ``benchmarks/fewer_evaluations_results.json`` holds the runs of
2026-12-07 (without their forces file: enough for ``--only-tables``).
"""

from __future__ import annotations

import argparse
import json
from itertools import product
from pathlib import Path

import numpy as np
from fewer_phonons import (
    AMPLITUDES_A,
    CUTOFFS_A,
    SNAPSHOTS,
    UNCUT_SNAPSHOTS,
    kind,
    phonon_table,
    run_phonons,
)
from fewer_relaxations import RELAX_METHODS, relax_table, run_relaxations


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


F_TOLERANCE_MEV = 0.5
"""Issue 26: F_vib, and T·S and T·Cv at each temperature, within 0.5 meV/atom of the old scheme."""
E_TOLERANCE_MEV = 0.1
"""Issue 26: the relaxed energy within 0.1 meV/atom of the old scheme."""
TEMPERATURES_K = (300.0, 400.0)


def _phonons_hold(row: dict, ref: dict) -> bool:
    if "F_meV" not in row or kind(row) != kind(ref):
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
    parser.add_argument(
        "--run",
        type=Path,
        help="a finished nasx run; its model computes the random supercells' forces",
    )
    parser.add_argument(
        "--cache", type=Path, default=Path(__file__).with_name("fewer_evaluations_results.json")
    )
    parser.add_argument("--part", choices=("relax", "phonons", "all"), default="all")
    parser.add_argument("--only-tables", action="store_true")
    args = parser.parse_args()
    cache = _load_cache(args.cache)

    def save() -> None:
        _save_cache(args.cache, cache)

    if not args.only_tables:
        if args.run is None:
            parser.error("--run is needed unless --only-tables")
        if args.part in ("phonons", "all"):
            run_phonons(args.run, _phase_ids(args.run), cache, save)
        if args.part in ("relax", "all"):
            run_relaxations(args.run, _phase_ids(args.run), cache, save)
    print("\n".join(phonon_table(cache)))
    print()
    print("\n".join(relax_table(cache)))
    print()
    print("\n".join(summary_table(cache)))


if __name__ == "__main__":
    main()
