"""A VASP input directory read as VASP would: INCAR over VASP's defaults, POSCAR, KPOINTS, POTCAR.

Energies in eV, lengths in Å; k-points in fractions of the reciprocal lattice vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pymatgen.core import Element, Structure
from pymatgen.io.vasp.inputs import Incar, Kpoints, Poscar

HBAR2_OVER_2M_EV_A2 = 3.80998212
"""ħ²/2mₑ (eV·Å²): a plane wave of wave vector G (1/Å) has kinetic energy ħ²G²/2mₑ."""
RELAX_IBRION = (1, 2, 3)
DFPT_IBRION = (7, 8)
"""Linear-response jobs: with LEPSILON = .TRUE. the fake writes Born charges and ε∞."""
_NOBLE_GAS_Z = (0, 2, 10, 18, 36, 54, 86, 118)


@dataclass(frozen=True)
class Job:
    """What the INCAR asks for, with VASP's defaults filled in."""

    parameters: dict[str, Any]
    relax: bool

    @property
    def nelm(self) -> int:
        return int(self.parameters["NELM"])

    @property
    def nsw(self) -> int:
        return int(self.parameters["NSW"])

    @property
    def lepsilon(self) -> bool:
        """A DFPT job for Born charges and the dielectric tensor (LEPSILON, IBRION 7 or 8)."""
        return bool(self.parameters.get("LEPSILON", False)) and (
            int(self.parameters["IBRION"]) in DFPT_IBRION
        )


@dataclass(frozen=True)
class VaspInputs:
    """One input directory: INCAR as given, the POSCAR structure and comment, KPOINTS (None if
    absent), (TITEL, ZVAL) per species and the job with VASP's defaults."""

    incar: Incar
    structure: Structure
    comment: str
    kpoints: Kpoints | None
    potcars: list[tuple[str, float]]
    job: Job


@dataclass(frozen=True)
class KpointSet:
    """The run's k-points: generation style ("" for an explicit list), divisions, user shift,
    points (fractional, meshes in full, no symmetry reduction) and weights (summing to 1)."""

    style: str
    divisions: list[int]
    usershift: list[float]
    points: list[list[float]]
    weights: list[float]


def read_inputs(directory: Path) -> VaspInputs:
    """INCAR, POSCAR and (if present) KPOINTS and POTCAR of ``directory``; ValueError for a job
    the fake does not run (statics, IBRION 1, 2, 3 relaxations and LEPSILON with IBRION 7, 8)."""
    incar = Incar.from_file(directory / "INCAR")
    poscar = Poscar.from_file(directory / "POSCAR", check_for_potcar=False)
    kpoints_file = directory / "KPOINTS"
    kpoints = Kpoints.from_file(kpoints_file) if kpoints_file.is_file() else None
    structure = poscar.structure
    potcars = potcar_info(directory, [el for el, _ in species_groups(structure)])
    job = job_from_incar(incar, structure, potcars)
    nsw, ibrion = job.nsw, int(job.parameters["IBRION"])
    if not job.relax and nsw > 0 and ibrion != -1 and not job.lepsilon:
        raise ValueError(
            f"IBRION = {ibrion} with NSW = {nsw} is not supported (static, IBRION 1, 2, 3, or "
            "IBRION 7, 8 with LEPSILON only)"
        )
    return VaspInputs(incar, structure, poscar.comment, kpoints, potcars, job)


def species_groups(structure: Structure) -> list[tuple[str, int]]:
    """(element, count) for consecutive runs of one element, as POSCAR lists them."""
    groups: list[tuple[str, int]] = []
    for site in structure:
        symbol = site.specie.symbol
        if groups and groups[-1][0] == symbol:
            groups[-1] = (symbol, groups[-1][1] + 1)
        else:
            groups.append((symbol, 1))
    return groups


def _valence(element: Element) -> float:
    """Electrons outside the noble-gas core and filled d/f shells (a POTCAR ZVAL stand-in)."""
    n = element.Z - max(z for z in _NOBLE_GAS_Z if z < element.Z)
    if n > 26:
        n -= 14
    if n > 12:
        n -= 10
    return float(n)


def potcar_info(directory: Path, species: list[str]) -> list[tuple[str, float]]:
    """(TITEL, ZVAL) per species: from POTCAR if present, else POTCAR.spec or element names."""
    potcar_file = directory / "POTCAR"
    if potcar_file.is_file():
        try:
            from pymatgen.io.vasp.inputs import Potcar

            potcar = Potcar.from_file(potcar_file)
            if len(potcar) == len(species):
                return [(str(p.keywords["TITEL"]), float(p.keywords["ZVAL"])) for p in potcar]
        except Exception:  # an unreadable POTCAR is no reason to fail a fake run
            pass
    symbols = species
    spec = directory / "POTCAR.spec"
    if spec.is_file():
        lines = [line.strip() for line in spec.read_text().splitlines() if line.strip()]
        if len(lines) == len(species):
            symbols = lines
    return [
        (f"PAW_PBE {sym} 01Jan2000", _valence(Element(el)))
        for sym, el in zip(symbols, species, strict=True)
    ]


