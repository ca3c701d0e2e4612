"""Where the entropy sits (issue 30): the rigid-molecule projection, the molecule search and
the band sums, on synthetic molecules and a dimer crystal of springs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms
from pymatgen.core import Lattice, Structure

from nasx.analysis.thermo.entropy_breakdown import (
    GAS_CONSTANT_J_PER_MOL_K,
    EntropyBreakdown,
    entropy_breakdown,
    entropy_excess,
    rigid_basis,
    rigid_units,
    rigid_weights,
)

Q = np.array([0.17, -0.23, 0.31])
CUTOFF_A = 5.5


def _two_molecules() -> Structure:
    """Two bent S3 molecules in a 6 Å cell, one straddling the cell's faces."""
    lattice = Lattice.from_parameters(6.0, 6.3, 6.6, 88, 93, 91)
    bent = np.array([[0.0, 0.0, 0.0], [2.05, 0.0, 0.0], [2.7, 1.9, 0.3]])
    first = np.add(bent, [0.5, 0.4, 0.6])
    second = bent @ np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]]) + [5.3, 3.3, 3.1]  # wraps in x
    cartesian = np.vstack([first, second])
    return Structure(lattice, ["S"] * 6, cartesian, coords_are_cartesian=True, to_unit_cell=True)


def _basis(structure: Structure):
    units = rigid_units(structure)
    lattice = structure.lattice.matrix
    masses = np.array([site.specie.atomic_mass for site in structure], dtype=float)
    return units, [rigid_basis(u, lattice, masses) for u in units], masses


def _rigid_eigenvector(structure: Structure, unit, velocity) -> np.ndarray:
    """A mode in phonopy's convention moving ``unit`` rigidly at Q: e_κ ∝ √m v_κ e^{−iq·r_κ}."""
    e = np.zeros(3 * len(structure), dtype=complex)
    for atom, frac in zip(unit.atoms, unit.fractional, strict=True):
        mass = structure[atom].specie.atomic_mass
        r = frac @ structure.lattice.matrix
        e[3 * atom : 3 * atom + 3] = (
            math.sqrt(mass) * velocity(r) * np.exp(-2j * np.pi * frac @ Q) * np.exp(0.4j)
        )
    return e / np.linalg.norm(e)


def test_two_bent_molecules_are_found_whole_across_the_cell_faces():
    units = rigid_units(_two_molecules())
    assert units is not None and sorted(len(u.atoms) for u in units) == [3, 3]
    for unit in units:
        cartesian = unit.fractional @ _two_molecules().lattice.matrix
        bonds = np.linalg.norm(cartesian[:, None] - cartesian[None], axis=-1)
        assert sorted(bonds[bonds > 0])[:4] == pytest.approx([2.05, 2.05, 2.0, 2.0], abs=0.1)


@pytest.mark.parametrize(
    "velocity",
    [
        lambda r: np.array([0.3, -1.0, 0.5]),  # a translation
        lambda r: np.cross([0.2, 0.7, -0.4], r - [1.5, 1.0, 0.7]),  # a rotation about any point
    ],
    ids=["translation", "rotation"],
)
def test_a_rigid_motion_of_a_molecule_has_weight_one(velocity):
    structure = _two_molecules()
    units, bases, _ = _basis(structure)
    e = _rigid_eigenvector(structure, units[1], velocity)
    assert rigid_weights(e[:, None], Q, units, bases)[0] == pytest.approx(1.0, abs=1e-12)


def test_an_internal_motion_has_weight_zero_and_a_complete_basis_sums_to_the_rigid_count():
    structure = _two_molecules()
    units, bases, _ = _basis(structure)
    assert [b.shape[1] for b in bases] == [6, 6]
    rng = np.random.default_rng(3)
    e = rng.normal(size=18) + 1j * rng.normal(size=18)
    for unit, basis in zip(units, bases, strict=True):  # remove every rigid component at Q
        rows = (3 * np.asarray(unit.atoms)[:, None] + np.arange(3)).ravel()
        phase = np.repeat(np.exp(-2j * np.pi * unit.fractional @ Q), 3)[:, None]
        b = basis * phase
        e[rows] -= b @ (b.conj().T @ e[rows])
    assert rigid_weights(e[:, None], Q, units, bases)[0] == pytest.approx(0.0, abs=1e-12)
    unitary = np.linalg.qr(rng.normal(size=(18, 18)) + 1j * rng.normal(size=(18, 18)))[0]
    assert rigid_weights(unitary, Q, units, bases).sum() == pytest.approx(12.0)


