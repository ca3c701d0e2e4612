"""Double-well test models: analytic calculators with a known instability (tests only).

Each atom sits in an on-site well around its reference site, soft along z only, and the z
displacements of nearest neighbours (one shell, a bipartite set of bonds) are coupled, and
optionally those of a second, stiff shell (J' > 0)::

    E = N e0 + Σ_i [½ k_⊥ (x_i² + y_i²) + ½ k z_i² + c z_i⁴] + ½ J Σ_<ij> (z_i − z_j)²
        + ½ J' Σ_<ij>' (z_i − z_j)² + ½ B V0 Σ_ab ε_ab²

with u_i = (x_i, y_i, z_i) the displacement from the (strained) reference site, k > 0, c > 0,
J < 0 and ε the strain against the reference cell. The cell is tetragonal (c axis along z), so
the model has the full P4/mmm symmetry of the structure and phonopy's symmetry-reduced
displacements give its exact force constants.

Harmonic spectrum: x and y are flat, m ω² = k_⊥; along z, with z_n neighbours per atom and
γ(q) = Σ_d e^{2πi q·d} over the bond vectors d, the force-constant eigenvalues are
k + J (z_n ∓ |γ(q)|) (two atoms) or k + J (z_n − γ(q)) (one atom). With J < 0 the lowest,
k + 2 z_n J, is reached only where the neighbours move against each other: the pattern
z_i = σ_i s, σ = ±1 alternating over the bipartite bonds.

Minimum (closed form): for that pattern E/N = e0 + ½ κ s² + c s⁴ with κ = k + 2 z_n J < 0, so

    s² = −κ / (4c),   energy gain per atom = κ² / (16 c),

and it is the global minimum: (z_i − z_j)² ≤ 2 (w_i² + w_j²) with z_i = σ_i w_i bounds the
(negative) coupling by 2 z_n J w_i² per atom, so E/N ≥ e0 + min_w (½ κ w² + c w⁴); the
stiff shell adds a term ≥ 0 that vanishes on the pattern (its bonds join atoms moving in phase),
so it only lifts the other patterns. At the minimum every force vanishes, so the stress is B ε
and the cell stays the reference cell.

- ``GAMMA_MODEL``: CsCl-type NaS, P4/mmm (Na at 0, S at ½ ½ ½, a = 3.0 Å, c = 3.2 Å); the eight
  Na–S bonds (z_n = 8); the unstable mode is the Γ optical mode, Na and S moving against each
  other along z: a polar distortion within the same cell, P4/mmm → P4mm (No. 99).
- ``M_MODEL``: one-atom simple tetragonal S, P4/mmm (a = 2.8 Å, c = 3.6 Å); the four in-plane
  bonds (z_n = 4); Γ is stable (m ω² = k), the instability is at M = (½, ½, 0) (κ = k + 8J),
  the checkerboard up/down buckling in a doubled (√2 × √2, here 2 × 2 × 1) cell: P4/nmm (129).
  A stiff shell along c (J' = 0.05 eV/Å², the two neighbours at ±c) makes M the only minimum:
  without it the spectrum is flat along c and A = (½, ½, ½) (I4/mmm, same energy) ties with M.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from ase.calculators.calculator import all_changes
from phonopy.physical_units import get_physical_units
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor

from nasx.workflows.calculators.ase_backend import AseBackedCalculator

ELASTIC_EV_PER_A3 = 0.3


@dataclass(frozen=True)
class DoubleWell:
    """One double-well model: its reference structure and parameters (eV, Å)."""

    structure: Structure
    bond_length_A: float
    k_eV_per_A2: float = 1.0
    k_perp_eV_per_A2: float = 2.0
    c_eV_per_A4: float = 3.75
    """Γ model: κ = 1 − 1.6 = −0.6 eV/Å², s = 0.2 Å, 6 meV/atom; M model (c = 2.5, J = −0.2):
    κ = −0.6 eV/Å², s = 0.245 Å, 9 meV/atom."""
    j_eV_per_A2: float = -0.1
    e0_eV_per_atom: float = -3.0
    stiff_bond_length_A: float | None = None
    j_stiff_eV_per_A2: float = 0.0
    neighbours: int = field(init=False)

    def __post_init__(self) -> None:
        n_soft = int(np.count_nonzero(self._bonds()[3] == self.j_eV_per_A2))
        object.__setattr__(self, "neighbours", n_soft // len(self.structure))

    @property
    def kappa_eV_per_A2(self) -> float:
        """Curvature of the unstable pattern, k + 2 z_n J (negative)."""
        return self.k_eV_per_A2 + 2 * self.neighbours * self.j_eV_per_A2

    @property
    def amplitude_A(self) -> float:
        """|z_i| at the minimum."""
        return float(np.sqrt(-self.kappa_eV_per_A2 / (4 * self.c_eV_per_A4)))

    @property
    def energy_gain_meV_per_atom(self) -> float:
        return 1000 * self.kappa_eV_per_A2**2 / (16 * self.c_eV_per_A4)

    def _bonds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Directed bonds of the reference cell: (i, j, lattice image of j, coupling J)."""
        shells = [(self.bond_length_A, self.j_eV_per_A2)]
        if self.stiff_bond_length_A is not None:
            shells.append((self.stiff_bond_length_A, self.j_stiff_eV_per_A2))
        cutoff = max(length for length, _ in shells) + 0.01
        i, j, images, distances = self.structure.get_neighbor_list(cutoff)
        coupling = np.full(len(i), np.nan)
        for length, value in shells:
            coupling[np.abs(distances - length) < 0.01] = value
        keep = ~np.isnan(coupling)
        return i[keep], j[keep], images[keep].astype(int), coupling[keep]


