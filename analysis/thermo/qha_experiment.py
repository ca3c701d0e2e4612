"""The quasi-harmonic volume and thermal expansion beside the measured ones: V(T) and α(T) at p = 0
at the measurement's temperature, where ``experiment.toml`` gives a ``volume`` or a
``thermal_expansion`` (volumetric, 1/K) for the phase.

The harmonic study can only set its static 0 K volume beside a room-temperature measurement
(``thermo.experiment``); the QHA has V(T) itself. Values come from the phase's QHA curve (every
grid temperature, 10 K apart, and the analysis temperatures), at the grid temperature nearest the
measured one and within ``MAX_TEMPERATURE_GAP_K`` of it; none is interpolated or extrapolated.
"""

from __future__ import annotations

from collections.abc import Sequence

from nasx.analysis.experiment_sections import Comparison
from nasx.analysis.qha_sections import QhaMeasured
from nasx.analysis.readers.phase_keys import phase_key
from nasx.analysis.readers.records import PhaseRecord
from nasx.analysis.thermo.checks import Check
from nasx.analysis.thermo.qha import QhaResult, QhaRow
from nasx.structures.experiment import Experiment, Measured

RELATIVE_TOLERANCE = {"volume": 0.05, "thermal_expansion": 0.30}
"""|computed − measured| / |measured| beyond which the check fails. 30 % for α: quasi-harmonic α
of simple solids from DFT typically lies within 10–30 % of dilatometry, so a larger gap points
at the model rather than at the approximation."""
MAX_TEMPERATURE_GAP_K = 10.0
"""The largest gap between the measurement's temperature and the computed row compared with it."""
QUANTITIES = (
    ("volume", "volume_A3_per_atom", "volume_temperature_K"),
    ("thermal_expansion", "thermal_expansion_per_K", "thermal_expansion_temperature_K"),
)
"""experiment.toml's table, the QhaRow field compared with it, and QhaMeasured's temperature."""


def compare(
    results: dict[str, QhaResult],
    curves: dict[str, QhaResult],
    records: Sequence[PhaseRecord],
    experiment: Experiment,
    test_model: bool = False,
) -> tuple[dict[str, QhaMeasured], list[Check]]:
    """Each phase with a QHA and a measured volume or thermal expansion, and the checks."""
    found, checks = {}, []
    prefix = "test model: " if test_model else ""
    for record in records:
        if record.id not in results or record.structure is None:
            continue
        measured = experiment.find(record.formula, phase_key(record.structure)[1])
        if measured is None:
            continue
        rows = (curves.get(record.id) or results[record.id]).rows
        compared: dict[str, object] = {}
        for quantity, field, at in QUANTITIES:
            data = measured.values.get(quantity)
            if data is None:
                continue
            row = _row_at(rows, data.numbers.get("temperature_K"), field)
            if row is None:
                continue
            comparison = _versus(getattr(row, field), data, RELATIVE_TOLERANCE[quantity])
            compared[field], compared[at] = comparison, row.temperature_K
            if comparison.ok is not None:
                checks.append(
                    Check(
                        record.id,
                        f"QHA experiment: {quantity.replace('_', ' ')}",
                        comparison.ok,
                        prefix + _line(quantity, row, comparison),
                    )
                )
        if compared:
            found[record.id] = QhaMeasured(**compared)
    return found, checks


def _row_at(rows: Sequence[QhaRow], temperature_K: object, field: str) -> QhaRow | None:
    """The computed row nearest the measured temperature (298.15 K when the file gives none)."""
    target = float(temperature_K) if isinstance(temperature_K, int | float) else 298.15
    usable = [r for r in rows if getattr(r, field) is not None and r.temperature_K > 0]
    if not usable:
        return None
    row = min(usable, key=lambda r: abs(r.temperature_K - target))
    return row if abs(row.temperature_K - target) <= MAX_TEMPERATURE_GAP_K else None


def _versus(computed: float, data: Measured, tolerance: float) -> Comparison:
    value = float(data.numbers["value"])
    within = bool(value) and abs((computed - value) / value) <= tolerance
    return Comparison.beside(computed, value, data, within)


def _line(quantity: str, row: QhaRow, c: Comparison) -> str:
    tolerance = RELATIVE_TOLERANCE[quantity]
    if quantity == "volume":
        what, numbers = "V", f"computed {c.computed:.2f} Å³/atom, measured {c.measured:.2f}"
    else:
        what = "α (volumetric)"
        numbers = f"computed {c.computed * 1e5:.2f}e-5 /K, measured {c.measured * 1e5:.2f}e-5"
    return (
        f"{what} at {row.temperature_K:g} K, p = 0: {numbers}: "
        f"{c.relative_difference * 100:+.0f} % (tolerance ±{tolerance * 100:.0f} %)"
    )
