"""Quasi-harmonic thermodynamics of one phase at p = 0: V(T), α(T), B(T), Cp(T) and G(T).

Input: one ``VolumePoint`` per volume, the cell relaxed at that fixed volume, with its electronic
energy and its harmonic F, S and Cv on a temperature grid from 0 K, all per atom in eV (and eV/K).
At every grid temperature E(V) + F_vib(V, T) is fitted to an equation of state with phonopy's
fitter (``phonopy.qha.eos``, Vinet by default); the fit's minimum gives V(T), G(T) and B(T).
α = (1/V) dV/dT and Cp = Cv(V(T)) + T (dV/dT)(∂S/∂V) are phonopy's (``phonopy.qha.calc``) on the
stencil T − h, T, T + h of the grid (``temperature_grid`` makes one); at 0 K both are 0.

The inputs and their unit checks are in ``qha_points`` (re-exported here).

Units: phonopy's kJ/mol and J/K/mol become eV/atom and eV/K/atom in one place, ``nasx.phonons``
(``VolumePoint.from_phonopy`` goes through it); ``phonopy.qha.eos`` and ``phonopy.qha.calc`` work
in eV, Å³ and K, so nothing here converts except B, eV/Å³ → GPa (``nasx.units``). phonopy's
``PhonopyQHA`` (deprecated in phonopy 4) takes kJ/mol and returns mixed units; ``run_qha``
recomputes the phonons itself, past nasx's imaginary-mode handling: neither is used.

Guards, each a recorded ``Check`` (none silent): volumes with imaginary modes (excluded from the
fit, used with those modes left out of F_vib as the harmonic F_vib leaves them, or the phase
refused: ``imaginary_policy``); fewer than ``MIN_VOLUMES`` usable volumes
(refused); inputs not in eV/atom (refused: Cv above 3 k_B, −ΔF ≠ ∫S dT, a zero-point energy
outside 0–1 eV/atom, a volume outside 2–200 Å³/atom); a poor EOS fit (flagged, threshold
stated); an equilibrium volume at or beyond the sampled range at T or T ± h (refused at that T:
phonopy would extrapolate); temperatures at or above a phase change (flagged).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from phonopy.qha.calc import compute_heat_capacity_p_polyfit, compute_volumetric_thermal_expansion
from phonopy.qha.eos import fit_to_eos, get_eos

from nasx.analysis.thermo.checks import Check
from nasx.analysis.thermo.qha_points import (
    GRID_STEP_K,
    VolumePoint,
    input_problem,
    temperature_grid,
)
from nasx.qha_settings import IMAGINARY_POLICIES
from nasx.structures import PhaseChange
from nasx.units import MEV_PER_EV, ev_per_a3_to_gpa
from nasx.wording import counted

EOS_NAMES = ("vinet", "birch_murnaghan", "murnaghan")
MIN_VOLUMES = 5
"""phonopy's C_p fits S(V) and Cv(V) with degree-4 polynomials: five volumes at least."""
EOS_RESIDUAL_TOLERANCE_EV_PER_ATOM = 1e-4
"""Largest |fit − data| of E + F_vib accepted without a flag (0.1 meV/atom): noise of this size
on a ±5 % grid moved the stub's Na2S V(300 K) by 0.07 % (median; 0.4 % at worst in 200 draws)."""
EOS_RESIDUAL_REFUSAL_FACTOR = 10.0
"""A temperature whose fit misses by more than this × the tolerance (1 meV/atom) is refused: noise
ten times larger scatters V(300 K) about as much as the stub's whole 2.3 % expansion to 300 K."""
_T_MATCH_K = 1e-6

__all__ = [
    "EOS_NAMES",
    "IMAGINARY_POLICIES",
    "MIN_VOLUMES",
    "PointUse",
    "QhaResult",
    "QhaRow",
    "VolumePoint",
    "quasi_harmonic",
    "temperature_grid",
]


