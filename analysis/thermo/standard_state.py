"""A phase's harmonic values at the standard temperature, 298.15 K, and its Γ modes: what is
compared with calorimetry and spectroscopy (``thermo.experiment``).

Evaluated on the q-mesh of the phase's thermal properties, with the same imaginary-mode
policy, besides (never instead of) the analysis temperatures. In the harmonic approximation
Cp = Cv (no thermal expansion), which is what is compared with a measured Cp.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

from phonopy import Phonopy

from nasx.analysis.thermo.entropy_breakdown import EntropyBreakdown, entropy_breakdown
from nasx.analysis.thermo.gamma_modes import GammaMode, GammaModes, gamma_modes
from nasx.settings import PhononSettings
from nasx.units import j_per_k_mol_to_ev_per_k, kj_per_mol_to_ev

STANDARD_TEMPERATURE_K = 298.15


@dataclass(frozen=True)
class StandardState:
    """Harmonic S, Cv (= Cp here) and H_vib = F + T·S (zero-point energy included) per atom at
    ``temperature_K``, the Γ modes (None where phonopy could not classify them: ``note``) and
    where S sits (``entropy_breakdown``)."""

    temperature_K: float
    entropy_J_per_mol_K_per_atom: float
    heat_capacity_J_per_mol_K_per_atom: float
    enthalpy_eV_per_atom: float
    gamma: GammaModes | None
    note: str = ""
    breakdown: EntropyBreakdown | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> StandardState:
        gamma = d.get("gamma")
        if gamma is not None:
            modes = [GammaMode(**m) for m in gamma["modes"]]
            gamma = GammaModes(gamma["point_group"], modes, gamma.get("note", ""))
        breakdown = d.get("breakdown")
        if breakdown is not None:
            breakdown = EntropyBreakdown.from_dict(breakdown)
        return cls(**{**d, "gamma": gamma, "breakdown": breakdown})


def standard_state(ph: Phonopy, settings: PhononSettings) -> StandardState:
    """The values of ``ph`` (force constants and mesh as its thermal properties left them) at
    298.15 K, S by frequency band (and rigid-molecule motion); its Γ modes with irreps and
    Raman/IR activity."""
    if ph.mesh is None:
        ph.run_mesh(settings.mesh_length_A, is_mesh_symmetry=True)
    pretend_real = settings.imaginary_policy == "pretend_real"
    with warnings.catch_warnings():  # the analysis temperatures' run already noted them
        warnings.simplefilter("ignore")
        ph.run_thermal_properties(
            temperatures=[STANDARD_TEMPERATURE_K],
            pretend_real=pretend_real,
            exclude_gamma_acoustic=settings.exclude_gamma_acoustic,
        )
    tp = ph.thermal_properties
    n_atoms = len(ph.primitive)
    t = STANDARD_TEMPERATURE_K
    entropy = float(tp.entropy[0]) / n_atoms
    enthalpy = kj_per_mol_to_ev(float(tp.free_energy[0])) / n_atoms + t * j_per_k_mol_to_ev_per_k(
        entropy
    )
    breakdown = entropy_breakdown(
        ph, STANDARD_TEMPERATURE_K, pretend_real, bool(settings.exclude_gamma_acoustic)
    )
    gamma, note = None, ""
    try:
        gamma = gamma_modes(ph)
    except Exception as exc:  # phonopy refuses some cells (a non-primitive one, no table)
        note = f"Γ modes not classified: phonopy: {type(exc).__name__}: {exc}"
    return StandardState(
        temperature_K=t,
        entropy_J_per_mol_K_per_atom=entropy,
        heat_capacity_J_per_mol_K_per_atom=float(tp.heat_capacity[0]) / n_atoms,
        enthalpy_eV_per_atom=enthalpy,
        gamma=gamma,
        note=note,
        breakdown=breakdown,
    )
