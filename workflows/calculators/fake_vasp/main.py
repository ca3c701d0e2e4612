"""``nasx-fake-vasp``: one fake VASP calculation in the current directory."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from nasx.workflows.calculators.fake_vasp.inputs import kpoint_set, read_inputs
from nasx.workflows.calculators.fake_vasp.physics import (
    born_charges,
    calculator_from_environment,
    evaluate,
    relax,
)
from nasx.workflows.calculators.fake_vasp.text_outputs import (
    SCF_STEPS,
    oszicar_lines,
    outcar_text,
    stdout_lines,
    write_contcar,
)
from nasx.workflows.calculators.fake_vasp.vasprun_xml import vasprun_xml

FAILURES = ("scf", "zbrent", "crash")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one fake VASP calculation in the current directory; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="nasx-fake-vasp",
        description="A fake VASP: reads INCAR/POSCAR/KPOINTS in the current directory, computes with a "
        "nasx calculator, writes vasprun.xml, OUTCAR, OSZICAR and CONTCAR. Environment: "
        "NASX_FAKE_VASP_CALCULATOR (stub|chgnet), NASX_FAKE_VASP_STRUCTURES, NASX_FAKE_VASP_FAIL (scf|zbrent|crash), "
        "NASX_FAKE_VASP_SLEEP (seconds spent with vasprun.xml half written, as a long VASP run).",
    )
    parser.parse_args(argv)
    start = time.perf_counter()
    now = datetime.now()
    fail = os.environ.get("NASX_FAKE_VASP_FAIL", "").strip().lower()
    if fail not in ("", *FAILURES):
        print(
            f"nasx-fake-vasp: ignoring NASX_FAKE_VASP_FAIL={fail!r} (scf|zbrent|crash)",
            file=sys.stderr,
        )
    if fail == "crash":
        print("nasx-fake-vasp: crashing on request (NASX_FAKE_VASP_FAIL=crash)", file=sys.stderr)
        return 1
    directory = Path.cwd()
    try:
        inputs = read_inputs(directory)
        calculator = calculator_from_environment()
        with tempfile.TemporaryDirectory(prefix="nasx-fake-vasp-") as workdir:
            if inputs.job.relax:
                steps, final, converged = relax(
                    calculator, inputs.structure, inputs.job, Path(workdir)
                )
            else:
                steps = [evaluate(calculator, inputs.structure, Path(workdir))]
                final, converged = inputs.structure, True
        kpoints = kpoint_set(inputs.kpoints, inputs.incar, inputs.structure)
        born = born_charges(final) if inputs.job.lepsilon else None
    except Exception as err:  # VASP dies without outputs; so does the fake
        traceback.print_exc()
        print(f"nasx-fake-vasp: error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1

    scf_counts = [SCF_STEPS] * len(steps)
    if fail == "scf":
        scf_counts[-1] = inputs.job.nelm
    zbrent = fail == "zbrent"
    spin = int(inputs.job.parameters["ISPIN"]) == 2
    oszicar = oszicar_lines(steps, scf_counts, inputs.job.nelm, spin)
    text = vasprun_xml(
        inputs=inputs,
        kpoints=kpoints,
        steps=steps,
        final=final,
        scf_counts=scf_counts,
        now=now,
        born=born,
    )
    _write_as_vasp_does(directory / "vasprun.xml", text, _seconds("NASX_FAKE_VASP_SLEEP"))
    (directory / "OSZICAR").write_text("\n".join(oszicar) + "\n")
    write_contcar(directory / "CONTCAR", final, inputs.comment)
    (directory / "OUTCAR").write_text(
        outcar_text(
            job=inputs.job,
            initial=inputs.structure,
            steps=steps,
            kpoint_count=len(kpoints.points),
            zbrent=zbrent,
            elapsed_s=time.perf_counter() - start,
            now=now,
            born=born,
        )
    )
    stdout = stdout_lines(inputs, calculator.name, oszicar, zbrent, converged)
    print("\n".join(stdout), flush=True)
    return 0


def _seconds(variable: str) -> float:
    try:
        return max(0.0, float(os.environ.get(variable, "0") or 0))
    except ValueError:
        print(f"nasx-fake-vasp: ignoring {variable}: not a number of seconds", file=sys.stderr)
        return 0.0


def _write_as_vasp_does(path: Path, text: str, seconds: float) -> None:
    """VASP writes vasprun.xml as it runs: with ``seconds`` > 0 the first half is on disk for
    that long before the rest (what an interrupted run finds)."""
    if seconds <= 0:
        path.write_text(text)
        return
    with open(path, "w") as handle:
        handle.write(text[: len(text) // 2])
        handle.flush()
        time.sleep(seconds)
        handle.write(text[len(text) // 2 :])
