"""Text on the report's figures: formulas with subscripts, and labels placed where they neither
leave the axes nor cross a drawn line (checked on the rendered figure, in display pixels)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox
from pymatgen.util.string import unicodeify

BACKING = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
"""Behind a printed name or value: a line under it stays visible, the text stays readable."""
Segment = tuple[tuple[float, float], tuple[float, float]]
"""Two end points in display pixels."""


def formula_text(formula: str) -> str:
    """``Na2S5`` as ``Na₂S₅`` (Unicode subscripts: no mathtext, same font as the rest)."""
    return unicodeify(formula)


def margins_in(
    fig: Figure, left: float, right: float, bottom: float, top: float, wspace: float
) -> None:
    """Fixed margins in inches (``wspace``: the gap between panels, a fraction of their width):
    the same layout every time and a third cheaper than tight_layout, which lays out every
    text once more."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=wspace,
    )


def line_segments(lines: Iterable[Line2D]) -> list[Segment]:
    """Every straight piece of ``lines`` in display pixels (NaN gaps skipped)."""
    segments = []
    for line in lines:
        points = line.get_transform().transform(line.get_xydata())
        for a, b in pairwise(points):
            if all(v == v for v in (*a, *b)):  # no NaN
                segments.append(((float(a[0]), float(a[1])), (float(b[0]), float(b[1]))))
    return segments


def crosses(box: Bbox, segment: Segment) -> bool:
    """Whether a horizontal or vertical ``segment`` passes through ``box`` (a slanted one is
    tested by its bounding box, which is enough for the step lines drawn here)."""
    (x0, y0), (x1, y1) = segment
    return (
        min(x0, x1) < box.x1
        and max(x0, x1) > box.x0
        and min(y0, y1) < box.y1
        and max(y0, y1) > box.y0
    )


def text_box(ax: Axes, text: Text) -> Bbox:
    """``text``'s extent on the rendered figure (display pixels)."""
    return text.get_window_extent(ax.figure.canvas.get_renderer())


def inside_axes(ax: Axes, text: Text) -> bool:
    """Whether ``text`` lies wholly inside the frame of ``ax``."""
    box, frame = text_box(ax, text), ax.get_window_extent()
    return box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1


def is_clear(ax: Axes, text: Text, segments: Sequence[Segment]) -> bool:
    """Inside the axes and crossing none of ``segments``."""
    box = text_box(ax, text)
    return inside_axes(ax, text) and not any(crosses(box, s) for s in segments)


Spot = tuple[tuple[float, float], tuple[float, float], str, str]
"""Where an annotation may go: the point it labels (data), its offset from it (points), and its
horizontal and vertical alignment."""


def put(text: Annotation, spot: Spot) -> None:
    """Move ``text`` to ``spot``."""
    xy, offset, ha, va = spot
    text.xy = xy
    text.xyann = offset
    text.set_horizontalalignment(ha)
    text.set_verticalalignment(va)


def place(
    ax: Axes, text: Annotation, spots: Sequence[Spot], *segment_sets: Sequence[Segment]
) -> bool:
    """Move ``text`` to the first of ``spots`` where it is inside the axes and clear of every
    segment of ``segment_sets``; failing that, clear of the first sets only (the last set is
    dropped, then the next...); False, and left at the first spot, when none is clear."""
    for n in range(len(segment_sets), 0, -1):
        segments = [s for group in segment_sets[:n] for s in group]
        for spot in spots:
            put(text, spot)
            if is_clear(ax, text, segments):
                return True
    put(text, spots[0])
    return False
