"""Benchmark: the full Na–S study through custodian and the offline fake VASP, against the stub.

The tests run the fake-VASP path on a four-phase set (20 VASP calls); this runs all six phases
(91 VASP calls, a few minutes on 2 cores) and the stub study beside it, then prints each run's
wall time and the largest difference between them in formation energies, hull distances, OCV
plateaus and vibrational free energies (the fake's physics is the stub's: they should agree to
parsing precision).

    python benchmarks/fake_vasp_study.py [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TEMPERATURES = ("0", "300", "400")


def run(out: Path, *options: str) -> float:
    """Wall seconds of one `nasx run` process into ``out`` (a finished one is not run again)."""
    timing = out.with_suffix(".seconds")
    if (out / "results.json").exists() and timing.exists():
        return float(timing.read_text())
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "nasx"), "run", *options, "--out", str(out), "--quiet"], env=env, check=True
    )
    seconds = time.perf_counter() - start
    timing.write_text(f"{seconds:.1f}")
    return seconds


def largest_differences(stub: dict, vasp: dict) -> dict[str, float]:
    """Largest |vasp − stub| of each quantity, over phases, temperatures and plateaus."""
    worst = dict.fromkeys(
        ("formation_eV_per_atom", "hull_meV_per_atom", "ocv_V", "F_vib_eV_per_atom"), 0.0
    )
    for t in TEMPERATURES:
        for formula, phase in stub["phases"].items():
            other = vasp["phases"][formula]
            for key, name in (
                ("formation_energy_eV_per_atom", "formation_eV_per_atom"),
                ("hull_distance_meV_per_atom", "hull_meV_per_atom"),
            ):
                worst[name] = max(worst[name], abs(other[key][t] - phase[key][t]))
        for path in ("thermodynamic", "kinetic"):
            for a, b in zip(stub["ocv"][path][t], vasp["ocv"][path][t], strict=True):
                worst["ocv_V"] = max(worst["ocv_V"], abs(a["voltage_V"] - b["voltage_V"]))
    for phase_id, record in stub["calculations"].items():
        mine = record["phonons"]["free_energy_eV_per_atom"]
        theirs = vasp["calculations"][phase_id]["phonons"]["free_energy_eV_per_atom"]
        for a, b in zip(mine, theirs, strict=True):
            worst["F_vib_eV_per_atom"] = max(worst["F_vib_eV_per_atom"], abs(a - b))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "nasx-bench-fake-vasp"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    vasp_options = [
        "--calculator",
        "vasp",
        "--vasp-cmd",
        "nasx-fake-vasp",
        "--polling-seconds",
        "0.2",
    ]
    vasp_options += ["--gamma-acoustic", "include"]  # the fake's physics is the stub's
    seconds = {
        "stub": run(args.work / "stub", "--calculator", "stub"),
        "fake VASP": run(args.work / "fake-vasp", *vasp_options),
    }
    for name, value in seconds.items():
        print(f"{name:<10} wall {value:7.1f} s")
    stub, vasp = (
        json.loads((args.work / d / "results.json").read_text()) for d in ("stub", "fake-vasp")
    )
    print(f"phases: {len(stub['phases'])} stub, {len(vasp['phases'])} fake VASP")
    for name, value in largest_differences(stub, vasp).items():
        print(f"largest |fake VASP − stub| {name:<22} {value:.2e}")


if __name__ == "__main__":
    main()
