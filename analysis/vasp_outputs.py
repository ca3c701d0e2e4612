"""Read a finished VASP calculation (plain or gzipped files) with pymatgen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pymatgen.core import Structure
from pymatgen.io.vasp.outputs import Vasprun

from nasx.errors import NasxInputError


@dataclass(frozen=True)
class VaspRun:
    """The final state of one VASP run. Energies in eV per cell, forces in eV/Å, stress in kBar."""

    path: Path
    energy_eV: float
    structure: Structure
    forces_eV_per_A: np.ndarray
    stress_kbar: np.ndarray
    ionic_steps: int
    converged_electronic: bool
    converged_ionic: bool
    functional: str
    encut_eV: float
    potcars: tuple[str, ...]


def find_output(directory: Path, name: str = "vasprun.xml") -> Path:
    """``name`` in ``directory``, gzipped or not; NasxInputError when neither exists."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise NasxInputError(directory, f"has no {name} (or {name}.gz)")


def read_vasp_run(directory: str | Path) -> VaspRun:
    """The final energy, structure, forces and settings of the VASP run in ``directory``."""
    path = find_output(Path(directory))
    try:
        run = Vasprun(str(path), parse_dos=False, parse_eigen=False, parse_potcar_file=False)
    except Exception as exc:  # a truncated or malformed file raises several types
        raise NasxInputError(
            path, f"is not a complete vasprun.xml ({type(exc).__name__}: {str(exc)[:120]})"
        ) from None
    last = run.ionic_steps[-1]
    return VaspRun(
        path=path,
        energy_eV=float(run.final_energy),
        structure=run.final_structure,
        forces_eV_per_A=np.array(last["forces"], dtype=float),
        stress_kbar=np.array(last["stress"], dtype=float),
        ionic_steps=len(run.ionic_steps),
        converged_electronic=bool(run.converged_electronic),
        converged_ionic=bool(run.converged_ionic),
        functional=str(run.run_type),
        encut_eV=float(run.parameters.get("ENCUT", run.incar.get("ENCUT", float("nan")))),
        potcars=tuple(s.split()[1] if len(s.split()) > 1 else s for s in run.potcar_symbols),
    )
