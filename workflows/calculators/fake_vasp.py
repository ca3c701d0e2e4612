"""A fake VASP executable: VASP inputs in, VASP outputs out, physics from a nasx calculator.

``nasx-fake-vasp``, run in a directory holding INCAR, POSCAR (and optionally KPOINTS), computes
energies, forces and stresses with a nasx calculator and writes ``vasprun.xml``, ``OUTCAR``,
``OSZICAR`` and ``CONTCAR`` in the formats pymatgen, custodian and phonopy read. It lets the
VASP code paths (custodian jobs and handlers, phonopy's force reader) run without VASP.

- Static (NSW = 0 or missing, or IBRION = -1): one ionic step of the POSCAR structure.
- Relaxation (NSW > 0, IBRION = 1, 2 or 3): the calculator's relaxation (cell too if ISIF ≥ 3,
  fmax = |EDIFFG| if EDIFFG < 0 else 1e-3 eV/Å, at most NSW steps); every energy evaluation is an
  ionic step, CONTCAR is the relaxed structure.

Energies are eV per cell (e_fr_energy = e_wo_entrp = e_0_energy), forces eV/Å, stresses kBar with
VASP's sign (positive = compressed). Each ionic step has 3 SCF steps. Environment:

- ``NASX_FAKE_VASP_STRUCTURES``: the stub calculator's phase directory (default: built-in Na–S);
- ``NASX_FAKE_VASP_CALCULATOR``: ``stub`` (default) or ``chgnet``;
- ``NASX_FAKE_VASP_FAIL``: ``scf`` (NELM SCF steps in the last ionic step: unconverged),
  ``zbrent`` (also a ZBRENT error message in stdout and OUTCAR), ``crash`` (exit 1, no output).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from ase.stress import voigt_6_to_full_3x3_stress
from ase.units import GPa
from pymatgen.core import Element, Lattice, Structure
from pymatgen.io.vasp import Incar, Kpoints, Poscar

from nasx.settings import RelaxSettings
from nasx.workflows.calculators.base import Calculator

VASP_VERSION = "6.4.1"
SCF_STEPS = 3
ZBRENT_MESSAGE = "ZBRENT: fatal error in bracketing"
KBAR_PER_EV_PER_A3 = 10.0 / GPa
HBAR2_OVER_2M_EV_A2 = 3.80998212
RELAX_IBRION = (1, 2, 3)
_NOBLE_GAS_Z = (0, 2, 10, 18, 36, 54, 86, 118)


@dataclass(frozen=True)
class IonicStep:
    """One ionic step: structure, energy (eV/cell), forces (eV/Å), stress (kBar, VASP sign)."""

    structure: Structure
    energy_eV: float
    forces_eV_per_A: np.ndarray
    stress_kbar: np.ndarray


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


# --------------------------------------------------------------------------------------------
# inputs and physics


def calculator_from_environment() -> Calculator:
    """The calculator named by NASX_FAKE_VASP_CALCULATOR (default ``stub``)."""
    from nasx.workflows.calculators import CalculatorOptions, get_calculator

    name = os.environ.get("NASX_FAKE_VASP_CALCULATOR", "stub")
    structures = os.environ.get("NASX_FAKE_VASP_STRUCTURES") or None
    return get_calculator(name, CalculatorOptions(structures_dir=structures))


def _valence(element: Element) -> float:
    """Electrons outside the noble-gas core and filled d/f shells (a POTCAR ZVAL stand-in)."""
    n = element.Z - max(z for z in _NOBLE_GAS_Z if z < element.Z)
    if n > 26:
        n -= 14
    if n > 12:
        n -= 10
    return float(n)


def _potcar_info(directory: Path, species: list[str]) -> list[tuple[str, float]]:
    """(TITEL, ZVAL) per species: from POTCAR if present, else POTCAR.spec or element names."""
    potcar_file = directory / "POTCAR"
    if potcar_file.is_file():
        try:
            from pymatgen.io.vasp import Potcar

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


def _species_groups(structure: Structure) -> list[tuple[str, int]]:
    """(element, count) for consecutive runs of one element, as POSCAR lists them."""
    groups: list[tuple[str, int]] = []
    for site in structure:
        symbol = site.specie.symbol
        if groups and groups[-1][0] == symbol:
            groups[-1] = (symbol, groups[-1][1] + 1)
        else:
            groups.append((symbol, 1))
    return groups


def _fft_grid(structure: Structure, encut: float) -> list[int]:
    """An FFT grid like VASP's for PREC = Accurate: twice the cutoff sphere, even sizes."""
    g_cut = math.sqrt(encut / HBAR2_OVER_2M_EV_A2)
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
    groups = _species_groups(structure)
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


