"""The quasi-harmonic core (analysis/thermo/qha.py) against closed forms, and its guards.

The stub's springs stiffen on compression, k(V) = k0 (V/V0)^(−2γ), over an elastic E(V): every
atom is an Einstein oscillator, so V(T), α(T), B(T), Cp(T) and G(T) at p = 0 follow from a
one-dimensional minimisation of E(V) + F_Einstein(V, T), done here with scipy, independently of
phonopy's equation-of-state fit that nasx uses.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from ase.units import _amu, _e, _hbar, kB
from pymatgen.io.ase import AseAtomsAdaptor
from scipy.optimize import minimize_scalar

from nasx import phonons
from nasx.analysis.readers.records import PhononInput
from nasx.analysis.thermo.qha import (
    QhaResult,
    VolumePoint,
    quasi_harmonic,
    temperature_grid,
)
from nasx.settings import PhononSettings
from nasx.structures import PhaseChange
from nasx.units import EV_PER_KJ_PER_MOL
from nasx.workflows.calculators.stub import ELASTIC_EV_PER_A3, GRUNEISEN, StubCalculator

PHASE = "Na2S_Fm-3m"
TEMPERATURES_K = [0.0, 100.0, 300.0, 400.0]
GRID = temperature_grid(TEMPERATURES_K)


class Einstein:
    """E(V) + F_Einstein(V, T) per atom of a stub phase: three modes per atom at
    ω = √(k0 (V/V0)^(−2γ) / m), over E(V) = e0 + (3/2) c v0 ((V/V0)^(1/3) − 1)²."""

    def __init__(self, e0: float, v0: float, k0: float, masses: list[float], gamma: float):
        self.e0, self.v0, self.k0, self.masses, self.gamma = e0, v0, k0, masses, gamma

    def energy(self, r: float) -> float:
        return self.e0 + 1.5 * ELASTIC_EV_PER_A3 * self.v0 * (r ** (1 / 3) - 1) ** 2

    def quanta_eV(self, r: float) -> np.ndarray:
        k = self.k0 * r ** (-2 * self.gamma) * _e / 1e-20  # N/m
        return np.array([_hbar * np.sqrt(k / (m * _amu)) / _e for m in self.masses])

    def thermal(self, r: float, t: float) -> tuple[float, float, float]:
        """F (eV/atom), S and Cv (eV/K/atom) at V = r·V0."""
        q = self.quanta_eV(r)
        if t == 0:
            return 1.5 * q.mean(), 0.0, 0.0
        x = q / (kB * t)
        f = 3 * (q / 2 + kB * t * np.log(-np.expm1(-x)))
        s = 3 * kB * (x / np.expm1(x) - np.log(-np.expm1(-x)))
        cv = 3 * kB * x**2 * np.exp(x) / np.expm1(x) ** 2
        return f.mean(), s.mean(), cv.mean()

    def g(self, r: float, t: float) -> float:
        return self.energy(r) + self.thermal(r, t)[0]

    def minimum(self, t: float) -> tuple[float, float]:
        """(V, G) at p = 0 by a bounded scalar minimisation over V/V0."""
        found = minimize_scalar(
            lambda r: self.g(r, t), bounds=(0.7, 1.4), method="bounded", options={"xatol": 1e-12}
        )
        return found.x * self.v0, found.fun

    def points(self, ratios, grid=GRID, **changes) -> list[VolumePoint]:
        """VolumePoints straight from the closed form (no phonopy)."""
        out = []
        for r in ratios:
            f, s, cv = zip(*(self.thermal(r, t) for t in grid), strict=True)
            out.append(VolumePoint(r * self.v0, self.energy(r), grid, f, s, cv, label=f"{r:.3f}"))
        return [VolumePoint(**{**vars(p), **changes}) for p in out]


@pytest.fixture(scope="module")
def stub_phase():
    """The stub's Na2S: its reference and an Einstein model with the stub's constants."""
    calc = StubCalculator()
    ref = next(r for r in calc.references if r.phase_id == PHASE)
    masses = [float(s.atomic_mass) for s in ref.structure.species]
    v0 = ref.structure.volume / len(ref.structure)
    model = Einstein(ref.energy_per_atom_eV, v0, ref.spring_eV_per_A2, masses, GRUNEISEN)
    return calc, ref, model


@pytest.fixture(scope="module")
def stub_points(stub_phase) -> list[VolumePoint]:
    """Seven volumes, 0.96–1.08 V0: the stub's cell at each volume, its energy and phonopy's
    force constants from the stub's forces (1×1×1: the stub's springs are on-site)."""
    calc, ref, _ = stub_phase
    model = calc.ase_calculator()
    settings = PhononSettings(mesh_length_A=5.0)  # flat bands: any mesh is exact
    points = []
    for r in np.linspace(0.96, 1.08, 7):
        cell = ref.structure.copy()
        cell.scale_lattice(cell.volume * r)
        atoms = AseAtomsAdaptor.get_atoms(cell)
        atoms.calc = model
        ph = phonons.displacements(cell, (1, 1, 1), settings)
        forces = []
        for displaced in phonons.displaced_supercells(ph):
            displaced_atoms = AseAtomsAdaptor.get_atoms(displaced)
            displaced_atoms.calc = model
            forces.append(displaced_atoms.get_forces())
        energy = atoms.get_potential_energy()
        point = VolumePoint.from_phonopy(
            ph, energy, len(cell), GRID, settings, forces_eV_per_A=forces, label=f"{r:.2f}"
        )
        points.append(point)
    return points


def test_stub_qha_equals_the_closed_form_minimisation(stub_phase, stub_points):
    """V to 5e-5 (relative), G to 2 µeV/atom, B to 0.5 %, α to 2 % (phonopy's central
    difference over T ± 10 K), Cp to 0.2 %: phonopy's Vinet fit of a curve that is not Vinet."""
    model = stub_phase[2]
    result = quasi_harmonic(PHASE, stub_points, TEMPERATURES_K)
    assert result.refused is None and all(c.ok for c in result.checks), result.checks
    assert [r.temperature_K for r in result.rows] == TEMPERATURES_K
    for row in result.rows:
        t = row.temperature_K
        volume, gibbs = model.minimum(t)
        r, dr = volume / model.v0, 1e-4
        curvature = (model.g(r + dr, t) - 2 * model.g(r, t) + model.g(r - dr, t)) / dr**2
        bulk_GPa = curvature / model.v0 * r * 160.21766208
        assert row.refused is None and row.flags == ()
        assert row.volume_A3_per_atom == pytest.approx(volume, rel=5e-5), t
        assert row.gibbs_energy_eV_per_atom == pytest.approx(gibbs, abs=2e-6), t
        assert row.bulk_modulus_GPa == pytest.approx(bulk_GPa, rel=5e-3), t
        if t == 0:
            assert row.thermal_expansion_per_K == row.heat_capacity_p_eV_per_K_per_atom == 0
            continue
        dv = (model.minimum(t + 1)[0] - model.minimum(t - 1)[0]) / 2
        g_t = [model.minimum(t + d)[1] for d in (-5, 0, 5)]
        cp = -t * (g_t[0] - 2 * g_t[1] + g_t[2]) / 25
        assert row.thermal_expansion_per_K == pytest.approx(dv / volume, rel=2e-2), t
        assert row.heat_capacity_p_eV_per_K_per_atom == pytest.approx(cp, rel=2e-3), t
    # the stub expands: a few per cent from 0 to 400 K, α of order 1e-4/K
    expansion = result.row(400).volume_A3_per_atom / result.row(0).volume_A3_per_atom - 1
    assert 0.02 < expansion < 0.05
    assert result.row(300).heat_capacity_p_eV_per_K_per_atom > 3 * kB * 0.9