def _fft_grid(structure: Structure, encut_eV: float) -> list[int]:
    """An FFT grid like VASP's for PREC = Accurate: twice the cutoff sphere, even sizes."""
    g_cut = math.sqrt(encut_eV / HBAR2_OVER_2M_EV_A2)
    grid = []
    for length in structure.lattice.reciprocal_lattice.abc:  # includes 2π
        n = math.ceil(4.0 * g_cut / length) + 1
        grid.append(n + n % 2)
    return grid


def job_from_incar(incar: Incar, structure: Structure, zvals: list[tuple[str, float]]) -> Job:
    """VASP's parameters: the INCAR values over VASP's defaults for the tags nasx uses."""
    nsw = int(incar.get("NSW", 0))
    ibrion = int(incar.get("IBRION", -1 if nsw in (-1, 0) else 0))
    ediff = float(incar.get("EDIFF", 1e-4))
    groups = species_groups(structure)
    nelect = sum(n * zval for (_, n), (_, zval) in zip(groups, zvals, strict=True))
    encut = float(incar.get("ENCUT", 400.0))
    ispin = int(incar.get("ISPIN", 1))
    nions = len(structure)
    nbands = max(math.ceil((nelect + 2) / 2) + max(nions // 2, 3), math.ceil(0.6 * nelect))
    ngx, ngy, ngz = _fft_grid(structure, encut)
    defaults: dict[str, Any] = {
        "SYSTEM": str(incar.get("SYSTEM", "unknown system")),
        "PREC": "normal",
        "ENCUT": encut,
        "NELM": 60,
        "NELMIN": 2,
        "EDIFF": ediff,
        "EDIFFG": ediff * 10,
        "NSW": nsw,
        "IBRION": ibrion,
        "ISIF": 0 if ibrion == 0 else 2,
        "POTIM": 0.5,
        "ISPIN": ispin,
        "LNONCOLLINEAR": False,
        "LSORBIT": False,
        "NELECT": float(nelect),
        "NBANDS": nbands + (nbands % 2 if ispin == 1 else 0),
        "ISMEAR": 1,
        "SIGMA": 0.2,
        "ALGO": "Normal",
        "GGA": "--",
        "METAGGA": "--",
        "LHFCALC": False,  # VASP writes its exchange defaults; pymatgen's run_type reads them
        "AEXX": 0.0,
        "HFSCREEN": 0.0,
        "LDAU": False,
        "LREAL": False,
        "ISYM": 2,
        "NGX": ngx,
        "NGY": ngy,
        "NGZ": ngz,
        "NGXF": 2 * ngx,
        "NGYF": 2 * ngy,
        "NGZF": 2 * ngz,
    }
    parameters = {**defaults, **{key: incar[key] for key in incar}}
    return Job(parameters, relax=nsw > 0 and ibrion in RELAX_IBRION)


def kpoint_set(kpoints: Kpoints | None, incar: Incar, structure: Structure) -> KpointSet:
    """The k-points VASP would use: KPOINTS if given, else the INCAR's KSPACING (Å⁻¹, default
    0.5) as a Γ-centred mesh. Line mode and Cartesian lists become Γ alone (not modelled)."""
    modes = Kpoints.supported_modes
    reciprocal = structure.lattice.reciprocal_lattice.abc  # includes 2π
    if kpoints is None:  # VASP's KSPACING rule, Γ-centred
        spacing = float(incar.get("KSPACING", 0.5))
        style, divisions = "Gamma", [max(1, math.ceil(b / spacing)) for b in reciprocal]
    elif kpoints.style in (modes.Gamma, modes.Monkhorst):
        style = "Gamma" if kpoints.style == modes.Gamma else "Monkhorst-Pack"
        divisions = [int(n) for n in kpoints.kpts[0]]
    elif kpoints.style == modes.Automatic:  # fully automatic: a length
        length = float(kpoints.kpts[0][0])
        style, divisions = (
            "Gamma",
            [max(1, int(length * b / (2 * math.pi) + 0.5)) for b in reciprocal],
        )
    elif kpoints.style == modes.Reciprocal:
        weights = np.asarray(kpoints.kpts_weights or [1.0] * len(kpoints.kpts), float)
        points = [list(map(float, k)) for k in kpoints.kpts]
        return KpointSet("", [], [0.0] * 3, points, list(weights / weights.sum()))
    else:  # line mode or Cartesian lists: not worth modelling in a fake
        return KpointSet("", [], [0.0] * 3, [[0.0, 0.0, 0.0]], [1.0])
    usershift = [0.0] * 3
    if kpoints is not None and kpoints.style in (modes.Gamma, modes.Monkhorst):
        usershift = [float(x) for x in kpoints.kpts_shift]
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in divisions], indexing="ij"), -1).reshape(
        -1, 3
    )
    shift = 0.0 if style == "Gamma" else np.array([0.5 if n % 2 == 0 else 0.0 for n in divisions])
    mesh = (grid + shift + np.array(usershift)) / np.array(divisions)
    mesh -= np.rint(mesh)
    return KpointSet(style, divisions, usershift, mesh.tolist(), [1.0 / len(mesh)] * len(mesh))
