"""The 0 K part of the Na–S study (relaxations, formation energies, OCV plateaus) with GPAW
r2SCAN, beside CHGNet, SevenNet and the paper's r2SCAN values.

    OMP_NUM_THREADS=1 nice python benchmarks/gpaw_study_0K.py [--models gpaw chgnet sevennet]
        [--gpaw KEY=VALUE ...] [--phases ID ...] [--fmax 0.005] [--cache FILE]

Each model relaxes every phase as a nasx run would (its relaxation cell, cell and positions with
the space group held) and its energies give the hull and the plateaus; the wall time of each
relaxation is printed. Every finished relaxation is cached (``--cache``, JSON), so a long GPAW
run can be interrupted and continued. At the default GPAW settings this is hours on one core
(α-S8: 32 atoms, Na2S4 24, Na2S5 28; one α-S8 SCF at 600 eV took 1295 s with 2×2×2 k-points
here), so run it on a machine with time to spare, or pass cheaper ``--gpaw`` settings to see
the pipeline work.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

PAPER_EF = {"Na2S": -1.224, "Na2S2": -0.976, "Na2S4": -0.687, "Na2S5": -0.591}
PAPER_PLATEAUS_V = (2.07, 2.03, 1.84, 1.72)


def relax_all(
    model: str,
    gpaw: dict,
    phases: list[str] | None,
    fmax: float,
    cache: Path,
    relax_only: bool = False,
    max_steps: int | None = None,
) -> dict:
    from nasx.gpaw_settings import GpawSettings
    from nasx.settings import RelaxSettings
    from nasx.structures import reference_set
    from nasx.workflows.calculators import CalculatorOptions, get_calculator

    options = CalculatorOptions(gpaw=GpawSettings.from_mapping("--gpaw", gpaw))
    calculator = get_calculator(model, options)
    key_parts = [model, calculator.as_dict(), fmax] + ([] if max_steps is None else [max_steps])
    tag = json.dumps(key_parts, sort_keys=True)
    relax = RelaxSettings(fmax_eV_per_A=fmax)
    if max_steps is not None:
        relax = RelaxSettings(fmax_eV_per_A=fmax, max_steps=max_steps)
    done = json.loads(cache.read_text()) if cache.exists() else {}
    full = reference_set("Na-S")
    chosen = [p for p in full if p.id in phases] if relax_only else full.select(phases)
    for phase in chosen:
        key = f"{tag} {phase.id}"
        if key in done:
            continue
        start = time.perf_counter()
        with TemporaryDirectory() as scratch:
            cell = calculator.relaxation_cell(phase.structure)
            result = calculator.relax(cell, relax, Path(scratch))
        done[key] = {
            "model": model,
            "phase": phase.id,
            "formula": phase.formula,
            "composition": result.structure.composition.as_dict(),
            "energy_eV": result.energy_eV,
            "volume_A3_per_atom": result.structure.volume / len(result.structure),
            "converged": result.converged,
            "steps": result.steps,
            "seconds": time.perf_counter() - start,
        }
        print(f"{model} {phase.id}: {result.steps} steps, {done[key]['seconds']:.0f} s", flush=True)
        cache.write_text(json.dumps(done, indent=1))
    return {v["phase"]: v for k, v in done.items() if k.startswith(tag + " ")}


def thermodynamics(relaxed: dict) -> tuple[dict, list]:
    """Formation energy per atom of each formula's lowest polymorph, and the plateaus."""
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    from nasx.analysis.thermo.voltage import plateaus
    from nasx.chemistry import BinarySystem

    entries = [
        PDEntry(Composition(r["composition"]), r["energy_eV"], name=r["formula"])
        for r in relaxed.values()
    ]
    diagram = PhaseDiagram(entries)
    formation: dict[str, float] = {}
    for entry in entries:
        value = diagram.get_form_energy_per_atom(entry)
        formation[entry.name] = min(value, formation.get(entry.name, value))
    return formation, plateaus(diagram, BinarySystem("Na", "S"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["gpaw", "chgnet", "sevennet"])
    parser.add_argument("--gpaw", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--phases", nargs="+")
    parser.add_argument("--fmax", type=float, default=0.005)
    parser.add_argument("--cache", type=Path, default=Path("gpaw_study_0K.json"))
    parser.add_argument(
        "--relax-only",
        action="store_true",
        help="relax these phase ids into the cache and stop (no elemental references needed): "
        "to fill the cache a few phases at a time",
    )
    parser.add_argument(
        "--max-steps",
        type=int,
        help="relaxation step limit; 0 gives single points at the input structures (the "
        "vetted experimental cells), a separate cache entry from the full relaxations",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    gpaw = dict(item.split("=", 1) for item in args.gpaw)
    results = {}
    for model in args.models:
        start = time.perf_counter()
        relaxed = relax_all(
            model, gpaw, args.phases, args.fmax, args.cache, args.relax_only, args.max_steps
        )
        if args.relax_only:
            continue
        total = sum(r["seconds"] for r in relaxed.values())
        results[model] = (*thermodynamics(relaxed), total)
        print(f"{model}: relaxations {total:.0f} s (this call {time.perf_counter() - start:.0f} s)")
    if args.relax_only:
        return
    formulas = sorted(PAPER_EF, key=lambda f: -PAPER_EF[f])
    print("\n| E_f (eV/atom) | " + " | ".join(formulas) + " |")
    print("|---|" + "---|" * len(formulas))
    print("| paper (VASP r2SCAN) | " + " | ".join(f"{PAPER_EF[f]:.3f}" for f in formulas) + " |")
    for model, (formation, _, _) in results.items():
        row = " | ".join(f"{formation[f]:.3f}" if f in formation else "—" for f in formulas)
        print(f"| {model} | {row} |")
    print("\n| plateaus (V, 0 K) | steps |\n|---|---|")
    print("| paper | " + " / ".join(f"{v:.2f}" for v in PAPER_PLATEAUS_V) + " |")
    for model, (_, steps, _) in results.items():
        print(f"| {model} | " + " / ".join(f"{s.voltage_V:.2f}" for s in steps) + " |")
    print("\n| model | relaxation wall time (s) |\n|---|---|")
    for model, (_, _, total) in results.items():
        print(f"| {model} | {total:.0f} |")


if __name__ == "__main__":
    main()