def test_units_g_at_0K_is_e0_plus_zero_point_energy_in_eV(stub_phase):
    """With frequencies that do not depend on volume (γ = 0), V(0) = V0 and G(0) = E0 + ZPE,
    ZPE = (3/2) ħω averaged over the atoms, in eV from CODATA constants (to 1 µeV/atom: the
    Vinet fit of this E(V), which is not Vinet, is off by 0.2 µeV/atom)."""
    model = stub_phase[2]
    flat = Einstein(model.e0, model.v0, model.k0, model.masses, gamma=0.0)
    result = quasi_harmonic(PHASE, flat.points(np.linspace(0.96, 1.08, 7)), [0.0])
    zpe = 1.5 * float(np.mean(flat.quanta_eV(1.0)))
    assert 0.01 < zpe < 0.05  # Na2S's Einstein quanta are ~10 meV: a per-atom eV value
    assert result.row(0).gibbs_energy_eV_per_atom == pytest.approx(model.e0 + zpe, abs=1e-6)
    assert result.row(0).volume_A3_per_atom == pytest.approx(model.v0, rel=1e-5)


@pytest.mark.parametrize(
    ("field", "factor", "says"),
    [
        ("free_energy_eV_per_atom", 1 / EV_PER_KJ_PER_MOL, "zero-point energy"),  # kJ/mol
        ("heat_capacity_eV_per_K_per_atom", 1e3 / EV_PER_KJ_PER_MOL, "3 k_B"),  # J/K/mol
        ("entropy_eV_per_K_per_atom", 3.0, "ΔF ≠ −∫S dT"),  # S per Na2S cell, F per atom
        ("free_energy_eV_per_atom", 3.0, "ΔF ≠ −∫S dT"),  # F per cell, S per atom
    ],
)
def test_values_not_in_ev_per_atom_refuse_the_phase(stub_phase, field, factor, says):
    model = stub_phase[2]
    points = model.points(np.linspace(0.96, 1.08, 7))
    wrong = VolumePoint(
        **{**vars(points[3]), field: [v * factor for v in getattr(points[3], field)]}
    )
    result = quasi_harmonic(PHASE, [*points[:3], wrong, *points[4:]], TEMPERATURES_K)
    assert result.refused is not None and result.rows == ()
    assert says in result.refused and "not in eV/atom" in result.refused
    assert PHASE in result.refused and "\n" not in result.refused
    assert [(c.kind, c.ok) for c in result.checks] == [("QHA input", False)]


