"""Γ modes: phonopy's irreps and the Raman/IR activity derived from their characters, on
structures whose Γ-mode symmetries are textbook results."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.lj import LennardJones
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms

from nasx.analysis.thermo.gamma_modes import gamma_modes, multiplicity

FCC = [(0, 0, 0), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0)]
TETRAHEDRAL = [(x, y, z) for x in (0.25, 0.75) for y in (0.25, 0.75) for z in (0.25, 0.75)]
ZINC_BLENDE_S = [(0.25, 0.25, 0.25), (0.25, 0.75, 0.75), (0.75, 0.25, 0.75), (0.75, 0.75, 0.25)]
OCTAHEDRAL = [(0.5, 0.5, 0.5), (0.5, 0, 0), (0, 0.5, 0), (0, 0, 0.5)]


def _phonons(symbols: list[str], positions: list, a_A: float) -> Phonopy:
    """Force constants of a pair potential (any central pair potential keeps the symmetry)."""
    cell = PhonopyAtoms(symbols=symbols, cell=np.eye(3) * a_A, scaled_positions=positions)
    ph = Phonopy(cell, supercell_matrix=np.eye(3, dtype=int), primitive_matrix="F")
    ph.generate_displacements(distance=0.01)
    calculator = LennardJones(sigma=2.6, epsilon=0.1, rc=6.0)
    forces = []
    for supercell in ph.supercells_with_displacements:
        atoms = Atoms(
            supercell.symbols,
            cell=supercell.cell,
            scaled_positions=supercell.scaled_positions,
            pbc=True,
        )
        atoms.calc = calculator
        forces.append(atoms.get_forces())
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    ph.symmetrize_force_constants()
    return ph


def _optical(ph: Phonopy) -> list[tuple[str | None, int, bool, bool]]:
    modes = gamma_modes(ph)
    return sorted(
        (m.irrep, m.degeneracy, m.raman_active, m.ir_active) for m in modes.modes if not m.acoustic
    )


def test_antifluorite_na2s_has_an_ir_t1u_and_a_raman_t2g_optical_mode():
    ph = _phonons(["S"] * 4 + ["Na"] * 8, FCC + TETRAHEDRAL, 6.54)
    modes = gamma_modes(ph)
    assert modes.point_group == "m-3m"
    acoustic = [m for m in modes.modes if m.acoustic]
    assert [(m.irrep, m.degeneracy, m.ir_active) for m in acoustic] == [("T1u", 3, True)]
    assert _optical(ph) == [("T1u", 3, False, True), ("T2g", 3, True, False)]
    assert modes.raman_per_cm() == [m.frequency_per_cm for m in modes.modes if m.irrep == "T2g"]


def test_rock_salt_has_one_ir_active_optical_mode_and_no_raman_one():
    ph = _phonons(["Na"] * 4 + ["Cl"] * 4, FCC + OCTAHEDRAL, 5.64)
    assert _optical(ph) == [("T1u", 3, False, True)]
    assert gamma_modes(ph).raman_per_cm() == []


def test_zinc_blende_t2_is_both_raman_and_ir_active():
    """Without an inversion centre a mode may be active in both (no mutual exclusion)."""
    ph = _phonons(["Zn"] * 4 + ["S"] * 4, FCC + ZINC_BLENDE_S, 5.41)
    assert _optical(ph) == [("T2", 3, True, True)]


def test_multiplicity_counts_irreps_in_the_vector_representation():
    # C2v (E, C2, σv(xz), σv'(yz)): x, y, z transform as B1, B2, A1; A2 is not in it
    vector = np.array([3, -1, 1, 1])
    characters = {"A1": [1, 1, 1, 1], "A2": [1, 1, -1, -1], "B1": [1, -1, 1, -1]}
    assert {k: multiplicity(np.array(v), vector) for k, v in characters.items()} == pytest.approx(
        {"A1": 1, "A2": 0, "B1": 1}
    )
