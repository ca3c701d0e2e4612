"""Every ASE-backed calculator's stress is ASE's: (1/V) ∂E/∂ε in eV/Å³, negative when compressed.

Checked against a central finite difference of the energy under a homogeneous strain (atoms
carried with the cell), on a compressed, sheared and rattled Na2S cell, component by component.
"""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.structures import reference_set
from nasx.workflows.calculators import get_calculator

STEP = 2e-3
"""Strain step of the finite difference."""


def _strained(atoms: Atoms, strain: np.ndarray) -> Atoms:
    copy = atoms.copy()
    copy.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + strain), scale_atoms=True)
    return copy


def _finite_difference_stress_eV_per_A3(atoms: Atoms, calc) -> np.ndarray:
    """(1/V) ∂E/∂ε_ab by central differences of symmetric strains, as a 3×3 matrix."""
    stress = np.zeros((3, 3))
    volume = atoms.get_volume()
    for a in range(3):
        for b in range(a, 3):
            unit = np.zeros((3, 3))
            unit[a, b] = unit[b, a] = 1.0 if a == b else 0.5
            energies = []
            for sign in (1, -1):
                strained = _strained(atoms, sign * STEP * unit)
                strained.calc = calc
                energies.append(strained.get_potential_energy())
            stress[a, b] = stress[b, a] = (energies[0] - energies[1]) / (2 * STEP * volume)
    return stress


def _test_cell(scale: float = 1.0) -> Atoms:
    """Na2S (conventional, 12 atoms) compressed by 3 % × ``scale``, sheared and rattled."""
    structure = reference_set("Na-S")["Na2S_Fm-3m"].structure.to_conventional()
    atoms = AseAtomsAdaptor.get_atoms(structure)
    deformation = np.array([[-0.03, 0.01, 0.0], [0.01, -0.02, 0.0], [0.0, 0.0, -0.03]])
    atoms = _strained(atoms, scale * deformation)
    atoms.rattle(0.02, seed=3)
    return atoms


def _check(name: str, atol_eV_per_A3: float, rtol: float = 0.0, scale: float = 1.0) -> None:
    calc = get_calculator(name).ase_calculator()
    atoms = _test_cell(scale)
    atoms.calc = calc
    analytic = atoms.get_stress(voigt=False)
    numeric = _finite_difference_stress_eV_per_A3(atoms, calc)
    assert np.abs(analytic).max() > 20 * atol_eV_per_A3  # a stress worth comparing
    assert np.all(np.diag(analytic) < 0)  # compressed: the cell pushes outwards
    assert np.allclose(analytic, numeric, atol=atol_eV_per_A3, rtol=rtol), (analytic, numeric)


def test_stub_stress_is_the_strain_derivative_of_its_energy():
    """The stub's stress is its linear-elastic (small-strain) derivative: exact to O(ε), so it
    is compared at 0.3 % strain, where the neglected term is below 1 % of the stress."""
    _check("stub", 1e-7, rtol=0.01, scale=0.1)


@pytest.mark.slow
def test_chgnet_stress_is_the_strain_derivative_of_its_energy():
    _check("chgnet", 3e-4)  # float32 energies: ~1e-4 eV noise over V·2·STEP ≈ 0.4 Å³


@pytest.mark.slow
def test_sevennet_stress_is_the_strain_derivative_of_its_energy():
    pytest.importorskip(
        "sevenn", reason='SevenNet is an optional extra: pip install "nasx[sevennet]"'
    )
    _check("sevennet", 3e-4)