@pytest.mark.parametrize("policy", ["exclude", "keep", "refuse"])
def test_an_imaginary_volume_is_listed_and_handled_by_the_policy(stub_phase, policy):
    """The largest volume has soft modes: excluded (the fit runs on six, the range shrinks and is
    recorded) or the phase refused; either way the check names the volume and the policy."""
    model = stub_phase[2]
    points = model.points(np.linspace(0.96, 1.08, 7))
    soft = VolumePoint(
        **{**vars(points[-1]), "imaginary_modes": 4, "min_frequency_THz": -0.8}
        | {"imaginary_tolerance_THz": -0.05}
    )
    result = quasi_harmonic(PHASE, [*points[:-1], soft], [0, 300], imaginary_policy=policy)
    check = next(c for c in result.checks if c.kind == "QHA imaginary modes")
    assert not check.ok
    assert f"{soft.volume_A3_per_atom:.3f} Å³/atom: 4 modes" in check.message
    assert "-0.800 THz" in check.message and repr(policy) in check.message
    if policy == "exclude":
        assert result.refused is None
        assert [p.used for p in result.points] == [True] * 6 + [False]
        assert result.points[-1].reason == "4 modes below -0.05 THz, lowest -0.800 THz"
        assert result.sampled_range_A3_per_atom[1] == pytest.approx(points[-2].volume_A3_per_atom)
        assert result.row(300).volume_A3_per_atom == pytest.approx(model.minimum(300)[0], rel=1e-4)
    elif policy == "keep":  # used, its imaginary modes already left out of its F_vib
        assert result.refused is None and all(p.used for p in result.points)
        assert result.points[-1].reason.endswith("lowest -0.800 THz, left out of its F_vib")
        assert "used, those modes left out of F_vib" in check.message
        assert result.sampled_range_A3_per_atom[1] == pytest.approx(soft.volume_A3_per_atom)
    else:
        assert result.rows == () and "QHA refused" in result.refused
        assert "policy 'refuse'" in result.refused
        assert not any(p.used for p in result.points)
    document = json.loads(json.dumps(result.as_dict()))  # a plain document for results.json
    assert QhaResult.from_dict(document) == result


def test_from_phonopy_counts_imaginary_modes(stub_phase):
    """Force constants of the wrong sign: every mode imaginary, counted with the tolerance."""
    calc, ref, _ = stub_phase
    settings = PhononSettings(mesh_length_A=5.0)
    ph = phonons.displacements(ref.structure, (1, 1, 1), settings)
    model = calc.ase_calculator()
    forces = []
    for displaced in phonons.displaced_supercells(ph):
        atoms = AseAtomsAdaptor.get_atoms(displaced)
        atoms.calc = model
        forces.append(-atoms.get_forces())
    ph.forces = np.array(forces)
    point = VolumePoint.from_phonopy(ph, -10.0, 3, GRID, settings, label="inverted")
    fresh = phonons.displacements(ref.structure, (1, 1, 1), settings)
    data = PhononInput(fresh, forces, settings, symmetrize_fc=False, source="inverted")
    assert VolumePoint.from_phonon_input(data, -10.0, 3, GRID) == point
    assert point.imaginary_modes >= 9 and point.imaginary_tolerance_THz == -0.05
    assert point.min_frequency_THz < -1
    assert point.volume_A3_per_atom == pytest.approx(ref.structure.volume / 3)
    assert point.energy_eV_per_atom == pytest.approx(-10.0 / 3)