def _gamma_structure() -> Structure:
    return Structure(Lattice.tetragonal(3.0, 3.2), ["Na", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]])


GAMMA_MODEL = DoubleWell(_gamma_structure(), bond_length_A=float(np.sqrt(2 * 1.5**2 + 1.6**2)))
M_MODEL = DoubleWell(
    Structure(Lattice.tetragonal(2.8, 3.6), ["S"], [[0, 0, 0]]),
    bond_length_A=2.8,
    c_eV_per_A4=2.5,
    j_eV_per_A2=-0.2,
    e0_eV_per_atom=-4.1,
    stiff_bond_length_A=3.6,
    j_stiff_eV_per_A2=0.05,
)


def frequency_THz(eigenvalue_eV_per_A2_amu: float) -> float:
    """Phonopy's signed frequency of a force-constant/mass eigenvalue."""
    factor = get_physical_units().DefaultToTHz
    return float(
        np.sign(eigenvalue_eV_per_A2_amu) * np.sqrt(abs(eigenvalue_eV_per_A2_amu)) * factor
    )


class DoubleWellModel(AseCalculator):
    """The ASE calculator of a ``DoubleWell`` on any integer supercell of its reference cell."""

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, model: DoubleWell) -> None:
        super().__init__()
        self.model = model
        self._layouts: dict[tuple, tuple] = {}

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        m = self.model
        cell = np.array(self.atoms.cell)
        reference = np.array(m.structure.lattice.matrix)
        matrix = np.rint(cell @ np.linalg.inv(reference)).astype(int)
        sites, species, pairs, coupling = self._layout(matrix)
        frac = self.atoms.get_scaled_positions(wrap=True)
        symbols = self.atoms.get_chemical_symbols()
        site_of = np.empty(len(symbols), dtype=int)
        u = np.zeros((len(symbols), 3))
        for i, (position, symbol) in enumerate(zip(frac, symbols, strict=True)):
            delta = position - sites
            delta -= np.rint(delta)
            distance = np.linalg.norm(delta @ cell, axis=1)
            distance[species != symbol] = np.inf
            site_of[i] = int(np.argmin(distance))
            u[i] = delta[site_of[i]] @ cell
        atom_at = np.empty(len(sites), dtype=int)
        atom_at[site_of] = np.arange(len(symbols))
        a, b = atom_at[pairs[:, 0]], atom_at[pairs[:, 1]]
        z = u[:, 2]
        forces = np.zeros_like(u)
        forces[:, :2] = -m.k_perp_eV_per_A2 * u[:, :2]
        forces[:, 2] = -m.k_eV_per_A2 * z - 4 * m.c_eV_per_A4 * z**3
        np.add.at(forces[:, 2], a, -coupling * (z[a] - z[b]))
        reference_cell = matrix @ reference
        deformation = np.linalg.solve(reference_cell, cell).T
        strain = 0.5 * (deformation + deformation.T) - np.eye(3)
        v0 = abs(np.linalg.det(reference_cell))
        energy = (
            len(symbols) * m.e0_eV_per_atom
            + 0.5 * m.k_perp_eV_per_A2 * np.sum(u[:, :2] ** 2)
            + np.sum(0.5 * m.k_eV_per_A2 * z**2 + m.c_eV_per_A4 * z**4)
            + 0.25 * np.sum(coupling * (z[a] - z[b]) ** 2)  # each bond listed both ways
            + 0.5 * ELASTIC_EV_PER_A3 * v0 * np.sum(strain**2)
        )
        # ∂E/∂η for cell → cell·(1 + η), atoms following: the elastic term (ε changes by
        # sym(η D)) and the displacements (u → u·(1 + η))
        derivative = ELASTIC_EV_PER_A3 * v0 * strain @ deformation.T - forces.T @ u
        stress = 0.5 * (derivative + derivative.T) / abs(np.linalg.det(cell))
        self.results = {
            "energy": float(energy),
            "free_energy": float(energy),
            "forces": forces,
            "stress": stress.flatten()[[0, 4, 8, 5, 2, 1]],
        }

    def _layout(self, matrix: np.ndarray) -> tuple[np.ndarray, ...]:
        """Reference sites of the supercell ``matrix`` (fractional), their species, its
        directed bonds as pairs of site indices, and each bond's coupling."""
        key = tuple(matrix.ravel())
        if key not in self._layouts:
            m = self.model
            unit = np.array(m.structure.frac_coords)
            inverse = np.linalg.inv(matrix)
            span = np.abs(matrix).sum(axis=0).max()
            cells = np.array(np.meshgrid(*[np.arange(-span, span + 1)] * 3)).reshape(3, -1).T
            sites, species, origin = [], [], []
            seen: dict[tuple, int] = {}
            for n in cells:
                for index, s in enumerate(unit):
                    f = (s + n) @ inverse
                    f -= np.floor(f + 1e-9)
                    key_f = tuple(np.round(f, 6) % 1.0)
                    if key_f not in seen:
                        seen[key_f] = len(sites)
                        sites.append(f)
                        species.append(str(m.structure[index].specie))
                        origin.append((index, n))
            i, j, images, coupling = m._bonds()
            pairs, couplings = [], []
            for site, (index, n) in enumerate(origin):
                mine = i == index
                for b, image, value in zip(j[mine], images[mine], coupling[mine], strict=True):
                    f = (unit[b] + n + image) @ inverse
                    f -= np.floor(f + 1e-9)
                    pairs.append((site, seen[tuple(np.round(f, 6) % 1.0)]))
                    couplings.append(value)
            self._layouts[key] = (
                np.array(sites),
                np.array(species),
                np.array(pairs),
                np.array(couplings),
            )
        return self._layouts[key]


