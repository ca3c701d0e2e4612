"""The fake's physics: a nasx calculator's energies, forces and stresses as VASP ionic steps.

Energies eV per cell, forces eV/Å, stresses kBar with VASP's sign (positive = compressed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator as AseCalculator
from ase.calculators.calculator import all_changes
from ase.stress import voigt_6_to_full_3x3_stress
from ase.units import GPa
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.settings import RelaxSettings
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.base import Calculator
from nasx.workflows.calculators.fake_vasp.inputs import Job

KBAR_PER_EV_PER_A3 = 10.0 / GPa


@dataclass(frozen=True)
class IonicStep:
    """One ionic step: structure, energy (eV/cell), forces (eV/Å), stress (kBar, VASP sign)."""

    structure: Structure
    energy_eV: float
    forces_eV_per_A: np.ndarray
    stress_kbar: np.ndarray


def calculator_from_environment() -> Calculator:
    """The calculator named by NASX_FAKE_VASP_CALCULATOR: ``stub`` (default, over the phases in
    NASX_FAKE_VASP_STRUCTURES or the built-in Na–S set) or an ML model such as ``chgnet``. The
    registry imports only the backend named, so a stub run never loads torch."""
    from nasx.workflows.calculators import REGISTRY, CalculatorOptions, get_calculator

    name = os.environ.get("NASX_FAKE_VASP_CALCULATOR", "stub")
    if name not in REGISTRY or name == "vasp":
        raise ValueError(f"NASX_FAKE_VASP_CALCULATOR={name!r}: choose stub or chgnet")
    structures = os.environ.get("NASX_FAKE_VASP_STRUCTURES") or None
    return get_calculator(name, CalculatorOptions(structures_dir=structures))


def _bare(structure: Structure) -> Structure:
    """The structure without site properties (selective dynamics is not the calculator's business)."""
    return Structure(structure.lattice, structure.species, structure.frac_coords)


def _step_from_ase(atoms: Atoms, results: dict[str, Any], template: Structure) -> IonicStep:
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
    if isinstance(calculator, AseBackedCalculator):
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
    calculator: AseBackedCalculator, structure: Structure, steps: list[IonicStep]
) -> None:
    """Make the calculator's ASE evaluations (one per optimiser step) land in ``steps``."""
    make = calculator.ase_calculator

    def ase_calculator() -> AseCalculator:
        calc = make()
        inner = calc.calculate
        extra = {"energy", "forces"} | ({"stress"} & set(calc.implemented_properties))

        def calculate(atoms=None, properties=("energy",), system_changes=all_changes) -> None:
            inner(atoms, sorted(set(properties) | extra), system_changes)
            steps.append(_step_from_ase(calc.atoms, calc.results, structure))

        calc.calculate = calculate
        return calc

    calculator.ase_calculator = ase_calculator  # instance attribute: this object only


def _same_structure(a: Structure, b: Structure, tol_A: float = 1e-10) -> bool:
    """Same cell and same sites (modulo lattice translations), to ``tol_A``."""
    if not np.allclose(a.lattice.matrix, b.lattice.matrix, atol=tol_A, rtol=0):
        return False
    delta = a.frac_coords - b.frac_coords
    delta -= np.rint(delta)
    return bool(np.abs(delta @ a.lattice.matrix).max(initial=0.0) < tol_A)


def relax(
    calculator: Calculator, structure: Structure, job: Job, workdir: Path
) -> tuple[list[IonicStep], Structure, bool]:
    """Ionic steps, final structure and convergence of a VASP-style relaxation: the cell too if
    ISIF ≥ 3 (its shape only, at constant volume, if ISIF = 4), fmax = |EDIFFG| (eV/Å) if
    EDIFFG < 0 else 1e-3 eV/Å, at most NSW ionic steps."""
    ediffg = float(job.parameters["EDIFFG"])
    isif = int(job.parameters["ISIF"])
    settings = RelaxSettings(
        fmax_eV_per_A=abs(ediffg) if ediffg < 0 else 1e-3,
        max_steps=job.nsw,
        relax_cell=isif >= 3,
        constant_volume=isif == 4,
    )
    steps: list[IonicStep] = []
    if isinstance(calculator, AseBackedCalculator):
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


def born_charges(structure: Structure) -> tuple[np.ndarray, np.ndarray]:
    """Made-up Born charges (n_atoms, 3, 3) and high-frequency dielectric tensor (3, 3) of a
    LEPSILON job, in e and as a ratio: each atom of the most electropositive element carries
    +1 e, the others share −(their total) equally, so that the charges sum to zero as they
    must; ε∞ = 4 along each axis. A cell of one element gets zero charges and ε∞ = 1. Numbers
    of the right kind to exercise NAC, not a model of any material."""
    species = [site.specie for site in structure]
    cation = min(set(species), key=lambda el: el.X)
    n_cation = species.count(cation)
    if n_cation == len(species):
        return np.zeros((len(species), 3, 3)), np.eye(3)
    anion_charge = -n_cation / (len(species) - n_cation)
    charges = [1.0 if el == cation else anion_charge for el in species]
    return np.array([q * np.eye(3) for q in charges]), 4.0 * np.eye(3)
