"""What dispersion costs, and what its cheaper variants change (``--dispersion d4``).

    OMP_NUM_THREADS=1 nice python benchmarks/dispersion_cost.py [--calls N]

For α-S8's 128-atom cell, its 256-atom phonon supercell and Na2S's phonon supercell: the CPU
seconds of one energy + forces + stress call of each variant (the least of a few, positions
rattled between calls as in a relaxation; CHGNet's r2SCAN model alone for scale), and each variant's difference from full DFT-D4 with r2SCAN's
parameters (the library's default cutoffs, three-body term included): energy (meV/atom),
largest force component (meV/Å) and stress component (MPa).

    python benchmarks/dispersion_cost.py --entropy S8_Fddd [--calculator chgnet] [--out DIR]

relaxes the phase (and the elemental references the study needs) and computes its phonons
with and without ``dispersion="d4"`` through ``nasx.run``, then prints its volume and
S(298.15 K) per atom: the numbers of the issue's table (minutes with CHGNet for α-S8
without dispersion, most of an hour with it).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from ase import Atoms
from ase.units import GPa
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from nasx.settings import PhononSettings
from nasx.structures import reference_set

T_ENTROPY_K = 298.15
EV_PER_K_TO_J_PER_MOL_K = 96485.33212  # the Faraday constant: eV per particle → J per mol
RATTLE_A = 0.01


def variants() -> dict[str, Callable[[], object]]:
    """Name → a fresh ASE dispersion calculator; the first is the reference (full D4)."""
    from ase.units import Bohr
    from dftd3.ase import DFTD3
    from dftd4.ase import DFTD4

    from nasx.workflows.calculators import dispersion

    def d4(**kwargs):
        return lambda: DFTD4(method="r2scan", **kwargs)

    def atm_within(bohr: float):
        edge = dispersion.EDGE_WIDTH_BOHR * Bohr
        return d4(realspace_cutoff={"disp3": bohr * Bohr, "width2": edge, "width3": edge})

    return {
        "D4 (library's cutoffs)": d4(),
        "D4, ATM within 30 bohr": atm_within(30),
        "nasx: D4, ATM within 25": lambda: dispersion.ase_calculator("d4"),
        "D4, ATM within 20 bohr": atm_within(20),
        "D4, ATM within 15 bohr": atm_within(15),
        "D4 two-body (atm=False)": d4(params_tweaks={"atm": False}),
        "D3(BJ)": lambda: DFTD3(method="r2scan", damping="d3bj"),
    }


def cells() -> dict[str, Atoms]:
    """α-S8's cell and phonon supercell, Na2S's phonon supercell (nasx's default length)."""
    phases = reference_set("Na-S")
    settings = PhononSettings()
    s8 = phases["S8_Fddd"].structure
    na2s = SpacegroupAnalyzer(phases["Na2S_Fm-3m"].structure).get_conventional_standard_structure()
    s8_super = s8 * settings.supercell_for("S8_Fddd", s8.lattice.matrix)
    if len(s8_super) == len(s8):
        s8_super = s8 * (2, 1, 1)
    na2s_super = na2s * settings.supercell_for("Na2S_Fm-3m", na2s.lattice.matrix)
    return {
        f"α-S8 ({len(s8)} atoms)": AseAtomsAdaptor.get_atoms(s8),
        f"α-S8 supercell ({len(s8_super)})": AseAtomsAdaptor.get_atoms(s8_super),
        f"Na2S supercell ({len(na2s_super)})": AseAtomsAdaptor.get_atoms(na2s_super),
    }


def evaluate(make: Callable[[], object], atoms: Atoms, calls: int) -> tuple[float, dict]:
    """The least CPU seconds of ``calls`` calls (rattled positions; CPU time, not wall time,
    so that other processes on a shared machine do not count) and the results at ``atoms``."""
    rng = np.random.default_rng(0)
    work = atoms.copy()
    work.calc = make()
    seconds = []
    for _ in range(calls):
        work.positions = atoms.positions + rng.normal(0, RATTLE_A, atoms.positions.shape)
        start = time.process_time()
        work.get_potential_energy(), work.get_forces(), work.get_stress()
        seconds.append(time.process_time() - start)
    work.positions = atoms.positions
    values = {
        "energy_eV": work.get_potential_energy(),
        "forces": work.get_forces(),
        "stress": work.get_stress(voigt=False),
    }
    return float(min(seconds)), values


def model_seconds(atoms: Atoms, calls: int) -> float:
    """Seconds of one CHGNet r2SCAN call (energy, forces, stress) on ``atoms``, for scale."""
    from nasx.workflows.calculators.chgnet_r2scan import CHGNetCalculator

    seconds, _ = evaluate(CHGNetCalculator().ase_calculator, atoms, calls)
    return seconds


def cost_table(calls: int) -> list[dict]:
    rows = []
    for cell_name, atoms in cells().items():
        chgnet_s = model_seconds(atoms, calls)
        rows.append({"cell": cell_name, "variant": "CHGNet r2SCAN alone", "s_per_call": chgnet_s})
        print(f"{cell_name:24} {'CHGNet r2SCAN alone':28} {chgnet_s:8.3f} s", flush=True)
        reference = None
        for name, make in variants().items():
            seconds, values = evaluate(make, atoms, calls)
            if reference is None:
                reference = values
            n = len(atoms)
            row = {
                "cell": cell_name,
                "variant": name,
                "s_per_call": seconds,
                "dispersion_meV_per_atom": 1000 * values["energy_eV"] / n,
                "dE_meV_per_atom": 1000 * (values["energy_eV"] - reference["energy_eV"]) / n,
                "dF_meV_per_A": 1000 * float(np.abs(values["forces"] - reference["forces"]).max()),
                "dstress_MPa": 1000
                * float(np.abs(values["stress"] - reference["stress"]).max())
                / GPa,
            }
            rows.append(row)
            print(
                f"{cell_name:24} {name:28} {seconds:8.3f} s  E_disp {row['dispersion_meV_per_atom']:8.2f}"
                f"  ΔE {row['dE_meV_per_atom']:7.3f} meV/atom  ΔF {row['dF_meV_per_A']:7.2f} meV/Å"
                f"  Δσ {row['dstress_MPa']:7.1f} MPa",
                flush=True,
            )
    return rows


def entropy(phase_id: str, calculator: str, out: Path) -> list[dict]:
    """Volume and S(298.15 K) per atom of ``phase_id`` without and with D4 (`nasx.run`), in a
    study of the phase, bcc Na and (unless the phase is sulfur) a one-atom sulfur stand-in: the
    elemental references every study needs, at little cost."""
    import nasx

    phases = reference_set("Na-S")
    structures = out / "structures"
    structures.mkdir(parents=True, exist_ok=True)
    for kept in {phase_id, "Na_Im-3m"}:
        phases[kept].structure.to(filename=str(structures / f"{kept}.cif"))
    if phases[phase_id].formula != "S":
        Structure(Lattice.cubic(2.6), ["S"], [[0, 0, 0]]).to(
            filename=str(structures / "S_Pm-3m.cif")
        )
    rows = []
    for dispersion in (None, "d4"):
        label = calculator + (f"+{dispersion}" if dispersion else "")
        start = time.perf_counter()
        result = nasx.run(
            calculator=calculator,
            dispersion=dispersion,
            structures=structures,
            temperatures_K=[T_ENTROPY_K],
            out=out / label,
            workers=1,
        )
        phase_dir = Path(result.directory) / "phases" / phase_id  # the report's own numbers
        thermal = json.loads((phase_dir / "thermal.json").read_text())
        s_j = float(thermal["entropy_eV_per_K_per_atom"][0]) * EV_PER_K_TO_J_PER_MOL_K
        relaxed = Structure.from_file(phase_dir / "relaxed.cif")
        volume = relaxed.volume / len(relaxed)
        rows.append(
            {
                "model": label,
                "phase": phase_id,
                "volume_A3_per_atom": volume,
                "S_298K_J_per_mol_K_per_atom": s_j,
                "wall_s": time.perf_counter() - start,
            }
        )
        print(
            f"{label:14} {phase_id}: V {volume:.2f} Å³/atom, S(298 K) {s_j:.1f} J/(mol·K) per "
            f"atom ({rows[-1]['wall_s']:.0f} s)",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3, help="timed calls per variant and cell")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--entropy", metavar="PHASE_ID", help="relax + phonons ± D4 instead")
    parser.add_argument("--calculator", default="chgnet", help="the model of --entropy")
    parser.add_argument("--out", type=Path, default=Path("dispersion-entropy"))
    args = parser.parse_args()
    if args.entropy:
        rows = entropy(args.entropy, args.calculator, args.out)
    else:
        rows = cost_table(args.calls)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
