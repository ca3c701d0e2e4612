"""Pure analysis (no FireWorks): entries → phase diagrams, hull distances, voltages, report."""

from nasx.analysis.entries import load_entries_json
from nasx.analysis.study import StudyResult, analyze

__all__ = ["StudyResult", "analyze", "load_entries_json"]