def _bare(structure: Structure) -> Structure:
    """The structure without site properties (selective dynamics is not the calculator's business)."""
    return Structure(structure.lattice, structure.species, structure.frac_coords)


def _ase_backed(calculator: Calculator) -> bool:
    from nasx.workflows.calculators.ase_backend import AseBackedCalculator

    return isinstance(calculator, AseBackedCalculator)


def _step_from_ase(atoms, results: dict, template: Structure) -> IonicStep:
    """An ionic step from an ASE evaluation; site properties (selective dynamics) from ``template``."""
    structure = Structure(
        Lattice(np.array(atoms.cell)),
        atoms.get_chemical_symbols(),
        np.array(atoms.get_positions()),
        coords_are_cartesian=True,
        site_properties=template.site_properties or None,
    )
    stress = results.get("stress")
    if stress is None:
        stress_kbar = np.zeros((3, 3))
    else:
        stress = np.asarray(stress, dtype=float)  # eV/Å³, Voigt (ASE) or 3×3 (some calculators)
        full = stress.reshape(3, 3) if stress.size == 9 else voigt_6_to_full_3x3_stress(stress)
        stress_kbar = -full * KBAR_PER_EV_PER_A3
    return IonicStep(
        structure, float(results["energy"]), np.array(results["forces"], dtype=float), stress_kbar
    )


def evaluate(calculator: Calculator, structure: Structure, workdir: Path) -> IonicStep:
    """Energy, forces and (for ASE-backed calculators) stress of one fixed structure."""
    if _ase_backed(calculator):
        from pymatgen.io.ase import AseAtomsAdaptor

        atoms = AseAtomsAdaptor.get_atoms(_bare(structure))
        atoms.calc = calculator.ase_calculator()
        results = {
            "energy": atoms.get_potential_energy(),
            "forces": atoms.get_forces(),
            "stress": atoms.get_stress(voigt=True)
            if "stress" in atoms.calc.implemented_properties
            else None,
        }
        return _step_from_ase(atoms, results, structure)
    result = calculator.forces(_bare(structure), workdir)
    return IonicStep(
        structure, result.energy_eV, np.asarray(result.forces_eV_per_A, float), np.zeros((3, 3))
    )


def _record_evaluations(
    calculator: Calculator, structure: Structure, steps: list[IonicStep]
) -> None:
    """Make the calculator's ASE evaluations (one per optimiser step) land in ``steps``."""
    from ase.calculators.calculator import all_changes

    make = calculator.ase_calculator

    def ase_calculator():
        calc = make()
        inner = calc.calculate
        extra = {"energy", "forces"} | ({"stress"} & set(calc.implemented_properties))

        def calculate(atoms=None, properties=("energy",), system_changes=all_changes):
            inner(atoms, sorted(set(properties) | extra), system_changes)
            steps.append(_step_from_ase(calc.atoms, calc.results, structure))

        calc.calculate = calculate
        return calc

    calculator.ase_calculator = ase_calculator  # instance attribute: this object only


def _same_structure(a: Structure, b: Structure, tol: float = 1e-10) -> bool:
    """Same cell and same sites (modulo lattice translations)."""
    if not np.allclose(a.lattice.matrix, b.lattice.matrix, atol=tol, rtol=0):
        return False
    delta = a.frac_coords - b.frac_coords
    delta -= np.rint(delta)
    return bool(np.abs(delta @ a.lattice.matrix).max(initial=0.0) < tol)


