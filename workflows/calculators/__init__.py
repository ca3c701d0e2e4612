"""Calculators: one interface (`Calculator`), several implementations, found by name.

A new backend is one module with a ``Calculator`` subclass that has a ``from_options``
classmethod, plus one line in ``REGISTRY``.
"""

from __future__ import annotations

from importlib import import_module

from nasx.workflows.calculators.base import Calculator, CalculatorOptions

REGISTRY = {
    "chgnet": "nasx.workflows.calculators.chgnet_r2scan:CHGNetCalculator",
    "sevennet": "nasx.workflows.calculators.sevennet_r2scan:SevenNetCalculator",
    "stub": "nasx.workflows.calculators.stub:StubCalculator",
    "stub-stiff": "nasx.workflows.calculators.stub:StiffStubCalculator",
    "vasp": "nasx.workflows.calculators.vasp:VaspCalculator",
    "gpaw": "nasx.workflows.calculators.gpaw_r2scan:GpawCalculator",
}
"""Command-line name → ``module:class``; the first is the default."""


def get_calculator(name: str, options: CalculatorOptions | None = None) -> Calculator:
    """The calculator called ``name`` on the command line (see ``REGISTRY``)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown calculator {name!r}; choose {', '.join(REGISTRY)}")
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(import_module(module), cls).from_options(options or CalculatorOptions())


__all__ = ["REGISTRY", "Calculator", "CalculatorOptions", "get_calculator"]
