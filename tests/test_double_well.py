"""The double-well test models: forces are the energy's derivatives, the harmonic spectrum and
the located instability are the closed form's."""

import numpy as np
import pytest
from ase import Atoms
from pymatgen.io.ase import AseAtomsAdaptor

from tests.double_well import GAMMA_MODEL, M_MODEL, DoubleWellModel, frequency_THz, phonopy_of


def _perturbed(model, seed: int) -> Atoms:
    """A strained 2×2×2 supercell with random displacements of 0.1 Å."""
    structure = model.structure.copy()
    structure.make_supercell([2, 2, 2])
    atoms = AseAtomsAdaptor.get_atoms(structure)
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(scale=0.1, size=atoms.positions.shape)
    atoms.set_cell(atoms.cell @ (np.eye(3) + rng.normal(scale=0.01, size=(3, 3))), scale_atoms=True)
    atoms.calc = DoubleWellModel(model)
    return atoms


def _energy(atoms: Atoms) -> float:
    copy = atoms.copy()
    copy.calc = DoubleWellModel(atoms.calc.model)
    return copy.get_potential_energy()


@pytest.mark.parametrize("model", [GAMMA_MODEL, M_MODEL], ids=["gamma", "M"])
def test_forces_and_stress_are_derivatives_of_the_energy(model):
    atoms = _perturbed(model, seed=3)
    forces, stress = atoms.get_forces(), atoms.get_stress(voigt=False)
    h = 1e-5
    numeric = np.zeros_like(forces)
    for i in range(len(atoms)):
        for a in range(3):
            for sign in (1, -1):
                moved = atoms.copy()
                moved.positions[i, a] += sign * h
                moved.calc = atoms.calc
                numeric[i, a] -= sign * _energy(moved) / (2 * h)
    assert np.abs(forces - numeric).max() < 1e-7
    numeric_stress = np.zeros((3, 3))
    for a in range(3):
        for b in range(3):
            for sign in (1, -1):
                strain = np.eye(3)
                strain[a, b] += sign * h / 2
                strain[b, a] += sign * h / 2
                moved = atoms.copy()
                moved.set_cell(atoms.cell @ strain, scale_atoms=True)
                moved.calc = atoms.calc
                numeric_stress[a, b] += sign * _energy(moved) / (2 * h)
    assert np.abs(stress - numeric_stress / atoms.get_volume()).max() < 1e-7


def _k_seen_by_phonopy(model, ph) -> float:
    """The on-site z curvature phonopy's displacements (z component d, the same for every
    atom here) measure: the force k d + 4 c d³ over d."""
    (d,) = {round(abs(row[3]), 12) for row in ph.displacements}
    return model.k_eV_per_A2 + 4 * model.c_eV_per_A4 * d**2


def test_gamma_model_is_unstable_at_gamma_only():
    ph, thermal = phonopy_of(GAMMA_MODEL)
    modes = thermal.imaginary_modes
    assert modes.modes[0].location == "Γ"
    assert modes.classification.startswith("instability at Γ")
    # closed form at Γ, along z: Φ = [[k + 8J, −8J], [−8J, k + 8J]] with the two masses
    k, j = _k_seen_by_phonopy(GAMMA_MODEL, ph), GAMMA_MODEL.j_eV_per_A2
    phi = np.array([[k + 8 * j, -8 * j], [-8 * j, k + 8 * j]])
    masses = np.array([s.specie.atomic_mass for s in GAMMA_MODEL.structure], dtype=float)
    lowest = np.linalg.eigvalsh(phi / np.sqrt(np.outer(masses, masses))).min()
    assert modes.modes[0].frequency_THz == pytest.approx(frequency_THz(lowest), abs=1e-6)
    assert thermal.min_frequency_THz == pytest.approx(frequency_THz(lowest), abs=1e-6)
    # at the zone corner R = (½, ½, ½) the coupling vanishes: m ω² = k + 8J > 0
    ph.run_qpoints([[0.5, 0.5, 0.5]])
    assert ph.qpoints.frequencies.min() > 0


def test_m_model_is_stable_at_gamma_and_unstable_at_m():
    ph, thermal = phonopy_of(M_MODEL)
    modes = thermal.imaginary_modes
    assert modes.modes[0].location == "zone boundary (½, ½, 0)"
    assert "zone boundary (½, ½, 0) point" in modes.classification
    mass = float(M_MODEL.structure[0].specie.atomic_mass)
    assert modes.modes[0].frequency_THz == pytest.approx(
        frequency_THz((_k_seen_by_phonopy(M_MODEL, ph) + 8 * M_MODEL.j_eV_per_A2) / mass), abs=1e-6
    )
    ph.run_qpoints([[0, 0, 0], [0.5, 0, 0]])
    gamma, x = ph.qpoints.frequencies
    assert gamma.min() == pytest.approx(
        frequency_THz(_k_seen_by_phonopy(M_MODEL, ph) / mass), abs=1e-6
    )
    assert x.min() > 0  # X: k + 4J > 0


def test_m_model_prefers_m_over_a():
    """The stiff shell along c lifts A = (½, ½, ½) by 4J' over M (flat along c without it)."""
    ph, _ = phonopy_of(M_MODEL)
    ph.run_qpoints([[0.5, 0.5, 0.0], [0.5, 0.5, 0.5]])
    m, a = ph.qpoints.frequencies.min(axis=1)
    mass = float(M_MODEL.structure[0].specie.atomic_mass)
    d2 = _k_seen_by_phonopy(M_MODEL, ph) - M_MODEL.k_eV_per_A2
    kappa = M_MODEL.kappa_eV_per_A2 + d2
    assert m == pytest.approx(frequency_THz(kappa / mass), abs=1e-6)
    assert a == pytest.approx(
        frequency_THz((kappa + 4 * M_MODEL.j_stiff_eV_per_A2) / mass), abs=1e-6
    )
