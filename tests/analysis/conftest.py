"""Fixtures of the analysis tests."""

import pytest
from matplotlib.figure import Figure

from tests.figures import keep_saved_figures


@pytest.fixture
def saved_figures(monkeypatch) -> dict[str, Figure]:
    """Every Figure saved while the test runs, by file name (tests/figures.py)."""
    return keep_saved_figures(monkeypatch)
