"""How tight must a relaxation be before phonons? The evidence behind VASP's EDIFFG default.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/relaxation_tolerance.py [--cache FILE]
        [--fmax 1e-3 1e-2 ...] [--phases ID ...] [--only-table]

With CHGNet r2SCAN (nasx's default model, one torch thread), each phase of the default Na–S
set is relaxed from its input structure as nasx relaxes it (cell and positions, space group
held, BFGS on ASE's cell filter) to each residual force ``fmax``, and its harmonic F_vib at
300 and 400 K is computed from phonons exactly as ``nasx run`` computes them (same supercells,
displacements, symmetrised force constants, q-mesh). The table gives, per phase and fmax, the
relaxed energy, volume and F_vib as differences from the tightest fmax; the verdict names the
loosest fmax that keeps every F_vib within ``--fvib-tolerance`` (0.5 meV/atom) and every
relaxed energy within ``--energy-tolerance`` (0.1 meV/atom) of the tightest.

A machine-learned model is a stand-in for r2SCAN here: it has a smooth potential-energy
surface of about the same stiffness, so it says how the geometry error of a loose relaxation
propagates into F_vib; it does not say how VASP's own optimiser converges. Every (phase, fmax)
is cached in ``--cache`` (JSON, written after each one), so an interrupted run continues and
``--only-table`` prints what is there; ``benchmarks/relaxation_tolerance_results.json`` holds
the runs behind docs/cluster.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

FMAX_EV_PER_A = (5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2)
"""The residual forces tried (eV/Å); the tightest is each phase's reference."""
TEMPERATURES_K = (300.0, 400.0)
DEFAULT_CACHE = Path(__file__).with_name("relaxation_tolerance_results.json")
MAX_STEPS = 3000


def _key(phase_id: str, fmax: float) -> str:
    return f"{phase_id}@{fmax:g}"


def compute(phase, fmax: float, calculator, settings) -> dict:
    """Relax ``phase`` to ``fmax`` and compute its F_vib; energies per atom in eV."""
    from nasx import phonons
    from nasx.settings import RelaxSettings
    from nasx.symmetry import RELAXED_SYMPREC_A

    start = time.process_time()
    with tempfile.TemporaryDirectory() as scratch:
        cell = calculator.relaxation_cell(phase.structure)
        relax = RelaxSettings(fmax_eV_per_A=fmax, max_steps=MAX_STEPS)
        result = calculator.relax(cell, relax, Path(scratch))
        relaxed = result.structure
        unitcell = phonons.conventional_cell(
            relaxed, phonons.conventional_matrix(phase.structure, cell), RELAXED_SYMPREC_A
        )
        ph = phonons.displacements(
            unitcell,
            settings.phonons.supercell_for(phase.id, unitcell.lattice.matrix),
            settings.phonons,
        )
        forces = [
            calculator.forces(s, Path(scratch)).forces_eV_per_A
            for s in phonons.displaced_supercells(ph)
        ]
        thermal = phonons.thermal_properties(
            ph,
            forces,
            list(TEMPERATURES_K),
            settings.phonons,
            symmetrize_fc=settings.phonons.symmetrize_fc,
        )
    return {
        "phase": phase.id,
        "fmax_eV_per_A": fmax,
        "energy_eV_per_atom": result.energy_eV / len(relaxed),
        "volume_A3_per_atom": relaxed.volume / len(relaxed),
        "max_force_eV_per_A": result.max_force_eV_per_A,
        "max_stress_GPa": result.max_stress_GPa,
        "steps": result.steps,
        "converged": result.converged,
        "temperatures_K": list(TEMPERATURES_K),
        "free_energy_eV_per_atom": thermal.free_energy_eV_per_atom,
        "min_frequency_THz": thermal.min_frequency_THz,
        "n_displacements": thermal.n_displacements,
        "cpu_s": round(time.process_time() - start, 1),
    }