def test_too_few_usable_volumes_refuse_the_phase(stub_phase):
    model = stub_phase[2]
    points = model.points(np.linspace(0.96, 1.08, 7))
    soft = [VolumePoint(**{**vars(p), "imaginary_modes": 2}) for p in points[4:]]
    result = quasi_harmonic(PHASE, [*points[:4], *soft], [0, 300])
    assert result.rows == ()
    assert result.refused == (
        f"{PHASE}: QHA refused: 4 usable volumes of 7 (3 with imaginary modes), at least 5 needed"
    )


def test_a_minimum_outside_the_sampled_volumes_is_refused_at_that_temperature(stub_phase):
    """Volumes 0.97–1.03 V0 hold the minimum at 0 and 100 K, not at 400 K (+3.3 %): there the
    row is refused in one line naming the phase, T and the range; phonopy's fit would have
    returned a volume beyond the last point."""
    model = stub_phase[2]
    points = model.points(np.linspace(0.97, 1.03, 7))
    result = quasi_harmonic(PHASE, points, [*TEMPERATURES_K, 250.0])
    assert result.row(100).refused is None
    assert result.row(100).volume_A3_per_atom == pytest.approx(model.minimum(100)[0], rel=1e-4)
    row = result.row(400)
    low, high = (p.volume_A3_per_atom for p in (points[0], points[-1]))
    assert model.minimum(400)[0] > high  # the closed form agrees it is outside
    assert row.volume_A3_per_atom is None and row.gibbs_energy_eV_per_atom is None
    said = re.fullmatch(
        rf"{PHASE} at 400 K: equilibrium volume (\S+) Å³/atom at or beyond "
        rf"the sampled {low:.3f}–{high:.3f} Å³/atom: refused, no extrapolation",
        row.refused,
    )
    assert said and float(said[1]) == pytest.approx(model.minimum(400)[0], abs=2e-3)
    # at 250 K the volume is inside (by 0.07 %), but not at 260 K, which dV/dT at 250 K needs
    assert result.row(250).refused.startswith(f"{PHASE} at 250 K: equilibrium volume ")
    assert "(at 260 K, for dV/dT)" in result.row(250).refused
    check = next(c for c in result.checks if c.kind == "QHA volume range")
    assert not check.ok and "refused at" in check.message and "400 K" in check.message


def test_a_poor_equation_of_state_fit_is_flagged_with_its_threshold(stub_phase):
    """±0.5 meV/atom of noise on E(V): the fit's residual exceeds 0.1 meV/atom, and says so."""
    model = stub_phase[2]
    points = model.points(np.linspace(0.96, 1.08, 7))
    noisy = [
        VolumePoint(**{**vars(p), "energy_eV_per_atom": p.energy_eV_per_atom + 5e-4 * (-1) ** i})
        for i, p in enumerate(points)
    ]
    clean = quasi_harmonic(PHASE, points, [300])
    result = quasi_harmonic(PHASE, noisy, [300])
    assert next(c for c in clean.checks if c.kind == "QHA EOS fit").ok
    check = next(c for c in result.checks if c.kind == "QHA EOS fit")
    assert not check.ok and "above 0.1 meV/atom" in check.message
    assert result.max_eos_residual_eV_per_atom > 1e-4 > clean.max_eos_residual_eV_per_atom
    assert any("0.1 meV/atom" in flag for flag in result.row(300).flags)
    assert result.row(300).refused is None  # flagged, still a result

    # ten times that noise: the residual passes 1 meV/atom and the temperature is refused
    worse = [
        VolumePoint(**{**vars(p), "energy_eV_per_atom": p.energy_eV_per_atom + 5e-3 * (-1) ** i})
        for i, p in enumerate(points)
    ]
    row = quasi_harmonic(PHASE, worse, [300]).row(300)
    assert row.volume_A3_per_atom is None and row.gibbs_energy_eV_per_atom is None
    assert re.fullmatch(
        rf"{PHASE} at 300 K: EOS residual [0-9.]+ meV/atom, above 1 meV/atom: refused, V\(T\) not determined",
        row.refused,
    )


def test_temperatures_at_or_above_a_phase_change_are_flagged(stub_phase):
    points = stub_phase[2].points(np.linspace(0.96, 1.08, 7))
    change = PhaseChange(350.0, "β → α")
    result = quasi_harmonic(PHASE, points, TEMPERATURES_K, phase_changes=[change])
    check = next(c for c in result.checks if c.kind == "QHA phase change")
    assert not check.ok and check.message.startswith("400 K ≥ 350 K (β → α)")
    assert result.row(300).flags == () and "phase change at 350 K" in result.row(400).flags[0]


