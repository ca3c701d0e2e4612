"""The settings of a GPAW r2SCAN calculation (``--calculator gpaw``), as one typed record.

It lives in the core, without importing GPAW, so that a study's GPAW settings are checked
before any job (an `ArgumentError` naming the setting) and travel in the calculator object
that run.json and results.json record (and that the calculation key compares).

Defaults (plane waves, 600 eV; k-points at a line density of 20 Å, 40 Å for metals;
Marzari–Vanderbilt smearing of 0.2 eV; Pulay mixing) come from the convergence tests of
``benchmarks/gpaw_convergence.py``: docs/gpaw.md gives the tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from nasx import arguments
from nasx.arguments import ArgumentError, shown

R2SCAN = "MGGA_X_R2SCAN+MGGA_C_R2SCAN"
"""libxc's r2SCAN exchange and correlation, as GPAW names them."""
SMEARINGS = ("marzari-vanderbilt", "fermi-dirac")
MIXERS = ("pulay", "default")
"""GPAW 26.7's default SCF path stopped on an AssertionError on bcc Na with r2SCAN; Pulay
mixing converged it. "default" is GPAW's own choice, for whoever wants it back."""
LIMITS = {
    "ecut_eV": (50.0, 3000.0),
    "kpoint_length_A": (0.1, 200.0),
    "metal_kpoint_length_A": (0.1, 200.0),
    "smearing_width_eV": (1e-4, 2.0),
    "scf_energy_eV_per_electron": (1e-10, 1.0),
    "scf_density_per_electron": (1e-10, 1.0),
    "scf_forces_eV_per_A": (1e-8, 1.0),
}
"""The range (inclusive) of each number setting."""
MAX_SCF_ITERATIONS = 10000


@dataclass(frozen=True)
class GpawSettings:
    """How GPAW computes an energy, forces and stress.

    ``ecut_eV``: plane-wave cutoff. ``kpoint_length_A``: a Γ-centred grid with
    k_i = ⌈L / h_i⌉ points along reciprocal vector i, h_i the distance between the lattice
    planes i (for orthogonal cells the lattice length: the VASP path's "k_i · a_i ≥ L");
    ``metal_kpoint_length_A`` replaces it for cells made only of metallic elements (bcc Na
    needs twice the line density of Na2S for the same accuracy).
    ``smearing``/``smearing_width_eV``: occupations (one for metals and insulators alike; the
    compounds' gaps are much wider). ``xc``: libxc's names. ``setups``: GPAW's PAW data set
    name ("paw": the standard PBE setups of the pinned gpaw-data package). The SCF stops when
    the energy changed by less than ``scf_energy_eV_per_electron`` (× valence electrons) over
    the last three iterations, the density by less than ``scf_density_per_electron`` and the
    forces by less than ``scf_forces_eV_per_A``; after ``scf_max_iterations`` it has failed,
    and no energy is recorded. ``symmorphic_only``: GPAW's default use of symmetry (only
    operations without fractional translations).
    """

    ecut_eV: float = 600.0
    kpoint_length_A: float = 20.0
    metal_kpoint_length_A: float = 40.0
    smearing: str = SMEARINGS[0]
    smearing_width_eV: float = 0.2
    xc: str = R2SCAN
    setups: str = "paw"
    mixer: str = MIXERS[0]
    scf_energy_eV_per_electron: float = 1e-5
    scf_density_per_electron: float = 1e-5
    scf_forces_eV_per_A: float = 1e-4
    scf_max_iterations: int = 200
    symmorphic_only: bool = True

    def to_document(self) -> dict:
        return asdict(self)

    @classmethod
    def from_document(cls, d: Mapping[str, object]) -> GpawSettings:
        return cls(**dict(d))  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, argument: str, given: Mapping[str, object]) -> GpawSettings:
        """Settings from user values (the defaults for those not given), each checked: an
        `ArgumentError` naming ``argument`` and the setting otherwise."""
        return arguments.settings(argument, given, cls, "GPAW", _checked)  # type: ignore[return-value]

    def kpoint_grid(self, lattice_matrix: np.ndarray, metal: bool = False) -> tuple[int, int, int]:
        """The Γ-centred grid of a cell (rows of ``lattice_matrix``, Å); ``metal``: a cell of
        metallic elements only."""
        length = self.metal_kpoint_length_A if metal else self.kpoint_length_A
        lattice = np.asarray(lattice_matrix, dtype=float)
        volume = abs(np.linalg.det(lattice))
        heights = [
            volume / np.linalg.norm(np.cross(lattice[(i + 1) % 3], lattice[(i + 2) % 3]))
            for i in range(3)
        ]
        return tuple(max(1, math.ceil(length / h - 1e-9)) for h in heights)  # type: ignore[return-value]

    def gpaw_parameters(self, lattice_matrix: np.ndarray, metal: bool = False) -> dict:
        """Keyword arguments of ``gpaw.GPAW`` for a cell (without ``txt``)."""
        parameters: dict = {
            "mode": {"name": "pw", "ecut": self.ecut_eV},
            "xc": self.xc,
            "setups": self.setups,
            "kpts": {"size": self.kpoint_grid(lattice_matrix, metal), "gamma": True},
            "occupations": {"name": self.smearing, "width": self.smearing_width_eV},
            "convergence": {
                "energy": self.scf_energy_eV_per_electron,
                "density": self.scf_density_per_electron,
                "forces": self.scf_forces_eV_per_A,
            },
            "maxiter": self.scf_max_iterations,
            "symmetry": {"symmorphic": self.symmorphic_only},
        }
        if self.mixer != "default":
            parameters["mixer"] = {"name": self.mixer}
        return parameters

    def describe(self) -> str:
        """The settings in one line, for reports."""
        return (
            f"PW {self.ecut_eV:g} eV, k-points {self.kpoint_length_A:g} Å "
            f"({self.metal_kpoint_length_A:g} Å for metals), "
            f"{self.smearing} {self.smearing_width_eV:g} eV"
        )


def is_metal(symbols: Iterable[str]) -> bool:
    """Whether a cell of these elements is a metal for the k-points: all metallic elements."""
    from pymatgen.core import Element

    return all(Element(str(s)).is_metal for s in symbols)


def _checked(argument: str, key: str, value: object) -> object:
    """One setting's value, checked (text from the command line converted)."""
    where = f"{key}: "
    try:
        if key in LIMITS:
            return arguments.within(argument, value, *LIMITS[key])
        if key == "scf_max_iterations":
            return arguments.count_at_most(argument, value, MAX_SCF_ITERATIONS)
        if key == "symmorphic_only":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if not isinstance(value, bool):
                raise ArgumentError(argument, f"{value!r} is not True or False")
            return value
        if not isinstance(value, str) or not value:
            raise ArgumentError(argument, f"{value!r} is not a name")
        choices = {"smearing": SMEARINGS, "mixer": MIXERS}.get(key)
        if choices is not None and value not in choices:
            raise ArgumentError(
                argument, f"'{shown(value)}' is not one of {', '.join(map(repr, choices))}"
            )
        return value
    except ArgumentError as exc:
        raise ArgumentError(argument, where + exc.problem) from None