def table(cache: dict, fvib_tol_meV: float, energy_tol_meV: float) -> str:
    """Differences from each phase's tightest fmax (meV/atom, % volume) and the verdict."""
    by_phase: dict[str, dict[float, dict]] = {}
    for row in cache.values():
        by_phase.setdefault(row["phase"], {})[row["fmax_eV_per_A"]] = row
    lines = [
        f"{'phase':22s} {'fmax':>7s} {'steps':>5s} {'dE':>8s} {'dV %':>7s} "
        + " ".join(f"{f'dF({t:.0f} K)':>10s}" for t in TEMPERATURES_K)
        + f" {'min THz':>8s}",
        "(dE, dF in meV/atom against the tightest fmax of the phase)",
    ]
    within: dict[float, bool] = {}
    per_phase: dict[str, list[float]] = {}
    for phase_id, rows in by_phase.items():
        tight = rows[min(rows)]
        per_phase[phase_id] = []
        for fmax in sorted(rows):
            row = rows[fmax]
            de = 1e3 * (row["energy_eV_per_atom"] - tight["energy_eV_per_atom"])
            dv = 100 * (row["volume_A3_per_atom"] / tight["volume_A3_per_atom"] - 1)
            df = [
                1e3 * (a - b)
                for a, b in zip(
                    row["free_energy_eV_per_atom"], tight["free_energy_eV_per_atom"], strict=True
                )
            ]
            ok = abs(de) <= energy_tol_meV and all(abs(x) <= fvib_tol_meV for x in df)
            ok = ok and row["converged"]
            within[fmax] = within.get(fmax, True) and ok
            if ok and all(f in per_phase[phase_id] for f in sorted(rows) if f < fmax):
                per_phase[phase_id].append(fmax)
            lines.append(
                f"{phase_id:22s} {fmax:7.0e} {row['steps']:5d} {de:8.4f} {dv:7.3f} "
                + " ".join(f"{x:10.3f}" for x in df)
                + f" {row['min_frequency_THz']:8.3f}"
                + ("" if row["converged"] else "  (not converged)")
            )
    phases = sorted(by_phase)
    complete = [f for f in within if all(f in by_phase[p] for p in phases)]
    lines.append(
        f"\nloosest fmax within |dF_vib| <= {fvib_tol_meV} and |dE| <= {energy_tol_meV} "
        "meV/atom of the tightest, every tighter fmax too (the tightest passes by definition):"
    )
    for phase_id in phases:
        lines.append(f"  {phase_id:22s} {max(per_phase[phase_id]):g} eV/Å")
    passing = [f for f in complete if within[f]]
    lines.append(
        f"fmax measured on every phase: {', '.join(f'{f:g}' for f in sorted(complete))}; "
        f"passing on every phase: {', '.join(f'{f:g}' for f in sorted(passing)) or 'none'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--fmax", type=float, nargs="+", default=list(FMAX_EV_PER_A))
    parser.add_argument("--phases", nargs="+", default=None, help="ids (default: the study's)")
    parser.add_argument("--fvib-tolerance", type=float, default=0.5, help="meV/atom")
    parser.add_argument("--energy-tolerance", type=float, default=0.1, help="meV/atom")
    parser.add_argument("--only-table", action="store_true")
    args = parser.parse_args()
    cache = json.loads(args.cache.read_text()) if args.cache.exists() else {}
    if not args.only_table:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        warnings.filterwarnings("ignore")
        import torch

        torch.set_num_threads(1)
        from nasx.settings import RunSettings
        from nasx.structures import reference_set
        from nasx.workflows.calculators import get_calculator

        phase_set = reference_set("Na-S").select(None)
        chosen = [p for p in phase_set if args.phases is None or p.id in args.phases]
        phases = sorted(chosen, key=lambda p: len(p.structure))  # the cheapest first
        calculator = get_calculator("chgnet")
        settings = RunSettings().for_calculator(calculator.translation_invariant)
        for fmax in args.fmax:
            for phase in phases:
                key = _key(phase.id, fmax)
                if key in cache:
                    continue
                cache[key] = compute(phase, fmax, calculator, settings)
                args.cache.write_text(json.dumps(cache, indent=1) + "\n")
                row = cache[key]
                print(f"{key}: {row['steps']} steps, {row['cpu_s']} s CPU", flush=True)
    print(table(cache, args.fvib_tolerance, args.energy_tolerance))


if __name__ == "__main__":
    main()
