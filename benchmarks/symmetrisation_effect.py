"""How much symmetrising the force constants moves the answer, on a finished run directory.

Reads RUN_DIR's calculations once and analyses them twice from the same forces: with the force
constants as fitted, and symmetrised (symfc projector, as phonopy.load does; what nasx does for
translation-invariant calculators). Prints per phase F_vib at each temperature and the lowest
frequency, then the plateaus, both ways and their difference.

    python benchmarks/symmetrisation_effect.py RUN_DIR [--work DIR]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from pathlib import Path

from nasx.analysis.readers.run_directory import read_run_directory
from nasx.analysis.reanalysis import analyze_calculations


def _analysed(calculations, symmetrize: bool, out: Path) -> dict:
    calculations = copy.deepcopy(calculations)
    for record in calculations.phases:
        if record.phonons is not None and record.phonons.forces_eV_per_A is not None:
            record.phonons.symmetrize_fc = symmetrize
    return analyze_calculations(calculations, out, phase_files=False).document.to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--work", type=Path, default=None, help="where the two analyses go")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="nasx-symmetrisation-"))
    calculations = read_run_directory(args.run_dir)
    plain = _analysed(calculations, False, work / "fitted")
    symmetrised = _analysed(calculations, True, work / "symmetrised")

    print("F_vib (meV/atom): fitted -> symmetrised (difference); lowest frequency (THz)")
    for phase_id, before in plain["calculations"].items():
        after = symmetrised["calculations"][phase_id]["phonons"]
        before = before["phonons"]
        if not before:
            continue
        cells = [
            f"{t:.0f} K {1e3 * x:8.3f} -> {1e3 * y:8.3f} ({1e3 * (y - x):+.3f})"
            for t, x, y in zip(
                before["temperatures_K"],
                before["free_energy_eV_per_atom"],
                after["free_energy_eV_per_atom"],
                strict=True,
            )
        ]
        low = f"{before['min_frequency_THz']:.3f} -> {after['min_frequency_THz']:.3f}"
        print(f"  {phase_id:22s} " + "; ".join(cells) + f"; lowest {low}")
    print("plateaus (V): fitted -> symmetrised (difference)")
    for path in ("thermodynamic", "kinetic"):
        for t, plateaus in plain["ocv"][path].items():
            if t == "bypassed":
                continue
            a = [p["voltage_V"] for p in plateaus]
            b = [p["voltage_V"] for p in symmetrised["ocv"][path][t]]
            diff = " / ".join(f"{y - x:+.4f}" for x, y in zip(a, b, strict=False))
            print(
                f"  {path:13s} {t:>4s} K "
                + " / ".join(f"{v:.3f}" for v in a)
                + " -> "
                + " / ".join(f"{v:.3f}" for v in b)
                + f"  ({diff})"
            )


if __name__ == "__main__":
    main()