def test_bad_arguments_raise_before_any_work(stub_phase):
    points = stub_phase[2].points(np.linspace(0.96, 1.08, 7))
    with pytest.raises(ValueError, match="imaginary_policy"):
        quasi_harmonic(PHASE, points, [300], imaginary_policy="ignore")
    with pytest.raises(ValueError, match="305 K needs"):
        quasi_harmonic(PHASE, points, [305])
    assert 298.15 in temperature_grid([298.15]) and 308.15 in temperature_grid([298.15])


def _hostile_cases(model: Einstein) -> dict[str, tuple[list[VolumePoint], str]]:
    """Broken inputs, each with the words its one-line refusal must hold."""
    points = model.points(np.linspace(0.96, 1.08, 7))
    first = vars(points[0])
    nan = VolumePoint(
        **{**first, "free_energy_eV_per_atom": (np.nan, *first["free_energy_eV_per_atom"][1:])}
    )
    coarse = model.points(np.linspace(0.96, 1.08, 7), grid=GRID[::2])
    concave = [
        VolumePoint(**{**vars(p), "energy_eV_per_atom": -10 * p.energy_eV_per_atom}) for p in points
    ]
    return {
        "no points": ([], "no volume points"),
        "a NaN free energy": ([nan, *points[1:]], "not finite"),
        "grids differ": ([coarse[0], *points[1:]], "temperatures differ"),
        "a volume twice": ([points[0], *points], "share a volume"),
        "grid not from 0 K": (model.points(np.linspace(0.96, 1.08, 7), grid=GRID[1:]), "from 0 K"),
        "per-cell volume": (
            [VolumePoint(**{**first, "volume_A3_per_atom": 500.0}), *points[1:]],
            "volume outside 2–200 Å³/atom",
        ),
        "no minimum (concave E)": (concave, "fit failed"),
    }


def test_hostile_inputs_give_one_line_refusals_never_tracebacks(stub_phase):
    for name, (points, says) in _hostile_cases(stub_phase[2]).items():
        result = quasi_harmonic(PHASE, points, [0.0, 300.0])
        reasons = [result.refused] if result.refused else [r.refused for r in result.rows]
        assert reasons and all(r and says in r and "\n" not in r for r in reasons), (name, reasons)
        assert all(PHASE in r for r in reasons) and not all(c.ok for c in result.checks), name
        json.dumps(result.as_dict())


def test_measured_volume_and_expansion_are_compared_at_the_nearest_grid_temperature():
    """V(T) and α(T) beside experiment.toml's values at the computed temperature nearest the
    measured one; a measurement more than 10 K from every computed row is not compared."""
    from pymatgen.core import Lattice, Structure

    from nasx.analysis.readers.records import PhaseRecord
    from nasx.analysis.thermo.qha import QhaResult, QhaRow
    from nasx.analysis.thermo.qha_experiment import compare
    from nasx.structures.experiment import Experiment, Measured, MeasuredPhase

    na = Structure(Lattice.cubic(4.29), ["Na", "Na"], [[0, 0, 0], [0.5, 0.5, 0.5]])
    record = PhaseRecord(id="Na_Im-3m", formula="Na", structure=na)
    rows = tuple(
        QhaRow(t, volume_A3_per_atom=38.0 + t / 100, thermal_expansion_per_K=1e-4 + t * 1e-7)
        for t in (0.0, 280.0, 290.0, 300.0)
    )
    result = QhaResult("Na_Im-3m", "vinet", "exclude", rows, (), ())

    def measured(temperature_K: float) -> Experiment:
        def value(number: float) -> Measured:
            return Measured(
                {"value": number, "temperature_K": temperature_K}, "a table", "high", True
            )

        values = {"volume": value(39.0), "thermal_expansion": value(2e-4)}
        return Experiment(phases=(MeasuredPhase("Na", 229, "Na (bcc)", True, values),))

    found, checks = compare({"Na_Im-3m": result}, {}, [record], measured(293.0))
    m = found["Na_Im-3m"]
    assert m.volume_temperature_K == 290 and m.volume_A3_per_atom.computed == pytest.approx(40.9)
    assert m.volume_A3_per_atom.relative_difference == pytest.approx(1.9 / 39.0)
    assert m.volume_A3_per_atom.ok is True  # within 5 %
    assert m.thermal_expansion_per_K.computed == pytest.approx(1.29e-4)
    assert m.thermal_expansion_per_K.ok is False  # −35.5 %, beyond 30 %
    [failed] = [c for c in checks if not c.ok]
    assert (
        failed.kind == "QHA experiment: thermal expansion"
        and "-36 % (tolerance ±30 %)" in failed.message
    )
    far, none = compare({"Na_Im-3m": result}, {}, [record], measured(320.0))
    assert far == {} and none == []
