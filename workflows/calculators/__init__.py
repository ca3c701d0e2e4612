"""Calculators: one interface (`Calculator`), several implementations."""

from nasx.workflows.calculators.base import Calculator, ForcesResult, RelaxResult, RelaxSettings

__all__ = ["Calculator", "ForcesResult", "RelaxResult", "RelaxSettings", "get_calculator"]


def get_calculator(
    name: str,
    structures_dir: str | None = None,
    phase_set=None,
    vasp_cmd: str | None = None,
    auto_kspacing: bool = False,
    polling_seconds: float = 10.0,
) -> Calculator:
    """The calculator called ``name`` on the command line: ``chgnet`` (default), ``stub``, ``vasp``."""
    if name == "stub":
        from nasx.workflows.calculators.stub import StubCalculator

        return StubCalculator(structures_dir)
    if name == "chgnet":
        from nasx.workflows.calculators.chgnet_r2scan import CHGNetCalculator

        return CHGNetCalculator()
    if name == "vasp":
        from nasx.structures import reference_set
        from nasx.workflows.calculators.vasp import VaspCalculator

        return VaspCalculator.for_phases(
            phase_set or reference_set("Na-S"),
            vasp_cmd=vasp_cmd,
            auto_kspacing=auto_kspacing,
            polling_time_step=polling_seconds,
        )
    raise ValueError(f"unknown calculator {name!r}; choose chgnet, stub or vasp")
