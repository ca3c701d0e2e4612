"""High-symmetry paths in phonopy's own primitive cell, on crystals with closed-form phonons.

A one-atom orthorhombic crystal with a spring ``k0`` to its site and ``k_a`` to its two
neighbours along each axis a has ω²(q) = (k0 + 2 Σ_a k_a (1 − cos 2πq_a)) / m, so at the zone
face along axis a, ω² = (k0 + 4 k_a) / m: the frequency at SeeK-path's X, Y and Z names the
axis, whatever order the cell's vectors are given in.
"""

import numpy as np
import pytest
import seekpath
from ase.units import _amu, _e
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms

from nasx.phonon_bands import high_symmetry_path, label_tex, label_text, run_bands
from tests.test_phonon_modes import cubic_chain

NA_MASS_AMU = 22.98976928
K0 = 0.3  # eV/Å²


def thz(omega_squared_eV_per_A2_amu: float) -> float:
    """ν (THz, negative for ω² < 0) of ω² given in eV/Å²/amu."""
    omega = np.sqrt(abs(omega_squared_eV_per_A2_amu) * _e / 1e-20 / _amu)
    return float(np.sign(omega_squared_eV_per_A2_amu) * omega / (2 * np.pi) / 1e12)


def orthorhombic(lengths_A: list[float], springs_eV_per_A2: list[float]) -> Phonopy:
    """The crystal above, cell axes of ``lengths_A`` with neighbour springs ``springs``, 2×2×2."""
    unit = PhonopyAtoms(symbols=["Na"], cell=np.diag(lengths_A), scaled_positions=[[0.0, 0.0, 0.0]])
    # the cell as given is phonopy's primitive cell, as in a user's set whose yaml says so
    # ("auto" would standardise it to a < b < c and hide the setting)
    ph = Phonopy(unit, supercell_matrix=np.diag([2, 2, 2]), primitive_matrix="P")
    positions = np.rint(ph.supercell.scaled_positions * 2).astype(int)
    fc = np.zeros((8, 8, 3, 3))
    for i, pi in enumerate(positions):
        for j, pj in enumerate(positions):
            delta = (pj - pi) % 2
            if not delta.any():
                fc[i, j] = (K0 + 2 * sum(springs_eV_per_A2)) * np.eye(3)
            elif delta.sum() == 1:  # both ±a neighbours are the same supercell atom
                fc[i, j] = -2 * springs_eV_per_A2[int(np.argmax(delta))] * np.eye(3)
    ph.force_constants = fc
    return ph


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_x_y_z_are_the_same_zone_faces_in_any_setting_of_the_cell(order):
    lengths, springs = [3.0, 4.0, 5.0], [1.0, 0.5, 0.25]  # the spring belongs to its axis
    ph = orthorhombic([lengths[i] for i in order], [springs[i] for i in order])
    assert np.allclose(ph.primitive.cell, np.diag([lengths[i] for i in order]))
    path = high_symmetry_path(ph)
    assert path.bravais_lattice == "oP1"
    standard = seekpath.get_path(ph.primitive.totuple())["point_coords"]["X"]
    assert (list(path.points["X"]) == standard) == (order == (0, 1, 2))  # naive use is wrong
    # SeeK-path's standard cell has a < b < c: X faces the 3 Å axis, Y the 4 Å, Z the 5 Å
    for name, axis in (("X", 0), ("Y", 1), ("Z", 2)):
        q = np.array(path.points[name])
        cartesian = np.linalg.inv(ph.primitive.cell) @ q  # 1/Å, no 2π
        assert np.linalg.norm(cartesian) == pytest.approx(1 / (2 * lengths[axis]))
        ph.run_qpoints([q])
        expected = thz((K0 + 4 * springs[axis]) / NA_MASS_AMU)
        assert ph.qpoints.frequencies[0] == pytest.approx([expected] * 3, rel=1e-6)
    bands = run_bands(ph, path)
    assert path.segments[1] == ("X", "S")  # Γ–X–S–Y–…: segment 1 starts at X
    assert bands.frequencies_THz[1][0] == pytest.approx(
        [thz((K0 + 4 * springs[0]) / NA_MASS_AMU)] * 3, rel=1e-6
    )


def test_a_gamma_instability_runs_below_zero_at_gamma_only():
    k0, k = -0.5, 1.0  # ω²(Γ) = k0/m < 0, ω²(R) = (k0 + 12k)/m > 0
    ph = cubic_chain(k0, k)
    path = high_symmetry_path(ph)
    assert path.text() == "Γ–X–M–Γ–R–X|R–M"
    bands = run_bands(ph, path)
    assert [label for _, label in bands.ticks] == ["Γ", "X", "M", "Γ", "R", "X|R", "M"]
    assert bands.frequencies_THz[0][0] == pytest.approx([thz(k0 / NA_MASS_AMU)] * 3, rel=1e-6)
    r_point = bands.frequencies_THz[path.segments.index(("R", "X"))][0]
    assert r_point == pytest.approx([thz((k0 + 12 * k) / NA_MASS_AMU)] * 3, rel=1e-6)
    assert bands.ticks[-1][0] == pytest.approx(float(bands.distances[-1][-1]))


def test_a_zone_boundary_instability_runs_below_zero_at_r_only():
    k0, k = 1.0, -0.1
    ph = cubic_chain(k0, k)
    bands = run_bands(ph, high_symmetry_path(ph))
    segments = high_symmetry_path(ph).segments
    r_point = bands.frequencies_THz[segments.index(("R", "X"))][0]
    assert r_point == pytest.approx([thz((k0 + 12 * k) / NA_MASS_AMU)] * 3, rel=1e-6)
    assert (r_point < 0).all() and (bands.frequencies_THz[0][0] > 0).all()


def test_point_names_in_unicode_and_in_phonopys_mathtext():
    assert [label_text(n) for n in ("GAMMA", "S_0", "SIGMA_1", "X")] == ["Γ", "S₀", "Σ₁", "X"]
    assert label_tex("GAMMA") == r"$\Gamma$"
    assert label_tex("U_0") == r"$\mathrm{U}_{0}$"
