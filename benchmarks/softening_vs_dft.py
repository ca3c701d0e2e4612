"""How much softer a model's force constants are than r2SCAN DFT's (GPAW), on Na2S.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/softening_vs_dft.py [--model chgnet]
        [--gpaw KEY=VALUE ...] [--volume 23.11] [--displacement 0.01] [--cache FILE]

Takes Na2S (Fm-3m) in its 12-atom conventional cell at one volume (default: GPAW r2SCAN's
relaxed volume from benchmarks/gpaw_study_0K_results.json, else the measured 23.3 Å³/atom; the
structure has no free internal coordinate, so both models see the same geometry), makes
phonopy's symmetry-reduced finite displacements of that cell (the cell itself is the
supercell), and computes the forces with the model and with GPAW r2SCAN (nasx's ``gpaw``
calculator at its default settings unless ``--gpaw`` says otherwise). Prints

- per displacement and overall, the least-squares ratio s = Σ F_model·F_dft / Σ F_dft·F_dft:
  the model's force constants are s × DFT's along that displacement (s < 1: softer);
- both sets' Γ frequencies and S(298.15 K) per atom (phonopy mesh of the 12-atom cell's
  force constants), and what the uniform softening s alone would change in S, −(3/2) k_B ln s
  per atom in the classical limit.

GPAW is not a core dependency: run this with an interpreter that has it (here:
``PYTHONPATH=/path/to/gpaw-packages .venv/bin/python``). GPAW's forces are cached (``--cache``,
JSON; the default is the file beside this script, which holds GPAW's forces at the default
settings) per displacement, so an interrupted run continues and a finished one is reprinted in
seconds. A 12-atom Na2S force call at the default settings took 13 min on a loaded core (40 min
at load 10 on 2 cores).

Measured 2026-12-07 (CHGNet 0.4.2 r2scan vs GPAW 26.7.0 r2SCAN, PW 600 eV, 4×4×4 k-points, at
GPAW's volume 23.11 Å³/atom): s = 0.545 (Na displaced), 0.606 (S displaced), 0.588 overall; Γ
optical modes 3.68 / 5.58 THz (CHGNet) against 5.73 / 6.46 THz (GPAW); S(298.15 K) in this
12-atom cell 40.54 (CHGNet) against 31.28 (GPAW) J/(mol·K) per atom, measured 32.3.
``--model sevennet`` (SevenNet 0.13.0 7net-mf-0, R2SCAN head): s = 0.617 (Na), 0.762 (S), 0.721
overall; Γ 4.40 / 5.16 THz; S 35.58.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

HERE = Path(__file__).parent
GPAW_0K = HERE / "gpaw_study_0K_results.json"
MEASURED_VOLUME_A3_PER_ATOM = 23.3
K_B_J_PER_MOL_K = 8.314462618
PHASE = "Na2S_Fm-3m"


def gpaw_volume() -> float:
    """GPAW r2SCAN's relaxed Na2S volume per atom (the 0 K study's cache), else the measured."""
    if GPAW_0K.exists():
        for value in json.loads(GPAW_0K.read_text()).values():
            if value.get("model") == "gpaw" and value.get("phase") == PHASE:
                return float(value["volume_A3_per_atom"])
    return MEASURED_VOLUME_A3_PER_ATOM


def conventional_na2s(volume_A3_per_atom: float):
    """The 12-atom conventional Na2S cell at ``volume_A3_per_atom``."""
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    from nasx.structures import reference_set

    phase = next(p for p in reference_set("Na-S") if p.id == PHASE)
    cell = SpacegroupAnalyzer(phase.structure).get_conventional_standard_structure()
    cell.scale_lattice(volume_A3_per_atom * len(cell))
    return cell


def phonopy_of(cell, displacement_A: float):
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    atoms = PhonopyAtoms(
        symbols=[str(s) for s in cell.species],
        cell=cell.lattice.matrix,
        scaled_positions=cell.frac_coords,
    )
    with warnings.catch_warnings():  # "auto" is asked for
        warnings.simplefilter("ignore")
        ph = Phonopy(atoms, supercell_matrix=np.eye(3, dtype=int), primitive_matrix="auto")
    ph.generate_displacements(distance=displacement_A)
    return ph


def forces_of(calculator, ph, cache: Path | None, tag: str) -> list[np.ndarray]:
    """Forces on each displaced supercell, from ``cache`` where it has them under ``tag``."""
    from nasx.phonons import displaced_supercells

    done = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    out = []
    for i, structure in enumerate(displaced_supercells(ph)):
        key = f"{tag} {i}"
        if key not in done:
            start = time.perf_counter()
            with TemporaryDirectory() as scratch:
                result = calculator.forces(structure, Path(scratch))
            done[key] = {
                "forces_eV_per_A": np.asarray(result.forces_eV_per_A).tolist(),
                "seconds": time.perf_counter() - start,
            }
            print(f"  {tag.split()[0]} displacement {i}: {done[key]['seconds']:.0f} s", flush=True)
            if cache is not None:
                cache.write_text(json.dumps(done))
        out.append(np.asarray(done[key]["forces_eV_per_A"]))
    return out


def ratio(model: list[np.ndarray], dft: list[np.ndarray]) -> float:
    """Least-squares s with F_model ≈ s · F_dft."""
    a = np.concatenate([f.ravel() for f in model])
    b = np.concatenate([f.ravel() for f in dft])
    return float(a @ b / (b @ b))


def thermal(ph, forces: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Γ frequencies (THz) and S(298.15 K) per atom (J/(mol·K)) of ``forces``' force constants."""
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    ph.symmetrize_force_constants()
    ph.run_qpoints([[0, 0, 0]])
    gamma = ph.qpoints.frequencies[0]
    ph.run_mesh(50.0, is_mesh_symmetry=True)
    ph.run_thermal_properties(temperatures=[298.15])
    return gamma, float(ph.thermal_properties.entropy[0]) / len(ph.primitive)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="chgnet")
    parser.add_argument(
        "--dft", default="gpaw", help="the reference calculator (a check: sevennet)"
    )
    parser.add_argument("--gpaw", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--volume", type=float, default=None, help="Å³/atom")
    parser.add_argument("--displacement", type=float, default=0.01, help="Å")
    parser.add_argument("--cache", type=Path, default=HERE / "softening_vs_dft_cache.json")
    args = parser.parse_args()

    from nasx.gpaw_settings import GpawSettings
    from nasx.workflows.calculators import CalculatorOptions, get_calculator

    gpaw_settings = GpawSettings.from_mapping(
        "--gpaw", dict(item.split("=", 1) for item in args.gpaw)
    )
    volume = args.volume or gpaw_volume()
    cell = conventional_na2s(volume)
    ph = phonopy_of(cell, args.displacement)
    n = len(ph.supercells_with_displacements)
    print(
        f"Na2S conventional cell, {len(cell)} atoms, a = {cell.lattice.a:.4f} Å "
        f"({volume:.3f} Å³/atom), {n} displacements of {args.displacement} Å",
        flush=True,
    )
    model = get_calculator(args.model, CalculatorOptions())
    dft = get_calculator(args.dft, CalculatorOptions(gpaw=gpaw_settings))
    print(f"model: {model.describe()}\nDFT: {dft.describe()}", flush=True)
    geometry = f"a={cell.lattice.a:.6f} d={args.displacement}"
    f_model = forces_of(model, ph, None, f"{args.model} {geometry}")
    dft_tag = f"{args.dft} {json.dumps(gpaw_settings.to_document(), sort_keys=True)} {geometry}"
    f_dft = forces_of(dft, ph, args.cache, dft_tag)

    print("\nper displacement: atom, direction, s = F_model·F_dft / F_dft·F_dft, |F_dft| max")
    for d, fm, fd in zip(ph.dataset["first_atoms"], f_model, f_dft, strict=True):
        atom = d["number"]
        print(
            f"  atom {atom:2d} ({ph.supercell.symbols[atom]:2s}) {np.round(d['displacement'], 4)}:"
            f" s = {ratio([fm], [fd]):.3f}, max |F_dft| = {np.abs(fd).max():.4f} eV/Å"
        )
    s = ratio(f_model, f_dft)
    print(f"overall s = {s:.3f} (the model's force constants {100 * (s - 1):+.1f} % against DFT's)")
    gamma_m, s_model = thermal(ph, f_model)
    gamma_d, s_dft = thermal(ph, f_dft)
    print("\nΓ frequencies of the 12-atom cell (THz), model vs DFT:")
    for a, b in zip(gamma_m, gamma_d, strict=True):
        print(f"  {a:7.3f} {b:7.3f}")
    predicted = -1.5 * K_B_J_PER_MOL_K * math.log(s)
    print(
        f"\nS(298.15 K) per atom, J/(mol·K): model {s_model:.2f}, DFT {s_dft:.2f}, "
        f"difference {s_model - s_dft:+.2f}; the uniform softening s alone: "
        f"−(3/2) k_B ln s = {predicted:+.2f}"
    )


if __name__ == "__main__":
    main()
