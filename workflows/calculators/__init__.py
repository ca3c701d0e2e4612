"""Calculators: one interface (`Calculator`), several implementations, found by name.

A new backend is one module with a ``Calculator`` subclass that has a ``from_options``
classmethod, plus one line in ``REGISTRY``.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from nasx.dispersion import TAKES_DISPERSION, split
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
    """The calculator called ``name`` on the command line (see ``REGISTRY``); ``chgnet+d4``
    is ``chgnet`` with dispersion (`nasx.dispersion`)."""
    base, dispersion = split(name)
    if base not in REGISTRY or (dispersion is not None and base not in TAKES_DISPERSION):
        raise ValueError(f"unknown calculator {name!r}; choose {', '.join(REGISTRY)}")
    options = options or CalculatorOptions()
    if dispersion is not None:
        options = replace(options, dispersion=dispersion)
    module, _, cls = REGISTRY[base].partition(":")
    return getattr(import_module(module), cls).from_options(options)


__all__ = ["REGISTRY", "Calculator", "CalculatorOptions", "get_calculator"]
