"""Calculators: one interface (`Calculator`), several implementations."""

from nasx.workflows.calculators.base import Calculator, ForcesResult, RelaxResult, RelaxSettings

__all__ = ["Calculator", "ForcesResult", "RelaxResult", "RelaxSettings", "get_calculator"]


def get_calculator(name: str, structures_dir: str | None = None) -> Calculator:
    """The calculator called ``name`` on the command line: ``chgnet`` (default), ``stub``."""
    if name == "stub":
        from nasx.workflows.calculators.stub import StubCalculator

        return StubCalculator(structures_dir)
    if name == "chgnet":
        from nasx.workflows.calculators.chgnet_r2scan import CHGNetCalculator

        return CHGNetCalculator()
    raise ValueError(f"unknown calculator {name!r}; choose chgnet or stub")
