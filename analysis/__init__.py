"""Pure analysis (no FireWorks): entries → phase diagrams, hull distances, voltages, report.

``analyze``, ``StudyResult`` and ``load_entries_json`` are imported on first use, so importing
one light submodule (``nasx.analysis.paper``, as every fake-VASP process does through the stub
calculator) does not pay for pymatgen's phase-diagram and compatibility modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nasx.analysis.entries import load_entries_json
    from nasx.analysis.study import StudyResult, analyze

__all__ = ["StudyResult", "analyze", "load_entries_json"]

_LAZY = {
    "StudyResult": "nasx.analysis.study",
    "analyze": "nasx.analysis.study",
    "load_entries_json": "nasx.analysis.entries",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
