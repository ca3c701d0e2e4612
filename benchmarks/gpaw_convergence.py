"""Convergence of GPAW r2SCAN for the Na–S set: the tests behind `GpawSettings`' defaults.

    OMP_NUM_THREADS=1 nice python benchmarks/gpaw_convergence.py [--cache FILE] [--only-tables]

Targets (issue 29): the formation energy of Na2S within 2 meV/atom and forces within 5 meV/Å.

- E_f(Na2S) = [E(Na2S) − 2 E(Na) − E(S)] / 3 at the unrelaxed input geometries (nasx's
  symmetrised, Niggli-reduced primitive cells of Na2S_Fm-3m, Na_Im-3m and α-S8 S8_Fddd);
- forces: Na2S's primitive cell with its S atom moved 0.05 Å along x, and bcc Na's cubic cell
  with one atom moved 0.05 Å (the metal), the largest force-component difference from the
  reference;
- against the plane-wave cutoff (k-points at 25 Å), each row's difference from 800 eV;
- against the k-point line density L (600 eV), each cell's energy per atom and forces against
  its densest row: the metal (bcc Na, to 50 Å) converges far more slowly than the insulator
  (Na2S, to 40 Å; its moved cell, with little symmetry left, to 30 Å).

α-S8 (32 atoms) costs 10² to 10³ times the others: its cutoff row uses the Γ point only, and
its own k-point convergence is a separate, shorter table (a molecular crystal with a wide gap
converges with few k-points). Every calculation is cached in ``--cache`` (JSON, written after
each one; the decisive ones first), so an interrupted run continues and ``--only-tables``
prints what is there. ``benchmarks/gpaw_convergence_results.json`` holds the runs of 2026-12-07
(docs/gpaw-details.md): ``--cache`` it to print their tables or to continue them.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nasx.gpaw_settings import GpawSettings
from nasx.structures import reference_set
from nasx.symmetry import INPUT_SYMPREC_A, symmetrized_primitive

CUTOFFS_EV = (400.0, 500.0, 600.0, 700.0, 800.0)
LENGTHS_A = (10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0)
METAL_LENGTHS_A = LENGTHS_A
"""bcc Na (the metal) up to 50 Å; Na2S (an insulator) up to 40 Å, its moved cell up to 30 Å."""
INSULATOR_LENGTHS_A = LENGTHS_A[:-1]
S8_LENGTHS_A = (1.0, 10.0, 15.0)
"""1 Å: the Γ point only."""
SHIFT_A = 0.05
CUTOFF_ROW_LENGTH_A = 25.0
"""The k-points of the cutoff table (S8 there: Γ only)."""


def cells() -> dict:
    from pymatgen.core import Lattice, Structure

    from nasx.workflows.calculators.gpaw_r2scan import niggli_reduced

    phases = {p.id: p.structure for p in reference_set("Na-S")}
    out = {
        name: niggli_reduced(symmetrized_primitive(phases[pid], INPUT_SYMPREC_A))
        for name, pid in (("Na2S", "Na2S_Fm-3m"), ("Na", "Na_Im-3m"), ("S8", "S8_Fddd"))
    }
    moved = out["Na2S"].copy()
    s_index = next(i for i, s in enumerate(moved) if s.specie.symbol == "S")
    moved.translate_sites([s_index], [SHIFT_A, 0, 0], frac_coords=False)
    out["Na2S-moved"] = moved
    a = phases["Na_Im-3m"].lattice.a
    na2 = Structure(Lattice.cubic(a), ["Na", "Na"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    na2.translate_sites([1], [SHIFT_A, 0, 0], frac_coords=False)
    out["Na-moved"] = na2
    return out


def compute(structure, settings: GpawSettings, forces: bool) -> dict:
    from gpaw import GPAW
    from pymatgen.io.ase import AseAtomsAdaptor

    atoms = AseAtomsAdaptor.get_atoms(structure)
    atoms.calc = GPAW(txt=None, **settings.gpaw_parameters(structure.lattice.matrix))
    start = time.process_time()
    energy = float(atoms.get_potential_energy())
    result = {"energy_eV": energy, "atoms": len(atoms)}
    if forces:
        result["forces_eV_per_A"] = atoms.get_forces().tolist()
    result["cpu_s"] = time.process_time() - start
    result["kpts"] = list(settings.kpoint_grid(structure.lattice.matrix))
    return result


def key(name: str, ecut_eV: float, length_A: float) -> str:
    return f"{name} ecut={ecut_eV:g} L={length_A:g}"


MOVED = ("Na2S-moved", "Na-moved")


def plan() -> list[tuple[str, float, float]]:
    """(cell, cutoff, k-point length), the cheap and decisive ones first."""
    top_ecut, base_length, gamma = CUTOFFS_EV[-1], CUTOFF_ROW_LENGTH_A, 1.0
    jobs = [(n, e, base_length) for e in CUTOFFS_EV for n in ("Na", "Na2S")]
    jobs += [("S8", e, gamma) for e in (CUTOFFS_EV[0], 600.0, top_ecut)]
    jobs += [("Na", 600.0, length) for length in METAL_LENGTHS_A]
    jobs += [("Na2S", 600.0, length) for length in INSULATOR_LENGTHS_A]
    jobs += [(n, e, base_length) for e in (*CUTOFFS_EV[:3], top_ecut) for n in MOVED]
    jobs += [("Na2S-moved", 600.0, length) for length in (15.0, 20.0, 30.0)]
    jobs += [("Na-moved", 600.0, length) for length in (30.0, 40.0, 50.0)]
    jobs += [("S8", CUTOFFS_EV[0], length) for length in S8_LENGTHS_A]
    jobs += [(n, 700.0, base_length) for n in MOVED]
    jobs += [("Na-moved", 600.0, length) for length in METAL_LENGTHS_A]
    jobs += [("Na2S-moved", 600.0, length) for length in INSULATOR_LENGTHS_A[:-1]]
    jobs += [("S8", e, gamma) for e in CUTOFFS_EV]
    return list(dict.fromkeys(jobs))


def run(cache: Path) -> dict:
    results = json.loads(cache.read_text()) if cache.exists() else {}
    structures = cells()
    for name, ecut, length in plan():
        k = key(name, ecut, length)
        if k in results:
            continue
        print(f"computing {k} ...", flush=True)
        settings = replace(GpawSettings(), ecut_eV=ecut, kpoint_length_A=length)
        results[k] = compute(structures[name], settings, forces="moved" in name)
        print(f"  {results[k]['energy_eV']:.6f} eV, {results[k]['cpu_s']:.0f} CPU-s", flush=True)
        cache.write_text(json.dumps(results, indent=1))
    return results


def formation(results: dict, ecut: float, length: float, s8: tuple[float, float]) -> float | None:
    """E_f(Na2S) in eV/atom from Na2S and Na at (ecut, length) and S8 at ``s8``."""
    keys = (key("Na2S", ecut, length), key("Na", ecut, length), key("S8", *s8))
    if not all(k in results for k in keys):
        return None
    na2s, na, sulfur = (results[k] for k in keys)
    e_na = na["energy_eV"] / na["atoms"]
    e_s = sulfur["energy_eV"] / sulfur["atoms"]
    return (na2s["energy_eV"] - 2 * e_na - e_s) / 3


def force_diff(results: dict, name: str, at: tuple[float, float], ref: tuple[float, float]):
    """Largest force-component difference (eV/Å) of cell ``name`` between two settings."""
    a, b = results.get(key(name, *at)), results.get(key(name, *ref))
    if a is None or b is None:
        return None
    return float(np.abs(np.array(a["forces_eV_per_A"]) - np.array(b["forces_eV_per_A"])).max())


def _fmt(x: float | None, scale: float = 1000.0, digits: int = 1) -> str:
    return "—" if x is None else f"{x * scale:.{digits}f}"


def _cpu(results: dict, *keys: str) -> str:
    return ", ".join(f"{results[k]['cpu_s']:.0f}" if k in results else "—" for k in keys)


def tables(results: dict) -> str:
    base, top_e, gamma = CUTOFF_ROW_LENGTH_A, CUTOFFS_EV[-1], 1.0
    lines = [f"Cutoff (k-points {base:g} Å; α-S8 at Γ, same cutoff), against {top_e:g} eV:", "",
             "| cutoff (eV) | E_f(Na2S) (eV/atom) | ΔE_f (meV/atom) | ΔF Na2S (meV/Å) | ΔF Na (meV/Å) | CPU s (Na, Na2S, S8) |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    ref = formation(results, top_e, base, (top_e, gamma))
    for ecut in CUTOFFS_EV:
        ef = formation(results, ecut, base, (ecut, gamma))
        diff = None if ef is None or ref is None else ef - ref
        lines.append(
            f"| {ecut:g} | {_fmt(ef, 1, 4)} | {_fmt(diff)} | "
            f"{_fmt(force_diff(results, 'Na2S-moved', (ecut, base), (top_e, base)))} | "
            f"{_fmt(force_diff(results, 'Na-moved', (ecut, base), (top_e, base)))} | "
            f"{_cpu(results, key('Na', ecut, base), key('Na2S', ecut, base), key('S8', ecut, gamma))} |"
        )
    metal_ref, insulator_ref = METAL_LENGTHS_A[-1], INSULATOR_LENGTHS_A[-1]
    force_ref = INSULATOR_LENGTHS_A[-2]
    lines += ["", f"k-point line density L (600 eV): bcc Na against {metal_ref:g} Å, Na2S against "
              f"{insulator_ref:g} Å (energies) and {force_ref:g} Å (forces):", "",
              "| L (Å) | grid Na | ΔE Na (meV/atom) | ΔF Na (meV/Å) | grid Na2S | ΔE Na2S (meV/atom) | ΔF Na2S (meV/Å) | CPU s (Na, Na2S) |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip

    def per_atom_diff(name: str, at: float, ref: float) -> float | None:
        a, b = results.get(key(name, 600.0, at)), results.get(key(name, 600.0, ref))
        return None if a is None or b is None else (a["energy_eV"] - b["energy_eV"]) / a["atoms"]

    for length in LENGTHS_A:
        grids = [
            "x".join(map(str, results.get(key(n, 600.0, length), {}).get("kpts", []))) or "—"
            for n in ("Na", "Na2S")
        ]
        lines.append(
            f"| {length:g} | {grids[0]} | {_fmt(per_atom_diff('Na', length, metal_ref))} | "
            f"{_fmt(force_diff(results, 'Na-moved', (600.0, length), (600.0, metal_ref)))} | "
            f"{grids[1]} | {_fmt(per_atom_diff('Na2S', length, insulator_ref))} | "
            f"{_fmt(force_diff(results, 'Na2S-moved', (600.0, length), (600.0, force_ref)))} | "
            f"{_cpu(results, key('Na', 600.0, length), key('Na2S', 600.0, length))} |"
        )
    lines += ["", "E_f(Na2S) moves by [ΔE(Na2S cell) − 2 ΔE(Na) − ΔE(S)] / 3: with ΔE per atom, "
              "by ΔE_Na2S − (2/3) ΔE_Na − (1/3) ΔE_S."]  # fmt: skip
    lines += ["", f"α-S8 k-points ({CUTOFFS_EV[0]:g} eV), energy per atom against the densest:", "",
              "| L (Å) | grid | ΔE (meV/atom) | CPU s |", "|---|---|---|---|"]  # fmt: skip
    densest = results.get(key("S8", CUTOFFS_EV[0], S8_LENGTHS_A[-1]))
    for length in S8_LENGTHS_A:
        r = results.get(key("S8", CUTOFFS_EV[0], length))
        if r is None:
            lines.append(f"| {length:g} | — | — | — |")
            continue
        d = None if densest is None else (r["energy_eV"] - densest["energy_eV"]) / r["atoms"]
        lines.append(
            f"| {length:g} | {'x'.join(map(str, r['kpts']))} | {_fmt(d)} | {r['cpu_s']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("gpaw_convergence.json"))
    parser.add_argument("--only-tables", action="store_true")
    args = parser.parse_args()
    results = (
        json.loads(args.cache.read_text()) if args.only_tables and args.cache.exists() else None
    )
    if results is None:
        results = run(args.cache)
    print(tables(results))


if __name__ == "__main__":
    main()