def test_an_ionic_crystal_and_a_chain_have_no_molecules():
    rocksalt = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(6.5), ["Na", "S"], [[0.25] * 3, [0, 0, 0]]
    )
    assert rigid_units(rocksalt) is None
    chain = Structure(Lattice.orthorhombic(4.0, 6, 6), ["S", "S"], [[0, 0, 0], [0.5, 0.1, 0]])
    assert rigid_units(chain) is None  # S–S 2.0 Å bonds run through the cell: no molecule


def _dimer_crystal() -> Phonopy:
    """Two S2 molecules per cell, one across a face: stiff bonds (10 eV/Å²), soft springs
    between molecules (0.2 eV/Å², to 5.5 Å), central pair springs at rest length."""
    lattice = Lattice.from_parameters(5.5, 5.8, 6.0, 90, 95, 90)
    axis = np.array([0.6, 0.5, 0.62]) / np.linalg.norm([0.6, 0.5, 0.62])
    a, b = np.array([4.4, 0.4, 0.3]), np.array([2.2, 3.19, 3.0])  # S–S 2.0 Å, between ≥ 2.9 Å
    sites = [a, a + 2.0 * axis, b, b + 2.0 * axis * [-1, 1, 1]]
    cell = Structure(lattice, ["S"] * 4, sites, coords_are_cartesian=True, to_unit_cell=True)
    atoms = PhonopyAtoms(symbols=["S"] * 4, cell=lattice.matrix, scaled_positions=cell.frac_coords)
    ph = Phonopy(atoms, supercell_matrix=np.diag([3, 3, 3]), primitive_matrix=np.eye(3))
    supercell = ph.supercell
    big = Structure(supercell.cell, supercell.symbols, supercell.scaled_positions)
    n = len(big)
    fc = np.zeros((n, n, 3, 3))
    for i, j, image, d in zip(*big.get_neighbor_list(CUTOFF_A), strict=True):
        vector = big[j].coords + big.lattice.get_cartesian_coords(image) - big[i].coords
        spring = (10.0 if d < 2.3 else 0.2) * np.outer(vector, vector) / d**2
        fc[i, j] -= spring
        fc[i, i] += spring
    ph.force_constants = fc
    return ph


def test_in_a_dimer_crystal_the_soft_modes_are_rigid_and_the_bond_stretch_internal():
    ph = _dimer_crystal()
    structure = Structure(ph.primitive.cell, ph.primitive.symbols, ph.primitive.scaled_positions)
    units = rigid_units(structure)
    assert sorted(len(u.atoms) for u in units) == [2, 2]
    masses = np.asarray(ph.primitive.masses)
    bases = [rigid_basis(u, np.asarray(ph.primitive.cell), masses) for u in units]
    assert [b.shape[1] for b in bases] == [5, 5]  # linear molecules: five rigid motions
    ph.run_qpoints([[0.1, 0.2, -0.3]], with_eigenvectors=True)
    frequencies = ph.qpoints.frequencies[0]
    weights = rigid_weights(ph.qpoints.eigenvectors[0], [0.1, 0.2, -0.3], units, bases)
    assert frequencies[-1] > 2 * frequencies[-3]  # the two stretches stand apart
    assert weights[:10] == pytest.approx(np.ones(10), abs=2e-3)  # e^{+iq·r}: 0.98, 0.05
    assert weights[10:] == pytest.approx(np.zeros(2), abs=2e-3)