class DoubleWellCalculator(AseBackedCalculator):
    """A nasx calculator of one ``DoubleWell`` (for tests that call it directly)."""

    name = "double-well"
    translation_invariant = False

    def __init__(self, model: DoubleWell = GAMMA_MODEL) -> None:
        self.model = model

    def ase_calculator(self) -> DoubleWellModel:
        return DoubleWellModel(self.model)

    def as_dict(self) -> dict:
        return {"@module": type(self).__module__, "@class": type(self).__name__}


def phonopy_of(model: DoubleWell, min_length_A: float = 8.0):
    """Phonopy with the model's force constants (its forces evaluated directly, no run) and
    its thermal properties at 300 K (imaginary modes located)."""
    from nasx import phonons
    from nasx.settings import PhononSettings

    settings = PhononSettings(min_length_A=min_length_A)
    unit = model.structure
    ph = phonons.displacements(unit, settings.supercell_for("model", unit.lattice.matrix), settings)
    forces = []
    for supercell in phonons.displaced_supercells(ph):
        atoms = AseAtomsAdaptor.get_atoms(supercell)
        atoms.calc = DoubleWellModel(model)
        forces.append(atoms.get_forces())
    return ph, phonons.thermal_properties(ph, forces, [300.0], settings)


class StubWithDoubleWell(AseCalculator):
    """The stub's springs, except for structures of ``model``'s elements: its double well (a
    stub run with one double-well phase, for tests of the workflow)."""

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, stub: AseCalculator, model: DoubleWell) -> None:
        super().__init__()
        self.stub, self.double_well = stub, DoubleWellModel(model)
        self.elements = {str(s) for s in model.structure.composition.elements}

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        inner = self.double_well if set(self.atoms.symbols) == self.elements else self.stub
        inner.calculate(self.atoms, properties, system_changes)
        self.results = dict(inner.results)
