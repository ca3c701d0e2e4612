"""Hull distances on a linear meV/atom axis: a compound far deeper than the rest (Na2S beside
the polysulfides) is drawn off scale, its bars cut at the axis with their values printed; every
value is printed, moved apart where two would overlap. Shared by the single-model and the
committee hull figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes

from nasx.analysis.report.figure_text import BACKING, formula_text, place, text_box

OFF_SCALE_FACTOR = 4.0
"""A compound whose deepest hull distance is this many times deeper than every other
compound's is drawn off scale (its bars cut at the axis, its values printed): on one linear
axis Na2S's −570 meV/atom would flatten the intermediates' −2 … −40 meV/atom to nothing."""
VALUE = "hull distance value"
"""The gid of the printed values."""
CUT_VALUE = "hull distance value of a cut bar"
"""The gid of the values printed inside bars cut at the axis."""


def off_scale_compounds(
    compounds: Sequence[str], series: Sequence[Mapping[str, float]]
) -> tuple[str, ...]:
    """The compounds whose deepest value is OFF_SCALE_FACTOR times deeper than that of every
    compound still on the scale (taken deepest first)."""
    deepest = {f: min([s[f] for s in series if f in s], default=0.0) for f in compounds}
    order = sorted(compounds, key=lambda f: deepest[f])
    off = []
    for i, f in enumerate(order[:-1]):
        rest = min(deepest[g] for g in order[i + 1 :])
        if deepest[f] < 0 and deepest[f] < OFF_SCALE_FACTOR * min(rest, -1.0):
            off.append(f)
        else:
            break
    return tuple(off)


def axis_limits(values: Sequence[float]) -> tuple[float, float]:
    """A linear meV/atom range holding ``values`` and 0 with room for the printed values."""
    low, high = min([0.0, *values]), max([0.0, *values])
    span = max(high - low, 5.0)
    return low - 0.22 * span, high + 0.14 * span


def legend_below(ax: Axes, handles: list) -> None:
    """The legend of ``ax`` under its x axis, outside the bars and points."""
    ax.legend(
        handles=handles,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=2,
        frameon=False,
    )


def frame(ax: Axes, limits: tuple[float, float], off_scale: Sequence[str], where: str) -> None:
    """The y range, the zero line and label, and a note naming the off-scale compounds and
    ``where`` their values are."""
    ax.set_ylim(*limits)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("hull distance (meV/atom); < 0: below the hull")
    ax.grid(alpha=0.3, axis="y")
    if off_scale:
        names = ", ".join(formula_text(f) for f in off_scale)
        ax.annotate(
            f"{names}: off scale ({where})",
            (0.01, 0.01),
            xycoords="axes fraction",
            fontsize=6,
            color="0.3",
        )


def number(v: float) -> str:
    """A hull distance as printed: one decimal, a true minus sign."""
    return f"{round(v, 1) + 0.0:.1f}".replace("-", "−")


def print_value(ax: Axes, xy: tuple[float, float], v: float, cut: bool) -> None:
    """``v`` printed at the end of its bar; a cut bar's value written upwards inside the bar
    from the cut, with an arrow saying the bar goes on."""
    if cut:
        ax.annotate(
            f"↓ {number(v)}",
            xy,
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            va="bottom",
            rotation=90,
            fontsize=6.5,
            gid=CUT_VALUE,
            bbox=BACKING,
        )
        return
    below = xy[1] < 0
    ax.annotate(
        number(v),
        xy,
        textcoords="offset points",
        xytext=(0, -2 if below else 2),
        ha="center",
        va="top" if below else "bottom",
        fontsize=6.5,
        gid=VALUE,
        bbox=BACKING,
    )


def spread_values(ax: Axes) -> None:
    """Printed values moved apart where two would overlap: each tries beside, then above or
    below its point, clear of the values already placed."""
    placed = []
    for text in [t for t in ax.texts if t.get_gid() == VALUE]:
        x, y = text.xy
        dy = text.xyann[1]
        va = text.get_verticalalignment()
        spots = [
            ((x, y), (0, dy), "center", va),
            ((x, y), (4, 0), "left", "center"),
            ((x, y), (-4, 0), "right", "center"),
            ((x, y), (0, -dy), "center", "bottom" if va == "top" else "top"),
        ]
        place(ax, text, spots, placed)
        box = text_box(ax, text)
        placed.append(((box.x0, box.y0), (box.x1, box.y1)))
