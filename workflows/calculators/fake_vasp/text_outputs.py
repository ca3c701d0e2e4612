"""VASP's text outputs: OSZICAR, OUTCAR (as pymatgen's Outcar and custodian read it), CONTCAR
and stdout.

Energies eV per cell, forces eV/Å, stresses kBar (VASP's sign), times s.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pymatgen.io.vasp.inputs import Poscar

from nasx.workflows.calculators.fake_vasp.inputs import Job, VaspInputs, species_groups

if TYPE_CHECKING:
    from pymatgen.core import Structure

    from nasx.workflows.calculators.fake_vasp.physics import IonicStep

VASP_VERSION = "6.4.1"
SCF_STEPS = 3
"""SCF steps of a converged ionic step."""
ZBRENT_MESSAGE = "ZBRENT: fatal error in bracketing"
_CORES_LINES = (
    " running on    1 total cores",
    " distrk:  each k-point on    1 cores,    1 groups",
    " distr:  one band on    1 cores,    1 groups",
)


def _fortran_e(x: float, digits: int, lead_zero: bool = False) -> str:
    """Fortran's E format as VASP writes it: -.12345678E+02, or with ``lead_zero`` -0.12345678E+02."""
    exponent = 0 if x == 0 else math.floor(math.log10(abs(x))) + 1
    mantissa = round(abs(x) / 10.0**exponent, digits)
    if mantissa >= 1.0:
        mantissa /= 10
        exponent += 1
    sign = "-" if x < 0 else ""
    zero = "0" if lead_zero else ""
    return f"{sign}{zero}.{round(mantissa * 10**digits):0{digits}d}E{exponent:+03d}"


def scf_energies(energy_eV: float, n: int, converged: bool = True) -> list[float]:
    """SCF energies (eV) of one ionic step ending on ``energy_eV``: converging (deviations 1e-2,
    1e-4, …) or, for a step that ran into NELM, still oscillating by 1e-3 eV."""
    deviations = [10.0 ** (-2 * (i + 1)) if converged else 1e-3 * (-1) ** i for i in range(n - 1)]
    return [energy_eV + d for d in deviations] + [energy_eV]


def oszicar_lines(
    steps: list[IonicStep], scf_counts: list[int], nelm: int, spin: bool
) -> list[str]:
    """OSZICAR: a DAV line per SCF step, an F= line per ionic step."""
    lines: list[str] = []
    previous = 0.0
    for i, (step, n_scf) in enumerate(zip(steps, scf_counts, strict=True), start=1):
        lines.append(
            "       N       E                     dE             d eps       ncg     rms          rms(c)"
        )
        last = 0.0
        for j, e in enumerate(scf_energies(step.energy_eV, n_scf, n_scf < nelm), start=1):
            de = e - last
            cells = (
                f"{_fortran_e(e, 12, True):>20s}",
                f"{_fortran_e(de, 5, True):>13s}",
                f"{_fortran_e(-abs(de) / 10, 5, True):>13s}",
                f"{8 * len(step.structure):5d}",
                f"{_fortran_e(abs(de) ** 0.5 / 10, 3, True):>10s}",
            )
            lines.append(f"DAV: {j:3d}  " + " ".join(cells))
            last = e
        e = step.energy_eV
        mag = "  mag=     0.0000" if spin else ""
        lines.append(
            f"{i:4d} F= {_fortran_e(e, 8)} E0= {_fortran_e(e, 8)}  d E ={_fortran_e(e - previous, 6)}{mag}"
        )
        previous = e
    return lines


def _outcar_header(job: Job, initial: Structure, kpoint_count: int, now: datetime) -> list[str]:
    """Version, cores, array dimensions and the INCAR tags custodian and pymatgen read."""
    p = job.parameters
    nplwv = int(p["NGX"]) * int(p["NGY"]) * int(p["NGZ"])
    logical = {True: "T", False: "F"}
    return [
        f" vasp.{VASP_VERSION} (nasx fake VASP) complex",
        f" executed on             LinuxGNU date {now:%Y.%m.%d  %H:%M:%S}",
        *_CORES_LINES,
        "",
        "   ions per type =  " + " ".join(f"{n:5d}" for _, n in species_groups(initial)),
        "",
        " Dimension of arrays:",
        f"   k-points           NKPTS = {kpoint_count:6d}   k-points in BZ     NKDIM = {kpoint_count:6d}   number of bands    NBANDS= {int(p['NBANDS']):6d}",
        f"   number of dos      NEDOS =    301   number of ions     NIONS = {len(initial):6d}",
        f"   total plane-waves  NPLWV = {nplwv:6d}",
        "",
        f"   SYSTEM =  {p['SYSTEM']}",
        f"   ENCUT  = {float(p['ENCUT']):8.1f} eV",
        f"   NELM   = {int(p['NELM']):6d};   NELMIN= {int(p['NELMIN']):3d}",
        f"   EDIFF  = {float(p['EDIFF']):.1E}   stopping-criterion for ELM",
        f"   EDIFFG = {float(p['EDIFFG']):.1E}   stopping-criterion for IOM",
        f"   NSW    = {int(p['NSW']):6d}    number of steps for IOM",
        f"   IBRION = {int(p['IBRION']):6d}    ionic relax: 0-MD 1-quasi-New 2-CG",
        f"   ISIF   = {int(p['ISIF']):6d}    stress and relaxation",
        f"   ISPIN  = {int(p['ISPIN']):6d}    spin polarized calculation?",
        f"   LNONCOLLINEAR = {logical[bool(p['LNONCOLLINEAR'])]:>6s} non collinear calculations",
        f"   NELECT = {float(p['NELECT']):12.4f}    total number of electrons",
        "",
    ]


