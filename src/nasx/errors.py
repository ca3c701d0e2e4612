"""Errors that nasx reports to the user as one line, without a traceback."""

from __future__ import annotations

from pathlib import Path


class NasxInputError(ValueError):
    """Bad user input: names the offending file (when there is one) and the problem."""

    def __init__(self, source: str | Path | None, problem: str) -> None:
        self.source = str(source) if source is not None else None
        self.problem = problem
        super().__init__(f"{self.source}: {problem}" if self.source else problem)