@dataclass(frozen=True)
class PointUse:
    """Whether a volume entered the fit, and why not."""

    volume_A3_per_atom: float
    label: str
    used: bool
    reason: str = ""


@dataclass(frozen=True)
class QhaRow:
    """The phase at p = 0 and one temperature, per atom; every value None when ``refused``."""

    temperature_K: float
    volume_A3_per_atom: float | None = None
    thermal_expansion_per_K: float | None = None
    """Volumetric: (1/V) dV/dT."""
    bulk_modulus_GPa: float | None = None
    heat_capacity_p_eV_per_K_per_atom: float | None = None
    gibbs_energy_eV_per_atom: float | None = None
    """min over V of E(V) + F_vib(V, T)."""
    eos_residual_eV_per_atom: float | None = None
    refused: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class QhaResult:
    """The QHA of one phase: a row per temperature asked for (each computed or refused), the
    volumes used and left out, the checks, and ``refused`` (one line) when the phase could not be
    treated at all (then ``rows`` is empty)."""

    phase_id: str
    eos: str
    imaginary_policy: str
    rows: tuple[QhaRow, ...]
    points: tuple[PointUse, ...]
    checks: tuple[Check, ...]
    refused: str | None = None
    sampled_range_A3_per_atom: tuple[float, float] | None = None
    max_eos_residual_eV_per_atom: float | None = None
    eos_residual_tolerance_eV_per_atom: float = EOS_RESIDUAL_TOLERANCE_EV_PER_ATOM

    def row(self, temperature_K: float) -> QhaRow:
        for row in self.rows:
            if abs(row.temperature_K - temperature_K) <= _T_MATCH_K:
                return row
        raise KeyError(f"{self.phase_id}: no QHA row at {temperature_K:g} K")

    def as_dict(self) -> dict:
        return {
            **{k: v for k, v in asdict(self).items() if k not in ("rows", "points", "checks")},
            "rows": [asdict(r) for r in self.rows],
            "points": [asdict(p) for p in self.points],
            "checks": [asdict(c.to_record()) for c in self.checks],
        }

    @classmethod
    def from_dict(cls, d: dict) -> QhaResult:
        """The result from ``as_dict`` (e.g. read back from results.json)."""
        span = d.get("sampled_range_A3_per_atom")
        return cls(
            **{k: v for k, v in d.items() if k not in ("rows", "points", "checks")}
            | {"sampled_range_A3_per_atom": tuple(span) if span is not None else None},
            rows=tuple(QhaRow(**r | {"flags": tuple(r["flags"])}) for r in d["rows"]),
            points=tuple(PointUse(**u) for u in d["points"]),
            checks=tuple(Check(c["phase"], c["check"], c["ok"], c["message"]) for c in d["checks"]),
        )