def relax(
    calculator: Calculator, structure: Structure, job: Job, workdir: Path
) -> tuple[list[IonicStep], Structure, bool]:
    """Ionic steps, final structure and convergence of a VASP-style relaxation."""
    ediffg = float(job.parameters["EDIFFG"])
    settings = RelaxSettings(
        fmax_eV_per_A=abs(ediffg) if ediffg < 0 else 1e-3,
        max_steps=job.nsw,
        relax_cell=int(job.parameters["ISIF"]) >= 3,
    )
    steps: list[IonicStep] = []
    if _ase_backed(calculator):
        _record_evaluations(calculator, structure, steps)
    result = calculator.relax(_bare(structure), settings, workdir)
    final = result.structure.copy(site_properties=structure.site_properties or None)
    if not steps:
        steps.append(evaluate(calculator, structure, workdir))
    if not _same_structure(steps[-1].structure, final):
        steps.append(evaluate(calculator, final, workdir))
    # VASP stops at NSW ionic steps; a converged run stops before (custodian checks this)
    nsw = job.nsw
    limit = nsw if not result.converged else max(nsw - 1, 1)
    if len(steps) > limit:
        steps = [*steps[:1], *steps[len(steps) - (limit - 1) :]] if limit > 1 else steps[-1:]
    while not result.converged and len(steps) < nsw:
        steps.append(steps[-1])
    return steps, final, bool(result.converged)


# --------------------------------------------------------------------------------------------
# output formats


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


def scf_energies(energy: float, n: int, converged: bool = True) -> list[float]:
    """SCF energies of one ionic step ending on ``energy``: converging (deviations 1e-2, 1e-4, …)
    or, for a step that ran into NELM, still oscillating by 1e-3 eV."""
    deviations = [10.0 ** (-2 * (i + 1)) if converged else 1e-3 * (-1) ** i for i in range(n - 1)]
    return [energy + d for d in deviations] + [energy]


def _xml_value(name: str, value: Any, indent: str) -> str:
    """One INCAR/parameter entry as vasprun.xml writes it."""
    name = escape(str(name), {'"': "&quot;"})
    if isinstance(value, list | tuple):
        if all(isinstance(v, bool) for v in value):
            text, typ = " ".join("T" if v else "F" for v in value), ' type="logical"'
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            text, typ = " ".join(str(v) for v in value), ' type="int"'
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            text, typ = " ".join(f"{float(v):.8f}" for v in value), ""
        else:
            text, typ = " ".join(escape(str(v)) for v in value), ' type="string"'
        return f'{indent}<v{typ} name="{name}">{text}</v>'
    if isinstance(value, bool):
        return f'{indent}<i type="logical" name="{name}"> {"T" if value else "F"}  </i>'
    if isinstance(value, int):
        return f'{indent}<i type="int" name="{name}">{value:8d}</i>'
    if isinstance(value, float):
        return (
            f'{indent}<i name="{name}">{value:16.8f}</i>'
            if abs(value) >= 1e-4 or value == 0
            else f'{indent}<i name="{name}">{value:.8e}</i>'
        )
    return f'{indent}<i type="string" name="{name}">{escape(str(value))}</i>'


def _varray(name: str, rows: np.ndarray, fmt: str, indent: str) -> list[str]:
    lines = [f'{indent}<varray name="{name}" >']
    lines += [
        f"{indent} <v>" + " ".join(fmt % x for x in row) + " </v>" for row in np.atleast_2d(rows)
    ]
    lines.append(f"{indent}</varray>")
    return lines


def _structure_xml(structure: Structure, name: str | None, indent: str = " ") -> list[str]:
    attr = f' name="{name}"' if name else ""
    lattice = structure.lattice
    lines = [f"{indent}<structure{attr} >", f"{indent} <crystal>"]
    lines += _varray("basis", lattice.matrix, "%22.16f", indent + "  ")
    lines.append(f'{indent}  <i name="volume">{lattice.volume:22.16f} </i>')
    lines += _varray(
        "rec_basis", lattice.reciprocal_lattice_crystallographic.matrix, "%22.16f", indent + "  "
    )
    lines.append(f"{indent} </crystal>")
    lines += _varray("positions", structure.frac_coords, "%22.16f", indent + " ")
    selective = structure.site_properties.get("selective_dynamics")
    if selective is not None:
        lines.append(f'{indent} <varray type="logical" name="selective" >')
        lines += [
            f"{indent}  <v>" + " ".join("T" if s else "F" for s in row) + " </v>"
            for row in selective
        ]
        lines.append(f"{indent} </varray>")
    lines.append(f"{indent}</structure>")
    return lines


