"""CHGNet's r2SCAN model (shipped inside the chgnet wheel: no download, no network)."""

from __future__ import annotations

import contextlib
import io
import os
from functools import cache
from pathlib import Path

import numpy as np
from ase.calculators.calculator import Calculator as AseCalculator
from pymatgen.core import Structure

from nasx.results import ForcesResult
from nasx.workflows.calculators import dispersion as dispersion_model
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.base import CalculatorOptions


@cache
def _model(model_name: str):
    import torch
    from chgnet.model import CHGNet

    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    with contextlib.redirect_stdout(io.StringIO()):  # "CHGNet vr2scan initialized with ..."
        return CHGNet.load(model_name=model_name, use_device="cpu", verbose=False)


class CHGNetCalculator(AseBackedCalculator):
    """The default calculator: a machine-learned r2SCAN potential on the CPU."""

    name = "chgnet"
    packages = ("ase", "torch", "chgnet")

    def __init__(self, model_name: str = "r2scan", dispersion: str | None = None) -> None:
        self.model_name = model_name
        self.use_dispersion(dispersion)

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> CHGNetCalculator:
        return cls(dispersion=options.dispersion)

    def ase_calculator(self) -> AseCalculator:
        from chgnet.model.dynamics import CHGNetCalculator as ChgnetAse

        model = _model(self.model_name)
        with contextlib.redirect_stdout(io.StringIO()):  # "CHGNet will run on cpu", every job
            return ChgnetAse(model=model, use_device="cpu")

    def forces(self, structure: Structure, workdir: Path) -> ForcesResult:
        """Energy and forces only (no stress): 1.4–1.9× faster than the ASE path here."""
        with self.clock.timing():
            prediction = _model(self.model_name).predict_structure(structure, task="ef")
            energy = float(prediction["e"]) * len(structure)  # the model predicts eV/atom
            forces = np.asarray(prediction["f"], dtype=float)
            if self.dispersion is not None:
                extra_eV, extra_forces = dispersion_model.energy_and_forces(
                    structure, self.dispersion
                )
                energy, forces = energy + extra_eV, forces + extra_forces
        return ForcesResult(energy, forces)

    def describe(self) -> str:
        import chgnet

        return self.described(
            f"CHGNet {chgnet.__version__} '{self.model_name}' model (machine-learned r2SCAN), CPU"
        )
