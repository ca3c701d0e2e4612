"""Inspecting the figures nasx draws: every Figure saved during a test, kept by file name, and
the geometry of what is drawn on it (display pixels), independent of nasx's own layout code."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def keep_saved_figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Figure]:
    """Every Figure saved from now on, by the file name it was saved to (the file is written
    as usual)."""
    saved: dict[str, Figure] = {}
    original = Figure.savefig

    def keep(self, fname, *args, **kwargs):
        saved[Path(fname).name] = self
        return original(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return saved


def plain(text: str) -> str:
    """``text`` with subscript digits as digits and the true minus sign as a hyphen."""
    return text.translate(SUBSCRIPTS).replace("−", "-")


def renderer(fig: Figure):
    """An Agg renderer of ``fig`` (a figure closed by pyplot has lost its own canvas)."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def box(ax: Axes, text: Text) -> Bbox:
    return text.get_window_extent(renderer(ax.figure))


def inside(ax: Axes, text: Text) -> bool:
    b, frame = box(ax, text), ax.get_window_extent()
    return b.x0 >= frame.x0 and b.x1 <= frame.x1 and b.y0 >= frame.y0 and b.y1 <= frame.y1


def vertical_segments(ax: Axes, line) -> list[tuple[float, float, float]]:
    """The vertical pieces (the steps) of ``line``: x, y low, y high in display pixels."""
    points = line.get_transform().transform(line.get_xydata())
    return [
        (a[0], min(a[1], b[1]), max(a[1], b[1]))
        for a, b in pairwise(points)
        if abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) > 1e-6
    ]


def crosses_a_step(ax: Axes, text: Text, lines) -> bool:
    b = box(ax, text)
    return any(
        b.x0 < x < b.x1 and low < b.y1 and high > b.y0
        for line in lines
        for x, low, high in vertical_segments(ax, line)
    )


def style(line) -> tuple:
    """What tells one drawn line from another in a legend: colour and dash pattern."""
    from matplotlib.colors import to_rgba

    return (to_rgba(line.get_color()), line.get_linestyle())