def _outcar_iteration(i: int, step: IonicStep) -> list[str]:
    """One ionic step: stress (kB), positions (Å) and forces (eV/Å), drift, free energy (eV)."""
    e = step.energy_eV
    s = step.stress_kbar
    lines = [
        f"--------------------------------------- Iteration {i:6d}(   1)  ---------------------------------------",
        "",
        "  FORCE on cell =-STRESS in cart. coord.  units (eV):",
        "  Direction    XX          YY          ZZ          XY          YZ          ZX",
        "  --------------------------------------------------------------------------------------",
        "  in kB  "
        + " ".join(f"{x:11.5f}" for x in (s[0, 0], s[1, 1], s[2, 2], s[0, 1], s[1, 2], s[2, 0])),
        f"  external pressure = {np.trace(s) / 3:11.2f} kB  Pullay stress =        0.00 kB",
        "",
        " POSITION                                       TOTAL-FORCE (eV/Angst)",
        " -----------------------------------------------------------------------------------",
    ]
    lines += [
        "  "
        + " ".join(f"{x:12.5f}" for x in site.coords)
        + "    "
        + " ".join(f"{f:13.6f}" for f in force)
        for site, force in zip(step.structure, step.forces_eV_per_A, strict=True)
    ]
    drift = np.sum(step.forces_eV_per_A, axis=0)
    lines += [
        " -----------------------------------------------------------------------------------",
        "    total drift:                            " + " ".join(f"{x:13.6f}" for x in drift),
        "",
        "  FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)",
        "  ---------------------------------------------------",
        f"  free  energy   TOTEN  = {e:20.8f} eV",
        "",
        f"  energy  without entropy= {e:20.8f}  energy(sigma->0) = {e:20.8f}",
        "",
    ]
    return lines


def outcar_text(
    *,
    job: Job,
    initial: Structure,
    steps: list[IonicStep],
    kpoint_count: int,
    zbrent: bool,
    elapsed_s: float,
    now: datetime,
    born: tuple[np.ndarray, np.ndarray] | None = None,
) -> str:
    """An OUTCAR that pymatgen's Outcar (as custodian uses it) parses; with ``born`` (Born
    charges, dielectric tensor) the LEPSILON blocks phonopy's and pymatgen's readers take."""
    lines = _outcar_header(job, initial, kpoint_count, now)
    for i, step in enumerate(steps, start=1):
        lines += _outcar_iteration(i, step)
    if born is not None:
        lines += _outcar_born(*born)
    if zbrent:
        lines += [f" {ZBRENT_MESSAGE}", ""]
    lines += [
        " General timing and accounting informations for this job:",
        " ========================================================",
        "",
        f"                  Total CPU time used (sec): {elapsed_s:12.3f}",
        f"                            User time (sec): {elapsed_s:12.3f}",
        f"                          System time (sec): {0.0:12.3f}",
        f"                         Elapsed time (sec): {elapsed_s:12.3f}",
        "",
        f"                   Maximum memory used (kb): {100000.0:12.1f}",
        "",
    ]
    return "\n".join(lines) + "\n"


def _outcar_born(charges: np.ndarray, epsilon: np.ndarray) -> list[str]:
    """The dielectric tensor and Born charges as VASP prints them after a LEPSILON job."""
    lines = [
        " MACROSCOPIC STATIC DIELECTRIC TENSOR (including local field effects in DFT)",
        " ------------------------------------------------------",
        *("  " + " ".join(f"{x:11.6f}" for x in row) for row in epsilon),
        " ------------------------------------------------------",
        "",
        " BORN EFFECTIVE CHARGES (including local field effects) (in |e|, cumulative output)",
        " ---------------------------------------------------------------------------------",
    ]
    for i, atom in enumerate(charges, start=1):
        lines.append(f" ion {i:4d}")
        lines += [f"    {k}" + "".join(f"{x:11.5f}" for x in row) for k, row in enumerate(atom, 1)]
    return [*lines, ""]


def stdout_lines(
    inputs: VaspInputs, calculator_name: str, oszicar: list[str], zbrent: bool, converged: bool
) -> list[str]:
    """What VASP prints: cores, the POSCAR's types, the OSZICAR lines and how the run ended."""
    groups = species_groups(inputs.structure)
    lines = [
        *_CORES_LINES,
        f" vasp.{VASP_VERSION} (nasx fake VASP, calculator: {calculator_name})",
        f" POSCAR found type information on POSCAR {' '.join(el for el, _ in groups)}",
        f" POSCAR found :  {len(groups)} types and {len(inputs.structure):7d} ions",
        " LDA part: xc-table for Pade appr. of Perdew",
        *oszicar,
    ]
    if zbrent:
        lines.append(f" {ZBRENT_MESSAGE}")
    if inputs.job.relax and converged:
        lines.append(" reached required accuracy - stopping structural energy minimisation")
    lines.append(" writing wavefunctions")
    return lines


def write_contcar(path: Path, structure: Structure, comment: str) -> None:
    """CONTCAR: the final structure as a POSCAR with the input's comment, 16 significant figures."""
    Poscar(structure, comment=comment).write_file(path, significant_figures=16)