def quasi_harmonic(
    phase_id: str,
    points: Sequence[VolumePoint],
    temperatures_K: Sequence[float] | None = None,
    *,
    imaginary_policy: str = "exclude",
    eos: str = "vinet",
    step_K: float = GRID_STEP_K,
    phase_changes: Sequence[PhaseChange] = (),
    min_volumes: int = MIN_VOLUMES,
    eos_residual_tolerance_eV_per_atom: float = EOS_RESIDUAL_TOLERANCE_EV_PER_ATOM,
) -> QhaResult:
    """The QHA of ``phase_id`` at ``temperatures_K`` (None: every grid temperature that has its
    stencil), each on the points' grid with T ± ``step_K`` on it too (T = 0: α = Cp = 0).
    Bad arguments raise ValueError; bad data refuse the phase or a temperature, in one line."""
    if imaginary_policy not in IMAGINARY_POLICIES:
        raise ValueError(f"imaginary_policy: {imaginary_policy!r} not in {IMAGINARY_POLICIES}")
    if eos not in EOS_NAMES:
        raise ValueError(f"eos: {eos!r} is not one of {EOS_NAMES}")
    if min_volumes < MIN_VOLUMES:
        raise ValueError(f"min_volumes: {min_volumes} is below phonopy's {MIN_VOLUMES}")
    tolerance = eos_residual_tolerance_eV_per_atom
    checks: list[Check] = []

    def result(rows=(), uses=(), refused=None, span=None, residual=None) -> QhaResult:
        return QhaResult(
            phase_id, eos, imaginary_policy, tuple(rows), tuple(uses), tuple(checks), refused,
            span, residual, tolerance,
        )  # fmt: skip

    def refuse(kind: str, problem: str, uses: Sequence[PointUse] = ()) -> QhaResult:
        reason = f"{phase_id}: QHA refused: {problem}"
        checks.append(Check(phase_id, kind, False, reason))
        return result(uses=uses, refused=reason)

    problem = input_problem(points)
    if problem:
        return refuse("QHA input", problem)
    grid = np.array(points[0].temperatures_K)
    asked = _asked(grid, temperatures_K, step_K)
    ordered = sorted(points, key=lambda p: p.volume_A3_per_atom)
    bad = [p for p in ordered if p.imaginary_modes > 0]
    refusing = bool(bad) and imaginary_policy == "refuse"
    left_out = bad if imaginary_policy != "keep" else []
    uses = [
        PointUse(p.volume_A3_per_atom, p.label, p not in left_out and not refusing,
                 _imaginary(p) + (", left out of its F_vib" if p not in left_out else "")
                 if p in bad else "phase refused" if refusing else "")
        for p in ordered
    ]  # fmt: skip
    used = [p for p, u in zip(ordered, uses, strict=True) if u.used]
    if bad:
        listed = "; ".join(f"{p.volume_A3_per_atom:.3f} Å³/atom: {_imaginary(p)}" for p in bad)
        message = (
            f"{len(bad)} of {counted(len(points), 'volume')} with imaginary modes ({listed}): "
            f"{_handled(imaginary_policy)} "
            f"(policy {imaginary_policy!r})"
        )
        if refusing:
            return refuse("QHA imaginary modes", message, uses)
        checks.append(Check(phase_id, "QHA imaginary modes", False, message))
    else:
        none = f"none at {counted(len(points), 'volume')}"
        checks.append(Check(phase_id, "QHA imaginary modes", True, none))
    if len(used) < min_volumes:
        usable = counted(len(used), "usable volume")
        problem = (
            f"{usable} of {len(points)} ({len(bad)} with imaginary modes), at least {min_volumes}"
        )
        problem += " needed"
        return refuse("QHA volumes", problem, uses)

    volumes = np.array([p.volume_A3_per_atom for p in used])
    low, high = float(volumes[0]), float(volumes[-1])
    span = f"the sampled {low:.3f}–{high:.3f} Å³/atom"
    message = f"{len(used)} of {counted(len(points), 'volume')} used, {span}"
    checks.append(Check(phase_id, "QHA volumes", True, message))
    energies = np.array([p.energy_eV_per_atom for p in used])
    table = {  # (temperature, volume) arrays
        name: np.array([getattr(p, name) for p in used]).T
        for name in ("free_energy_eV_per_atom", "entropy_eV_per_K_per_atom",
                     "heat_capacity_eV_per_K_per_atom")
    }  # fmt: skip
    top = max(asked) + step_K + _T_MATCH_K
    fits = {
        i: _fit(volumes, energies + table["free_energy_eV_per_atom"][i], eos)
        for i, t in enumerate(grid)
        if t <= top
    }
    inside = {i: f is not None and low < f[0][3] < high for i, f in fits.items()}
    rows = []
    for t in asked:
        i = _index(grid, t)
        stencil = [i] if t == 0 else [_index(grid, t - step_K), i, _index(grid, t + step_K)]
        refused = _refusal(phase_id, t, grid, stencil, fits, inside, span, tolerance)
        rows.append(
            QhaRow(t, refused=refused)
            if refused
            else _row(t, grid, stencil, fits, volumes, table, tolerance, phase_changes)
        )
    checks.append(_range_check(phase_id, grid, fits, inside, rows, span))
    worst = _eos_check(phase_id, eos, grid, fits, tolerance)
    checks.append(worst[1])
    for change in phase_changes:
        above = [t for t in asked if t >= change.temperature_K]
        if above:
            message = (
                f"{_kelvins(above)} ≥ {change.temperature_K:g} K ({change.description}): "
                "the quasi-harmonic G there is that of a phase past its stability"
            )
            checks.append(Check(phase_id, "QHA phase change", False, message))
    return result(rows, uses, None, (low, high), worst[0])


