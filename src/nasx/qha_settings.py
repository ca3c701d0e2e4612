"""Which volumes the quasi-harmonic study computes (``--qha``, ``--qha-volumes``): one typed
record, checked before any job (an `ArgumentError` naming the option) and recorded in run.json.

Each phase is relaxed at ``count`` volumes evenly spaced from ``min_percent`` to
``max_percent`` of its relaxed volume (cell scaled isotropically, then positions and cell shape
relaxed at that volume, space group held), and its phonons computed at each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np

from nasx import arguments
from nasx.arguments import ArgumentError, shown

MIN_PERCENT = -6.0
MAX_PERCENT = 8.0
COUNT = 8
"""The default volumes: −6 % to +8 % of the relaxed volume in 8 points (steps of 2 %), more on
the side of expansion, where heating takes a crystal. Measured on the Na–S study with SevenNet
(docs/qha.md): the largest expansion of a phase whose QHA holds is Na2S's, +6.9 % of its relaxed
volume at 400 K (one sampled volume beyond it, as the range guard needs); widening to +10 %
rescued no refused phase and moved Na2S's V(400 K) by 0.3 %, Na2S4's by 1.0 %."""
LIMIT_PERCENT = 30.0
"""The farthest a volume may be from the relaxed one (%): beyond, a phase may change."""
MIN_COUNT, MAX_COUNT = 5, 30
"""Points of the E(V) and F(V, T) fits: an equation of state has four parameters."""
MIN_STEP_PERCENT = 0.1
"""Neighbouring volumes closer than this are one volume for the fits (and for the set names)."""
IMAGINARY_POLICIES = ("exclude", "keep", "refuse")
"""What a volume with modes below the imaginary tolerance does in the fits (listed either way):
left out of them; kept, with those modes left out of its F_vib as the harmonic F_vib leaves
them (for crystals with small imaginary pockets; the EOS residual check shows what that costs in
smoothness); or the whole QHA of the phase refused. An analysis choice: not part of what is
computed, so it may change on a rerun."""


@dataclass(frozen=True)
class QhaSettings:
    """The volumes of a quasi-harmonic study, in % of the relaxed volume: ``count`` points from
    ``min_percent`` to ``max_percent`` (both included; the range must include 0, the relaxed
    volume). Defaults: −6 % to +8 % in 8 points (``COUNT``'s evidence). ``imaginary_policy``
    (`IMAGINARY_POLICIES`) is how the fits treat a volume with imaginary modes."""

    min_percent: float = MIN_PERCENT
    max_percent: float = MAX_PERCENT
    count: int = COUNT
    imaginary_policy: str = IMAGINARY_POLICIES[0]

    def __post_init__(self) -> None:
        check(self)

    @property
    def volume_factors(self) -> tuple[float, ...]:
        """Each volume as a multiple of the relaxed one, smallest first (rounded to 1e-6)."""
        percents = np.linspace(self.min_percent, self.max_percent, self.count)
        return tuple(round(1.0 + float(p) / 100.0, 6) for p in percents)

    def to_document(self) -> dict:
        """The fields; the imaginary policy only when not the default, so the run.json of runs
        made before it keep their form."""
        document = asdict(self)
        if self.imaginary_policy == IMAGINARY_POLICIES[0]:
            del document["imaginary_policy"]
        return document

    @classmethod
    def from_document(cls, d: Mapping[str, object] | None) -> QhaSettings | None:
        """The settings of a run.json (None: a run without QHA)."""
        if d is None:
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in dict(d).items() if k in known})  # type: ignore[arg-type]

    def as_option(self) -> str:
        """The ``--qha-volumes`` text of these settings."""
        return f"{self.min_percent:g}:{self.max_percent:g}:{self.count}"

    @classmethod
    def from_option(cls, argument: str, value: object) -> QhaSettings | None:
        """The settings of a `nasx.run` argument ``qha``: True (the defaults), False or None
        (no QHA), ``"MIN:MAX:COUNT"`` (percent of the relaxed volume, e.g. ``"-6:8:8"``), a
        mapping of the fields, or a `QhaSettings`; an `ArgumentError` naming ``argument``."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            return value
        try:
            if isinstance(value, str):
                return parse(argument, value)
            if isinstance(value, Mapping):
                return arguments.settings(argument, value, cls, "QHA", _checked)  # type: ignore[return-value]
        except ArgumentError as exc:  # the record's own check names no option
            raise ArgumentError(argument, exc.problem) from None
        raise ArgumentError(
            argument, f"{value!r} is not True, False, 'MIN:MAX:COUNT' or a mapping of settings"
        )


def parse(argument: str, text: str) -> QhaSettings:
    """``MIN:MAX:COUNT`` (percent of the relaxed volume, e.g. ``-6:8:8``) as settings."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ArgumentError(
            argument,
            f"'{shown(text)}': expected MIN:MAX:COUNT in percent of the relaxed volume, "
            f"e.g. {MIN_PERCENT:g}:{MAX_PERCENT:g}:{COUNT}",
        )
    low, high = (arguments.finite(argument, p.strip(), "a percentage") for p in parts[:2])
    count = arguments.count(argument, parts[2].strip())
    try:
        return QhaSettings(low, high, count)
    except ArgumentError as exc:
        raise ArgumentError(argument, exc.problem) from None


def _checked(argument: str, key: str, value: object) -> object:
    if key == "imaginary_policy":
        return arguments.choice(argument, value, IMAGINARY_POLICIES)
    if key == "count":
        return arguments.count(argument, value)
    return arguments.finite(argument, value, "a percentage")


def check(settings: QhaSettings, argument: str = "qha") -> None:
    """An `ArgumentError` naming ``argument`` when the volumes cannot make a QHA study."""
    low, high, count = settings.min_percent, settings.max_percent, settings.count
    if settings.imaginary_policy not in IMAGINARY_POLICIES:
        raise ArgumentError(
            argument,
            f"imaginary_policy {settings.imaginary_policy!r} is not one of "
            f"{', '.join(IMAGINARY_POLICIES)}",
        )
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise ArgumentError(argument, f"{value!r} is not a percentage")
    if isinstance(count, bool) or not isinstance(count, int):
        raise ArgumentError(argument, f"{count!r} is not a whole number of volumes")
    if not low < high:
        raise ArgumentError(
            argument, f"the smallest volume ({low:g} %) is not below the largest ({high:g} %)"
        )
    if not low <= 0 <= high:
        raise ArgumentError(
            argument, f"{low:g} % to {high:g} % does not include 0 %, the relaxed volume"
        )
    if low < -LIMIT_PERCENT or high > LIMIT_PERCENT:
        raise ArgumentError(
            argument,
            f"{low:g} % to {high:g} % reaches beyond ±{LIMIT_PERCENT:g} % of the relaxed volume",
        )
    if not MIN_COUNT <= count <= MAX_COUNT:
        raise ArgumentError(
            argument,
            f"{count} volumes: give {MIN_COUNT} to {MAX_COUNT} (an equation of state has four parameters)",
        )
    if (high - low) / (count - 1) < MIN_STEP_PERCENT:
        raise ArgumentError(
            argument,
            f"{count} volumes from {low:g} % to {high:g} % are closer than {MIN_STEP_PERCENT:g} % apart",
        )
