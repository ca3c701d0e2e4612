"""An analytic calculator for tests: Einstein springs to reference sites plus an elastic cell term.

Energy of a structure that is a (possibly strained, possibly displaced) supercell of a reference
phase::

    E = N·e0 + ½ k(V) Σ_i |r_i − r_i^ref|² + ½ c V0 Σ_ab ε_ab²,   k(V) = k0 (V/V0)^(−2γ)

with ``e0`` the reference energy per atom, ``k0`` the phase's spring constant (eV/Å²) at the
reference volume ``V0`` of the cell, ``V`` the cell's volume, ``γ`` = ``GRUNEISEN``, ``ε`` the
strain of the cell against the reference cell (symmetric part of the deformation, minus I) and
``c`` an elastic modulus. Forces and stress are the exact derivatives of this energy (stress in
ASE's convention, (1/V) ∂E/∂ε for a strain of the current cell). So:

- at a reference structure the energy is exact (for Na–S: the paper's 0 K formation energies);
- a relaxation returns to the reference geometry; one at fixed volume V, to the reference cell
  scaled isotropically, with E(V)/N = e0 + (3/2) c v0 s², s = (V/V0)^(1/3) − 1, v0 = V0/N
  (bulk modulus c/3 = 16 GPa at V0);
- force constants are Φ_ii = k(V)·I and zero between atoms: every atom i has three modes at
  ω_i = √(k(V)/m_i) at every q, so the harmonic free energy has a closed form, and the
  frequencies scale as (V/V0)^(−γ): one mode Grüneisen parameter γ, a quasi-harmonic test case
  whose equilibrium volume at T is a one-dimensional minimisation of E(V) + F_Einstein(V, T);
- at the reference volume energies and forces are as before the volume dependence (k(V0) =
  k0); the stress of a displaced cell there gains −γ k Σ|u|² I / V, the strain derivative of
  k(V), and the elastic stress is c V0 sym(ε Dᵀ), exact rather than its small-strain form;
- ``k`` differs between phases, so temperature moves the hull and the voltages.

Not a model of any material; never a default outside tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, cached_property

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from ase.calculators.calculator import all_changes
from pymatgen.core import Structure

from nasx.analysis.thermo.paper import NA_S
from nasx.structures import PhaseSet, load_directory, reference_set
from nasx.symmetry import INPUT_SYMPREC_A, symmetrized_primitive
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.base import CalculatorOptions

ELEMENTAL_EV_PER_ATOM = {"Na": -1.3, "S": -4.1}
"""Stub chemical potentials for Na–S (arbitrary; no result depends on them)."""

NA_S_SPRING_EV_PER_A2 = {"S": 4.0, "Na": 0.8, "Na2S": 2.0, "Na2S2": 2.2, "Na2S4": 2.5, "Na2S5": 2.7}
"""Chosen so that all four Na2Sx stay on the hull at 300 and 400 K while every voltage moves."""

POLYMORPH_OFFSET_EV_PER_ATOM = {"Na_P6_3mmc": 0.001, "Na2S2_P-62m": 0.005}
ELASTIC_EV_PER_A3 = 0.3
DEFAULT_SPRING_EV_PER_A2 = 2.0
GRUNEISEN = 1.0
"""γ of every mode: k(V) = k0 (V/V0)^(−2γ), ω ∝ (V/V0)^(−γ). With c = 0.3 eV/Å³ the QHA
volume of the Na–S phases is 1.005–1.013 V0 at 0 K (zero-point expansion), 1.021–1.036 V0 at
300 K and 1.028–1.047 V0 at 400 K (Na least, Na2S2 most): a real solid's order. Volumes
0.96–1.08 V0 hold every minimum to 400 K."""


def spring_at_volume(spring_eV_per_A2: float, volume_ratio: float) -> float:
    """k(V) = k0 (V/V0)^(−2γ) for ``volume_ratio`` V/V0 (1: exactly k0)."""
    return spring_eV_per_A2 * volume_ratio ** (-2.0 * GRUNEISEN)


@dataclass(frozen=True)
class Reference:
    """A reference phase of the stub: input structure, energy per atom, spring constant.

    ``structure``, the symmetrised primitive cell (as every workflow input), is made on first
    use: a structure is only compared with the references of its own composition, and a fake
    VASP process, which evaluates one structure, then symmetrises one phase instead of all.
    """

    phase_id: str
    input_structure: Structure
    energy_per_atom_eV: float
    spring_eV_per_A2: float

    @cached_property
    def structure(self) -> Structure:
        return symmetrized_primitive(self.input_structure, INPUT_SYMPREC_A)


def references_for(phase_set: PhaseSet) -> list[Reference]:
    """Stub references: the paper's formation energies for Na–S; for any other A–X system a
    convex E_f(x) = −2 x (1 − x) eV/atom, so every phase of a user set is on the hull."""
    system = phase_set.system
    is_na_s = system == NA_S.system
    refs = []
    for phase in phase_set:
        x = system.ion_fraction(phase.structure.composition)
        if is_na_s:
            ef = NA_S.formation_energy_eV_per_atom[phase.formula]
            mu = ELEMENTAL_EV_PER_ATOM
            spring = NA_S_SPRING_EV_PER_A2[phase.formula]
        else:
            ef = -2.0 * x * (1 - x)
            mu = {system.working_ion: -1.0, system.anion: -3.0}
            spring = DEFAULT_SPRING_EV_PER_A2 * (1 + 0.3 * x)
        e0 = ef + x * mu[system.working_ion] + (1 - x) * mu[system.anion]
        e0 += POLYMORPH_OFFSET_EV_PER_ATOM.get(phase.id, 0.0) if is_na_s else 0.0
        refs.append(Reference(phase.id, phase.structure, e0, spring))
    return refs


class HarmonicReferenceModel(AseCalculator):
    """The ASE side of the stub. Recognises which reference (and supercell of it) it is given."""

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, references: list[Reference]) -> None:
        super().__init__()
        self.references = references
        self._supercells: dict[tuple, tuple[np.ndarray, list[str]]] = {}

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        cell = np.array(self.atoms.cell)
        symbols = self.atoms.get_chemical_symbols()
        ref, matrix = self._match(cell, symbols)
        frac_ideal, ideal_symbols = self._ideal_sites(ref, matrix)
        # displacement of every atom from its nearest ideal site of the same species (minimum image)
        frac = self.atoms.get_scaled_positions(wrap=True)
        displacement = np.zeros((len(symbols), 3))
        for species in set(symbols):
            mine = [i for i, s in enumerate(symbols) if s == species]
            sites = frac_ideal[[j for j, s in enumerate(ideal_symbols) if s == species]]
            delta = frac[mine][:, None, :] - sites[None, :, :]
            delta -= np.rint(delta)
            cart = delta @ cell
            nearest = np.argmin(np.linalg.norm(cart, axis=2), axis=1)
            displacement[mine] = cart[np.arange(len(mine)), nearest]
        reference_cell = matrix @ np.array(ref.structure.lattice.matrix)
        deformation = np.linalg.solve(reference_cell, cell).T  # cell rows = reference rows · Dᵀ
        strain = 0.5 * (deformation + deformation.T) - np.eye(3)
        v0 = abs(np.linalg.det(reference_cell))
        volume = abs(np.linalg.det(cell))
        k = spring_at_volume(ref.spring_eV_per_A2, volume / v0)
        squared = np.sum(displacement**2)
        energy = (
            len(symbols) * ref.energy_per_atom_eV
            + 0.5 * k * squared
            + 0.5 * ELASTIC_EV_PER_A3 * v0 * np.sum(strain**2)
        )
        # ∂/∂η of a strain η of the current cell (D → (I + η) D, u → (I + η) u, ln V → + tr η)
        elastic = ELASTIC_EV_PER_A3 * v0 * strain @ deformation.T
        stress = (
            0.5 * (elastic + elastic.T)
            + k * displacement.T @ displacement
            - GRUNEISEN * k * squared * np.eye(3)
        ) / volume
        self.results = {
            "energy": energy,
            "free_energy": energy,
            "forces": -k * displacement,
            "stress": stress.flatten()[[0, 4, 8, 5, 2, 1]],
        }

    def _match(self, cell: np.ndarray, symbols: list[str]) -> tuple[Reference, np.ndarray]:
        counts = {s: symbols.count(s) for s in set(symbols)}
        best = None
        for ref in self.references:
            ref_counts = ref.input_structure.composition.as_dict()  # as the primitive cell, scaled
            ratios = {
                s: counts.get(s, 0) / ref_counts.get(s, 0) if ref_counts.get(s) else None
                for s in counts
            }
            if set(counts) != set(ref_counts) or len(set(ratios.values())) != 1:
                continue
            n_cells = len(symbols) / len(ref.structure)
            # the supercell matrix of the cell brought back to the reference's volume, so that
            # a strained cell (a QHA volume, large supercells) still matches
            scale = (abs(np.linalg.det(cell)) / (n_cells * ref.structure.volume)) ** (1 / 3)
            matrix = (cell / scale) @ np.linalg.inv(ref.structure.lattice.matrix)
            misfit = np.abs(matrix - np.rint(matrix)).max()
            if best is None or misfit < best[0]:
                best = (misfit, ref, np.rint(matrix))
        if best is None or best[0] > 0.1:
            formula = "".join(f"{s}{n}" for s, n in sorted(counts.items()))
            raise ValueError(
                f"stub calculator: {formula} with this cell is no supercell of a reference phase"
            )
        return best[1], best[2]

    def _ideal_sites(self, ref: Reference, matrix: np.ndarray) -> tuple[np.ndarray, list[str]]:
        key = (ref.phase_id, tuple(matrix.astype(int).ravel()))
        if key not in self._supercells:
            supercell = ref.structure.copy()
            supercell.make_supercell(matrix.astype(int))
            self._supercells[key] = (
                supercell.frac_coords % 1.0,
                [str(s) for s in supercell.species],
            )
        return self._supercells[key]


@cache
def _references(structures_dir: str | None, spring_factor: float = 1.0) -> list[Reference]:
    phase_set = load_directory(structures_dir) if structures_dir else reference_set("Na-S")
    return [
        r
        if r.input_structure.composition.is_element
        else replace(r, spring_eV_per_A2=r.spring_eV_per_A2 * spring_factor)
        for r in references_for(phase_set)
    ]


class StubCalculator(AseBackedCalculator):
    """Analytic test calculator over a phase set (``structures_dir`` None: the built-in Na–S set)."""

    name = "stub"
    translation_invariant = False  # springs to fixed sites: no zero-frequency modes at Γ

    def __init__(self, structures_dir: str | None = None) -> None:
        self.structures_dir = structures_dir

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> StubCalculator:
        return cls(options.structures_dir)

    spring_factor = 1.0
    """The compounds' spring constants times this (the stiff test model of a committee: 1.5).
    Elements keep theirs: scaling every spring alike would shift every F_vib by nearly the same
    3kT ln √factor per atom (the classical limit), which cancels in formation energies."""

    @property
    def references(self) -> list[Reference]:
        return _references(self.structures_dir, self.spring_factor)

    def ase_calculator(self) -> HarmonicReferenceModel:
        return HarmonicReferenceModel(self.references)

    def describe(self) -> str:
        return "analytic stub (Einstein springs to reference sites; reproduces the paper's 0 K formation energies)"

    def as_dict(self) -> dict:
        return {
            "@module": type(self).__module__,
            "@class": type(self).__name__,
            "structures_dir": self.structures_dir,
        }


class StiffStubCalculator(StubCalculator):
    """The stub with the compounds' springs 1.5 × as stiff: the same 0 K energies, other F_vib.
    A second test model, so that a committee's spread is known in closed form."""

    name = "stub-stiff"
    spring_factor = 1.5

    def describe(self) -> str:
        return "analytic stub, compound springs × 1.5 (Einstein springs to reference sites; reproduces the paper's 0 K formation energies)"


__all__ = [
    "GRUNEISEN",
    "HarmonicReferenceModel",
    "Reference",
    "StiffStubCalculator",
    "StubCalculator",
    "references_for",
    "spring_at_volume",
]
