"""The unit contract of nasx: eV, eV/atom, Å, K, V, mAh/g. Conversions live here only."""

from __future__ import annotations

FARADAY_C_PER_MOL = 96485.33212
"""Faraday constant (CODATA 2018), C/mol."""

COULOMB_PER_MAH = 3.6
"""1 mAh = 3.6 C."""

EV_PER_KJ_PER_MOL = 1.0 / 96.485332123
"""1 kJ/mol = 0.0103642688 eV (per particle)."""

MEV_PER_EV = 1000.0

GPA_PER_EV_PER_A3 = 160.21766208
"""1 eV/Å³ = 160.21766208 GPa (a bulk modulus or pressure)."""

K_B_EV_PER_K = 8.617333262e-5
"""Boltzmann constant (CODATA 2018), eV/K."""


def kj_per_mol_to_ev(value_kj_per_mol: float) -> float:
    """Energy per mole of particles (kJ/mol) → energy per particle (eV)."""
    return value_kj_per_mol * EV_PER_KJ_PER_MOL


def j_per_k_mol_to_ev_per_k(value_j_per_k_mol: float) -> float:
    """Entropy or heat capacity per mole (J/K/mol) → per particle (eV/K)."""
    return value_j_per_k_mol * 1e-3 * EV_PER_KJ_PER_MOL


def ev_per_a3_to_gpa(value_ev_per_a3: float) -> float:
    """Bulk modulus or pressure: eV/Å³ → GPa."""
    return value_ev_per_a3 * GPA_PER_EV_PER_A3


def capacity_mah_per_g(ions_per_host_atom: float, host_molar_mass_g_per_mol: float) -> float:
    """Gravimetric capacity (mAh per g of host) for a given number of one-electron ions per host atom."""
    return ions_per_host_atom * FARADAY_C_PER_MOL / COULOMB_PER_MAH / host_molar_mass_g_per_mol


def temperature_key(temperature_K: float) -> str:
    """The string key of a temperature in results files: 300.0 → "300", 298.15 → "298.15"."""
    return f"{float(temperature_K):g}"
