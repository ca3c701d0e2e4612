"""Settings of a run: what is computed (fixed for a run directory) and how it is analysed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nasx.workflows import defaults
from nasx.workflows.calculators.base import RelaxSettings
from nasx.workflows.phonons import PhononSettings

DEFAULT_TEMPERATURES_K = defaults.TEMPERATURES_K


@dataclass(frozen=True)
class RunSettings:
    """``temperatures_K`` and ``bypass`` only change the analysis; the rest fixes the calculations.

    ``convergence_phases`` repeat their phonons in a supercell of at least
    ``convergence_length_A`` (default 1.5 × the main minimum length) to report how F_vib moves.
    """

    temperatures_K: tuple[float, ...] = DEFAULT_TEMPERATURES_K
    bypass: tuple[str, ...] | None = None
    relax: RelaxSettings = field(default_factory=RelaxSettings)
    phonons: PhononSettings = field(default_factory=PhononSettings)
    convergence_phases: tuple[str, ...] = ()
    convergence_length_A: float | None = None

    def for_calculator(self, calculator) -> RunSettings:
        """Settings adapted to the model: Γ acoustic modes are only zero for a translationally
        invariant one (not for the stub's springs to fixed sites)."""
        if self.phonons.exclude_gamma_acoustic is not None:
            return self
        phonons = replace(self.phonons, exclude_gamma_acoustic=calculator.translation_invariant)
        return replace(self, phonons=phonons)

    def convergence_settings(self) -> PhononSettings:
        length = self.convergence_length_A or 1.5 * self.phonons.min_length_A
        return PhononSettings.from_dict(
            {**self.phonons.as_dict(), "min_length_A": length, "supercells": {}}
        )

    def calculation_key(self) -> dict:
        """What a run directory's finished calculations depend on."""
        return {
            "relax_settings": self.relax.as_dict(),
            "phonon_settings": self.phonons.as_dict(),
            "convergence_phases": sorted(self.convergence_phases),
            "convergence_settings": self.convergence_settings().as_dict()
            if self.convergence_phases
            else None,
        }

    def analysis_options(self) -> dict:
        return {
            "temperatures_K": sorted({float(t) for t in self.temperatures_K} - {0.0}),
            "bypass": None if self.bypass is None else list(self.bypass),
        }
