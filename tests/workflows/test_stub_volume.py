"""The stub's volume dependence: k(V) = k0 (V/V0)^(−2γ), with forces and stress that are the
exact derivatives of its energy, away from the reference volume and at it."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.structures import reference_set
from nasx.workflows.calculators.stub import (
    ELASTIC_EV_PER_A3,
    GRUNEISEN,
    NA_S_SPRING_EV_PER_A2,
    StubCalculator,
)

STEP_A = 1e-4
STRAIN_STEP = 1e-5


def _cell(isotropic: float, shear: float, rattle_A: float) -> Atoms:
    """Na2S (primitive, 3 atoms) scaled by (1 + isotropic) along each axis, sheared, rattled."""
    structure = reference_set("Na-S")["Na2S_Fm-3m"].structure
    atoms = AseAtomsAdaptor.get_atoms(structure)
    strain = np.eye(3) * isotropic + np.array([[0, shear, 0], [shear, 0, 0], [0, 0, 0]])
    atoms.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + strain), scale_atoms=True)
    atoms.rattle(rattle_A, seed=7)
    atoms.calc = StubCalculator().ase_calculator()
    return atoms


def _energy(atoms: Atoms, positions=None, strain=None) -> float:
    copy = atoms.copy()
    copy.calc = atoms.calc
    if strain is not None:
        copy.set_cell(np.asarray(copy.cell) @ (np.eye(3) + strain), scale_atoms=True)
    if positions is not None:
        copy.positions = positions
    return copy.get_potential_energy()


@pytest.mark.parametrize("isotropic", [0.04, -0.03, 0.0])
def test_forces_and_stress_are_derivatives_of_the_energy(isotropic):
    """Central differences of the energy in positions and in a strain of the current cell, on a
    cell 4 % stretched (3 % squeezed, unstrained) per axis, sheared and rattled by 0.1 Å."""
    atoms = _cell(isotropic, shear=0.02 if isotropic else 0.0, rattle_A=0.1)
    forces = atoms.get_forces()
    stress = atoms.get_stress(voigt=False)
    numeric_forces = np.zeros_like(forces)
    for i in range(len(atoms)):
        for a in range(3):
            plus, minus = atoms.positions.copy(), atoms.positions.copy()
            plus[i, a] += STEP_A
            minus[i, a] -= STEP_A
            numeric_forces[i, a] = -(_energy(atoms, plus) - _energy(atoms, minus)) / (2 * STEP_A)
    numeric_stress = np.zeros((3, 3))
    for a in range(3):
        for b in range(a, 3):
            unit = np.zeros((3, 3))
            unit[a, b] = unit[b, a] = 1.0 if a == b else 0.5
            delta = _energy(atoms, strain=STRAIN_STEP * unit) - _energy(
                atoms, strain=-STRAIN_STEP * unit
            )
            numeric_stress[a, b] = numeric_stress[b, a] = delta / (
                2 * STRAIN_STEP * atoms.get_volume()
            )
    assert np.abs(forces).max() > 0.1
    assert np.allclose(forces, numeric_forces, atol=1e-6), (forces, numeric_forces)
    assert np.abs(stress).max() > 1e-4
    assert np.allclose(stress, numeric_stress, atol=1e-8, rtol=1e-5), (stress, numeric_stress)


def test_spring_scales_with_volume_and_is_unchanged_at_the_reference():
    """A displaced atom's restoring force is k0 (V/V0)^(−2γ) u; at V0 it is k0 u exactly."""
    k0 = NA_S_SPRING_EV_PER_A2["Na2S"]
    for isotropic in (0.0, 0.03, -0.02):
        atoms = _cell(isotropic, shear=0.0, rattle_A=0.0)
        reference_positions = atoms.positions.copy()
        atoms.positions[0, 2] += 0.01
        ratio = (1 + isotropic) ** 3
        force = atoms.get_forces()[0, 2]
        assert force == pytest.approx(-k0 * ratio ** (-2 * GRUNEISEN) * 0.01, rel=1e-9)
        atoms.positions = reference_positions
        energy = atoms.get_potential_energy() / len(atoms)
        v0 = atoms.get_volume() / ratio / len(atoms)
        atoms_at_v0 = _cell(0.0, 0.0, 0.0)
        e0 = atoms_at_v0.get_potential_energy() / len(atoms)
        s = ratio ** (1 / 3) - 1
        assert energy - e0 == pytest.approx(
            1.5 * ELASTIC_EV_PER_A3 * v0 * s**2, rel=1e-9, abs=1e-14
        )


@pytest.mark.parametrize("factor", [0.94, 1.08, 1.3])
def test_large_supercells_at_other_volumes_are_still_recognised(factor, tmp_path):
    """A QHA volume's 5×5×5 supercell: its strain alone once exceeded the match's tolerance."""
    from nasx.workflows.calculators import CalculatorOptions, get_calculator

    stub = get_calculator("stub", CalculatorOptions())
    na = next(p for p in reference_set("Na-S") if p.id == "Na_Im-3m").structure.copy()
    na.make_supercell([5, 5, 5])
    na.scale_lattice(na.volume * factor)
    result = stub.forces(na, tmp_path)
    assert np.abs(result.forces_eV_per_A).max() < 1e-9  # at its ideal sites: no force