def _fit(volumes: np.ndarray, energies: np.ndarray, eos: str) -> tuple[np.ndarray, float] | None:
    """phonopy's EOS fit: ([E0, B0 (eV/Å³), B0', V0], largest |fit − data|), None if it failed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = np.asarray(fit_to_eos(volumes, energies, get_eos(eos)), dtype=float)
    except (RuntimeError, TypeError, ValueError):
        return None
    if not np.all(np.isfinite(params)) or params[1] <= 0:
        return None
    return params, float(np.max(np.abs(get_eos(eos)(volumes, params) - energies)))


def _row(t, grid, stencil, fits, volumes, table, tolerance, phase_changes) -> QhaRow:
    """The values at ``t``: phonopy's α and C_p (polynomial fits of S(V) and Cv(V)) on the
    stencil; flags for a poor fit and a phase change."""
    params, residual = fits[stencil[len(stencil) // 2]]
    alpha = cp = 0.0
    if len(stencil) == 3:
        temps, v = grid[stencil], np.array([fits[j][0][3] for j in stencil])
        alpha = float(compute_volumetric_thermal_expansion(temps, v)[1])
        cv, s = table["heat_capacity_eV_per_K_per_atom"], table["entropy_eV_per_K_per_atom"]
        cp = float(
            compute_heat_capacity_p_polyfit(temps, volumes, v, cv[stencil], s[stencil]).cp[1]
        )
    limit = f"{tolerance * MEV_PER_EV:g} meV/atom"
    flags = [f"EOS residual {residual * MEV_PER_EV:.3g} meV/atom above {limit}"] * (
        residual > tolerance
    )
    flags += [
        f"at or above the phase change at {c.temperature_K:g} K ({c.description})"
        for c in phase_changes
        if t >= c.temperature_K
    ]
    bulk = ev_per_a3_to_gpa(float(params[1]))
    return QhaRow(
        t, float(params[3]), alpha, bulk, cp, float(params[0]), residual, None, tuple(flags)
    )


def _refusal(phase_id, t, grid, stencil, fits, inside, span, tolerance) -> str | None:
    """Why the row at ``t`` is refused (one line): a fit of its stencil failed, missed its data
    by more than ``EOS_RESIDUAL_REFUSAL_FACTOR`` × ``tolerance`` or left the range, ``t`` first."""
    center = stencil[len(stencil) // 2]
    limit = EOS_RESIDUAL_REFUSAL_FACTOR * tolerance
    for j in [center, *(j for j in stencil if j != center)]:
        at = "" if j == center else f" (at {grid[j]:g} K, for dV/dT)"
        if fits[j] is None:
            return f"{phase_id} at {t:g} K: the equation-of-state fit failed{at}"
        if fits[j][1] > limit:
            return (
                f"{phase_id} at {t:g} K: EOS residual {fits[j][1] * MEV_PER_EV:.3g} meV/atom{at}, "
                f"above {limit * MEV_PER_EV:g} meV/atom: refused, V(T) not determined"
            )
        if not inside[j]:
            return (
                f"{phase_id} at {t:g} K: equilibrium volume {fits[j][0][3]:.3f} Å³/atom{at} "
                f"at or beyond {span}: refused, no extrapolation"
            )
    return None


def _range_check(phase_id, grid, fits, inside, rows, span) -> Check:
    outside = [float(grid[i]) for i, ok in inside.items() if not ok and fits[i] is not None]
    refused = [r.temperature_K for r in rows if r.refused]
    if not outside:
        top = max(r.temperature_K for r in rows)
        return Check(phase_id, "QHA volume range", True, f"V(T) within {span} up to {top:g} K")
    message = f"equilibrium volume at or beyond {span} from {min(outside):g} K" + (
        f": refused at {_kelvins(refused)}, no extrapolation" if refused else ""
    )
    return Check(phase_id, "QHA volume range", not refused, message)


def _eos_check(phase_id, eos, grid, fits, tolerance) -> tuple[float | None, Check]:
    """The largest residual of the fits, and the check that states it against ``tolerance``."""
    done = [(f[1], float(grid[i])) for i, f in fits.items() if f is not None]
    failed = [float(grid[i]) for i, f in fits.items() if f is None]
    if not done:
        message = f"{eos} fit of E + F_vib failed at every temperature ({_kelvins(failed)})"
        return None, Check(phase_id, "QHA EOS fit", False, message)
    worst, at = max(done)
    over = [t for r, t in done if r > tolerance]
    limit = f"{tolerance * MEV_PER_EV:g} meV/atom"
    message = (
        f"{eos} fit of E + F_vib: largest |fit − data| {worst * MEV_PER_EV:.3g} meV/atom "
        f"(at {at:g} K), " + (f"above {limit} at {_kelvins(over)}" if over else f"≤ {limit}")
    ) + (f"; fit failed at {_kelvins(failed)}" if failed else "")
    return worst, Check(phase_id, "QHA EOS fit", not over and not failed, message)


def _kelvins(temperatures: Sequence[float]) -> str:
    """The temperatures as text, runs of grid neighbours as ranges: "0–60, 300 K"."""
    runs: list[list[float]] = []
    for t in sorted(temperatures):
        if runs and t - runs[-1][-1] <= GRID_STEP_K + 1e-9:
            runs[-1].append(t)
        else:
            runs.append([t])
    return ", ".join(f"{r[0]:g}" if len(r) == 1 else f"{r[0]:g}–{r[-1]:g}" for r in runs) + " K"


def _handled(policy: str) -> str:
    return {
        "refuse": "phase refused",
        "exclude": "excluded from the fit",
        "keep": "used, those modes left out of F_vib as in the harmonic F_vib",
    }[policy]


def _imaginary(p: VolumePoint) -> str:
    tolerance = p.imaginary_tolerance_THz
    below = f"below {tolerance:g} THz" if tolerance is not None else "below the tolerance"
    lowest = f", lowest {p.min_frequency_THz:.3f} THz" if p.min_frequency_THz is not None else ""
    return f"{p.imaginary_modes} mode{'s' * (p.imaginary_modes != 1)} {below}{lowest}"


def _index(grid: np.ndarray, t: float) -> int:
    hits = np.flatnonzero(np.abs(grid - t) <= _T_MATCH_K)
    if not len(hits):
        raise ValueError(f"temperatures_K: {t:g} K is not on the volume points' grid")
    return int(hits[0])


def _asked(grid: np.ndarray, temperatures_K: Sequence[float] | None, step_K: float) -> list[float]:
    """The temperatures to report; each needs T ± step on the grid (ValueError if not)."""
    on = set(np.round(grid, 6))
    if temperatures_K is None:
        return [
            float(t) for t in grid if t == 0 or {round(t - step_K, 6), round(t + step_K, 6)} <= on
        ]
    asked = sorted({float(t) for t in temperatures_K})
    for t in asked:
        for needed in [t] if t == 0 else [t - step_K, t, t + step_K]:
            if needed < 0 or round(needed, 6) not in on:
                raise ValueError(
                    f"temperatures_K: {t:g} K needs {needed:g} K on the grid (temperature_grid)"
                )
    return asked
