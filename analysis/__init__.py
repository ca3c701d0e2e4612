"""Pure analysis (no FireWorks): entries → phase diagrams, hull distances, voltages, report.

The exports are imported on first use, so that importing one light module (``nasx.analysis.thermo.paper``,
whose formation energies the stub calculator needs in every fake VASP process) does not import
pymatgen's phase diagrams and scipy (~2 s).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nasx.analysis.thermo.entries import load_entries_json
    from nasx.analysis.thermo.study import StudyResult, analyze

_EXPORTS = {
    "StudyResult": "nasx.analysis.thermo.study",
    "analyze": "nasx.analysis.thermo.study",
    "load_entries_json": "nasx.analysis.thermo.entries",
}
__all__ = ["StudyResult", "analyze", "load_entries_json"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