def test_the_bands_and_the_split_add_up_to_phonopys_entropy():
    ph = _dimer_crystal()
    ph.run_mesh([4, 4, 4], is_mesh_symmetry=True, is_gamma_center=True)
    ph.run_thermal_properties(temperatures=[298.15], exclude_gamma_acoustic=True)
    total = float(ph.thermal_properties.entropy[0]) / len(ph.primitive)
    breakdown = entropy_breakdown(ph, 298.15, False, True, edges_THz=(0.0, 1.0, 3.0))
    assert breakdown.entropy_J_per_mol_K_per_atom == pytest.approx(total, rel=1e-9)
    bands = breakdown.bands
    assert sum(b.entropy_J_per_mol_K_per_atom for b in bands) == pytest.approx(total, rel=1e-12)
    assert [b.upper_THz for b in bands] == [1.0, 3.0, None]
    assert breakdown.molecule_sizes == [2, 2] and breakdown.external_modes_per_atom == 2.5
    assert breakdown.external_J_per_mol_K_per_atom + breakdown.internal_J_per_mol_K_per_atom == (
        pytest.approx(total)
    )
    assert breakdown.internal_J_per_mol_K_per_atom < 0.1 * total  # the stiff stretch
    assert (ph.mesh.frequencies[1:] > 0).all()  # stable: only Γ's acoustic modes left out
    assert sum(b.modes_per_atom for b in bands) == pytest.approx(3 - 3 / 64 / 4)
    assert EntropyBreakdown.from_dict(_plain(breakdown)) == breakdown


def _plain(breakdown: EntropyBreakdown) -> dict:
    from dataclasses import asdict

    return asdict(breakdown)


def test_the_softening_factors_follow_from_the_excess():
    breakdown = EntropyBreakdown(
        temperature_K=298.15,
        entropy_J_per_mol_K_per_atom=52.0,
        bands=[],
        external_modes_per_atom=0.75,
    )
    excess = entropy_excess(breakdown, 32.0, 22.0)
    assert excess.excess_J_per_mol_K_per_atom == 20.0
    r = GAS_CONSTANT_J_PER_MOL_K
    assert -1.5 * r * math.log(excess.uniform_factor_classical) == pytest.approx(20.0)
    assert -11.0 * math.log(excess.uniform_factor) == pytest.approx(20.0)
    assert -0.375 * r * math.log(excess.external_factor_classical) == pytest.approx(20.0)


def test_the_report_says_none_rather_than_zero_internal_modes_below_the_low_band():
    """A molecular crystal whose internal modes all lie above 2 THz: 'none below 2 THz', not
    '0.00 from 0.00 internal modes'; one with some gives their count and entropy."""
    from nasx.analysis.report.entropy_breakdown_report import _molecules
    from nasx.analysis.thermo.entropy_breakdown import EntropyBand, EntropyBreakdown

    def breakdown(low_internal_modes: float) -> EntropyBreakdown:
        def band(lower, upper, entropy, modes, external, external_modes) -> EntropyBand:
            return EntropyBand(
                lower_THz=lower,
                upper_THz=upper,
                entropy_J_per_mol_K_per_atom=entropy,
                modes_per_atom=modes,
                external_J_per_mol_K_per_atom=external,
                external_modes_per_atom=external_modes,
            )

        low = band(0.0, 2.0, 10.0, 0.75 + low_internal_modes, 9.0, 0.75)
        high = band(2.0, None, 5.0, 2.25 - low_internal_modes, 0.0, 0.0)
        return EntropyBreakdown(
            temperature_K=298.15,
            entropy_J_per_mol_K_per_atom=15.0,
            bands=[low, high],
            molecule_sizes=[8, 8],
            external_J_per_mol_K_per_atom=9.0,
            internal_J_per_mol_K_per_atom=6.0,
            external_modes_per_atom=0.75,
        )

    assert _molecules(breakdown(0.0)).endswith(", none below 2 THz")
    assert "0.00 internal modes" not in _molecules(breakdown(0.0))
    assert _molecules(breakdown(0.5)).endswith(
        ", of which 1.00 from 0.50 internal modes per atom below 2 THz"
    )