def _kpoints(
    kpoints: Kpoints | None, incar: Incar, structure: Structure
) -> tuple[str, list[int], list[float], list, list]:
    """(generation style, divisions, user shift, k-point list, weights) of the run's k-points;
    meshes are listed in full (no symmetry reduction)."""
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
        return "", [], [0.0] * 3, points, list(weights / weights.sum())
    else:  # line mode or Cartesian lists: not worth modelling in a fake
        return "", [], [0.0] * 3, [[0.0, 0.0, 0.0]], [1.0]
    usershift = [0.0] * 3
    if kpoints is not None and kpoints.style in (modes.Gamma, modes.Monkhorst):
        usershift = [float(x) for x in kpoints.kpts_shift]
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in divisions], indexing="ij"), -1).reshape(
        -1, 3
    )
    shift = 0.0 if style == "Gamma" else np.array([0.5 if n % 2 == 0 else 0.0 for n in divisions])
    points = (grid + shift + np.array(usershift)) / np.array(divisions)
    points -= np.rint(points)
    return style, divisions, usershift, points.tolist(), [1.0 / len(points)] * len(points)


def vasprun_xml(
    *,
    incar: Incar,
    job: Job,
    kpoints: tuple[str, list[int], list[float], list, list],
    potcars: list[tuple[str, float]],
    initial: Structure,
    steps: list[IonicStep],
    final: Structure,
    scf_counts: list[int],
    now: datetime,
) -> str:
    """A vasprun.xml that pymatgen's Vasprun and phonopy's force reader accept."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<modeling>",
        " <generator>",
        '  <i name="program" type="string">vasp </i>',
        f'  <i name="version" type="string">{VASP_VERSION}  </i>',
        '  <i name="subversion" type="string">nasx fake VASP </i>',
        '  <i name="platform" type="string">LinuxGNU </i>',
        f'  <i name="date" type="string">{now:%Y %m %d} </i>',
        f'  <i name="time" type="string">{now:%H:%M:%S} </i>',
        " </generator>",
        " <incar>",
    ]
    lines += [_xml_value(key, incar[key], "  ") for key in incar]
    lines.append(" </incar>")
    style, divisions, usershift, kpointlist, weights = kpoints
    lines.append(" <kpoints>")
    if style:
        lines.append(f'  <generation param="{style}">')
        lines.append(
            '   <v type="int" name="divisions">' + " ".join(f"{n:8d}" for n in divisions) + " </v>"
        )
        lines.append(
            '   <v name="usershift">' + " ".join(f"{x:16.8f}" for x in usershift) + " </v>"
        )
        for i, row in enumerate(np.diag(1.0 / np.array(divisions))):
            lines.append(
                f'   <v name="genvec{i + 1}">' + " ".join(f"{x:16.8f}" for x in row) + " </v>"
            )
        lines.append('   <v name="shift">      0.00000000       0.00000000       0.00000000 </v>')
        lines.append("  </generation>")
    lines += _varray("kpointlist", np.array(kpointlist), "%18.14f", "  ")
    lines += _varray("weights", np.array(weights)[:, None], "%18.14f", "  ")
    lines.append(" </kpoints>")
    lines.append(" <parameters>")
    lines += [_xml_value(key, value, "  ") for key, value in job.parameters.items()]
    lines.append(" </parameters>")
    groups = _species_groups(initial)
    lines += [
        " <atominfo>",
        f"  <atoms>{len(initial):8d} </atoms>",
        f"  <types>{len(groups):8d} </types>",
        '  <array name="atoms" >',
        '   <dimension dim="1">ion</dimension>',
        '   <field type="string">element</field>',
        '   <field type="int">atomtype</field>',
        "   <set>",
    ]
    for type_index, (symbol, count) in enumerate(groups, start=1):
        lines += [f"    <rc><c>{symbol:2s}</c><c>{type_index:4d}</c></rc>"] * count
    lines += [
        "   </set>",
        "  </array>",
        '  <array name="atomtypes" >',
        '   <dimension dim="1">type</dimension>',
        '   <field type="int">atomspertype</field>',
        '   <field type="string">element</field>',
        "   <field>mass</field>",
        "   <field>valence</field>",
        '   <field type="string">pseudopotential</field>',
        "   <set>",
    ]
    for (symbol, count), (titel, zval) in zip(groups, potcars, strict=True):
        mass = float(Element(symbol).atomic_mass)
        lines.append(
            f"    <rc><c>{count:4d}</c><c>{symbol:2s}</c><c>{mass:16.8f}</c><c>{zval:16.8f}</c><c>  {escape(titel)}</c></rc>"
        )
    lines += ["   </set>", "  </array>", " </atominfo>"]
    lines += _structure_xml(initial, "initialpos")
    for step, n_scf in zip(steps, scf_counts, strict=True):
        lines.append(" <calculation>")
        for e in scf_energies(step.energy_eV, n_scf, converged=n_scf < job.nelm):
            lines += [
                "  <scstep>",
                '   <time name="total">    0.01    0.01</time>',
                "   <energy>",
                f'    <i name="e_fr_energy">{e:24.12f} </i>',
                f'    <i name="e_wo_entrp">{e:24.12f} </i>',
                f'    <i name="e_0_energy">{e:24.12f} </i>',
                "   </energy>",
                "  </scstep>",
            ]
        lines += _structure_xml(step.structure, None, "  ")
        lines += _varray("forces", step.forces_eV_per_A, "%22.14f", "  ")
        lines += _varray("stress", step.stress_kbar, "%22.14f", "  ")
        e = step.energy_eV
        lines += [
            "  <energy>",
            f'   <i name="e_fr_energy">{e:24.12f} </i>',
            f'   <i name="e_wo_entrp">{e:24.12f} </i>',
            f'   <i name="e_0_energy">{e:24.12f} </i>',
            "  </energy>",
            '  <time name="totalsc">    0.03    0.03</time>',
            " </calculation>",
        ]
    lines += _structure_xml(final, "finalpos")
    lines.append("</modeling>")
    return "\n".join(lines) + "\n"


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


def outcar_text(
    *,
    job: Job,
    initial: Structure,
    steps: list[IonicStep],
    kpoint_count: int,
    zbrent: bool,
    elapsed_s: float,
    now: datetime,
) -> str:
    """An OUTCAR that pymatgen's Outcar (as custodian uses it) parses."""
    p = job.parameters
    groups = _species_groups(initial)
    nplwv = int(p["NGX"]) * int(p["NGY"]) * int(p["NGZ"])
    bool_ = {True: "T", False: "F"}
    lines = [
        f" vasp.{VASP_VERSION} (nasx fake VASP) complex",
        f" executed on             LinuxGNU date {now:%Y.%m.%d  %H:%M:%S}",
        " running on    1 total cores",
        " distrk:  each k-point on    1 cores,    1 groups",
        " distr:  one band on    1 cores,    1 groups",
        "",
        "   ions per type =  " + " ".join(f"{n:5d}" for _, n in groups),
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
        f"   LNONCOLLINEAR = {bool_[bool(p['LNONCOLLINEAR'])]:>6s} non collinear calculations",
        f"   NELECT = {float(p['NELECT']):12.4f}    total number of electrons",
        "",
    ]
    for i, step in enumerate(steps, start=1):
        e = step.energy_eV
        s = step.stress_kbar
        lines += [
            f"--------------------------------------- Iteration {i:6d}(   1)  ---------------------------------------",
            "",
            "  FORCE on cell =-STRESS in cart. coord.  units (eV):",
            "  Direction    XX          YY          ZZ          XY          YZ          ZX",
            "  --------------------------------------------------------------------------------------",
            "  in kB  "
            + " ".join(
                f"{x:11.5f}" for x in (s[0, 0], s[1, 1], s[2, 2], s[0, 1], s[1, 2], s[2, 0])
            ),
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


# --------------------------------------------------------------------------------------------
# the program


def main(argv: Sequence[str] | None = None) -> int:
    """Run one fake VASP calculation in the current directory; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="nasx-fake-vasp",
        description="A fake VASP: reads INCAR/POSCAR/KPOINTS in the current directory, computes with a "
        "nasx calculator, writes vasprun.xml, OUTCAR, OSZICAR and CONTCAR. Environment: "
        "NASX_FAKE_VASP_CALCULATOR (stub|chgnet), NASX_FAKE_VASP_STRUCTURES, NASX_FAKE_VASP_FAIL (scf|zbrent|crash).",
    )
    parser.parse_args(argv)
    start = time.perf_counter()
    now = datetime.now()
    fail = os.environ.get("NASX_FAKE_VASP_FAIL", "").strip().lower()
    if fail not in ("", "scf", "zbrent", "crash"):
        print(
            f"nasx-fake-vasp: ignoring NASX_FAKE_VASP_FAIL={fail!r} (scf|zbrent|crash)",
            file=sys.stderr,
        )
    if fail == "crash":
        print("nasx-fake-vasp: crashing on request (NASX_FAKE_VASP_FAIL=crash)", file=sys.stderr)
        return 1
    directory = Path.cwd()
    try:
        incar = Incar.from_file(directory / "INCAR")
        poscar = Poscar.from_file(directory / "POSCAR", check_for_potcar=False)
        kpoints_file = directory / "KPOINTS"
        kpoints = Kpoints.from_file(kpoints_file) if kpoints_file.is_file() else None
        structure = poscar.structure
        potcars = _potcar_info(directory, [el for el, _ in _species_groups(structure)])
        job = job_from_incar(incar, structure, potcars)
        nsw, ibrion = job.nsw, int(job.parameters["IBRION"])
        if not job.relax and nsw > 0 and ibrion != -1:
            raise ValueError(
                f"IBRION = {ibrion} with NSW = {nsw} is not supported (static or IBRION 1, 2, 3 only)"
            )
        calculator = calculator_from_environment()
        with tempfile.TemporaryDirectory(prefix="nasx-fake-vasp-") as workdir:
            if job.relax:
                steps, final, converged = relax(calculator, structure, job, Path(workdir))
            else:
                steps = [evaluate(calculator, structure, Path(workdir))]
                final, converged = structure, True
        kpoint_set = _kpoints(kpoints, incar, structure)
    except Exception as err:  # VASP dies without outputs; so does the fake
        traceback.print_exc()
        print(f"nasx-fake-vasp: error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1

    scf_counts = [SCF_STEPS] * len(steps)
    if fail == "scf":
        scf_counts[-1] = job.nelm
    zbrent = fail == "zbrent"
    spin = int(job.parameters["ISPIN"]) == 2
    osz = oszicar_lines(steps, scf_counts, job.nelm, spin)

    groups = _species_groups(structure)
    stdout = [
        " running on    1 total cores",
        " distrk:  each k-point on    1 cores,    1 groups",
        " distr:  one band on    1 cores,    1 groups",
        f" vasp.{VASP_VERSION} (nasx fake VASP, calculator: {calculator.name})",
        f" POSCAR found type information on POSCAR {' '.join(el for el, _ in groups)}",
        f" POSCAR found :  {len(groups)} types and {len(structure):7d} ions",
        " LDA part: xc-table for Pade appr. of Perdew",
        *osz,
    ]
    if zbrent:
        stdout.append(f" {ZBRENT_MESSAGE}")
    if job.relax and converged:
        stdout.append(" reached required accuracy - stopping structural energy minimisation")
    stdout.append(" writing wavefunctions")

    (directory / "vasprun.xml").write_text(
        vasprun_xml(
            incar=incar,
            job=job,
            kpoints=kpoint_set,
            potcars=potcars,
            initial=structure,
            steps=steps,
            final=final,
            scf_counts=scf_counts,
            now=now,
        )
    )
    (directory / "OSZICAR").write_text("\n".join(osz) + "\n")
    Poscar(final, comment=poscar.comment).write_file(directory / "CONTCAR", significant_figures=16)
    (directory / "OUTCAR").write_text(
        outcar_text(
            job=job,
            initial=structure,
            steps=steps,
            kpoint_count=len(kpoint_set[3]),
            zbrent=zbrent,
            elapsed_s=time.perf_counter() - start,
            now=now,
        )
    )
    print("\n".join(stdout), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
