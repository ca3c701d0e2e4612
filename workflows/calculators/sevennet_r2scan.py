"""SevenNet's multi-fidelity model ``7net-mf-0`` with its r2SCAN head (optional extra ``sevennet``).

The weights ship inside the ``sevenn`` wheel (no download). ``pip install "nasx[sevennet]"``
adds it with e3nn and torch-geometric; the default install stays CHGNet-only.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from functools import cache

from ase.calculators.calculator import Calculator as AseCalculator

from nasx.errors import NasxInputError
from nasx.workflows.calculators.ase_backend import AseBackedCalculator
from nasx.workflows.calculators.base import CalculatorOptions

EXTRA_INSTALL = 'pip install "nasx[sevennet]"'


def require_sevenn() -> None:
    """Refuse, in one line naming the pip command, when the optional package is missing."""
    if importlib.util.find_spec("sevenn") is None:
        raise NasxInputError(
            "--calculator sevennet",
            f"needs the optional package sevenn, which is not installed: {EXTRA_INSTALL}",
        )


@cache
def _model(model_name: str):
    """The SevenNet model, built once per process (about 6 s)."""
    import torch
    from sevenn import util

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    model = util.load_checkpoint(model_name).build_model()
    model.set_is_batch_data(False)
    return model


class SevenNetCalculator(AseBackedCalculator):
    """SevenNet ``7net-mf-0`` evaluated with its r2SCAN fidelity (``modal="R2SCAN"``), CPU."""

    name = "sevennet"
    packages = ("ase", "torch", "sevenn", "e3nn", "torch-geometric")

    def __init__(
        self, model_name: str = "7net-mf-0", modal: str = "R2SCAN", dispersion: str | None = None
    ) -> None:
        self.model_name = model_name
        self.modal = modal
        self.use_dispersion(dispersion)

    @classmethod
    def from_options(cls, options: CalculatorOptions) -> SevenNetCalculator:
        require_sevenn()
        return cls(dispersion=options.dispersion)

    def ase_calculator(self) -> AseCalculator:
        from sevenn.calculator import SevenNetCalculator as SevenNetAse

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no tensor-product accelerator" on every CPU
            return SevenNetAse(
                model=_model(self.model_name),
                file_type="model_instance",
                modal=self.modal,
                device="cpu",
            )

    def describe(self) -> str:
        import sevenn

        return self.described(
            f"SevenNet {sevenn.__version__} '{self.model_name}' model, {self.modal} head "
            "(machine-learned r2SCAN), CPU"
        )
