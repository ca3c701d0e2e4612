"""Imaginary modes located and classified on constructed force constants with known answers.

A simple-cubic crystal of one Na atom with a spring ``k0`` to its site and ``k`` to its six
neighbours has ω²(q) ∝ k0 + 2k Σ_a (1 − cos 2πq_a): k0 < 0 < k is unstable at Γ only (a double
well in the same cell); k < 0 < k0 + 8k with k0 + 12k < 0 only at R = (½, ½, ½).
"""

import numpy as np
import pytest
from phonopy import Phonopy
from phonopy.structure.atoms import PhonopyAtoms

from nasx.phonon_modes import (
    gamma_acoustic_THz,
    imaginary_modes,
    location,
    max_row_sum_eV_per_A2,
)

TOLERANCE_THZ = -0.05


def cubic_chain(k0: float, k: float) -> Phonopy:
    """Force constants (eV/Å²) of the 2×2×2 supercell of one-atom simple-cubic Na (a = 3 Å)."""
    unit = PhonopyAtoms(symbols=["Na"], cell=np.eye(3) * 3.0, scaled_positions=[[0, 0, 0]])
    ph = Phonopy(unit, supercell_matrix=np.diag([2, 2, 2]))
    positions = np.rint(ph.supercell.scaled_positions * 2).astype(int)
    fc = np.zeros((8, 8, 3, 3))
    for i, pi in enumerate(positions):
        for j, pj in enumerate(positions):
            delta = (pj - pi) % 2
            if not delta.any():
                fc[i, j] = (k0 + 6 * k) * np.eye(3)
            elif delta.sum() == 1:  # the ±a neighbours along one axis are the same atom
                fc[i, j] = -2 * k * np.eye(3)
    ph.force_constants = fc
    ph.run_mesh([4, 4, 4])
    return ph


def test_a_double_well_at_the_site_is_an_instability_at_gamma():
    modes = imaginary_modes(cubic_chain(-0.5, 1.0), TOLERANCE_THZ, False, None)
    assert modes.modes[0].location == "Γ"
    assert modes.modes[0].frequency_THz < TOLERANCE_THZ
    assert {m.location for m in modes.modes if m.location != "general q"} == {"Γ"}
    assert modes.classification.startswith("instability at Γ")


def test_a_negative_neighbour_spring_is_an_instability_at_the_r_point():
    modes = imaginary_modes(cubic_chain(1.0, -0.1), TOLERANCE_THZ, False, None)
    assert modes.modes[0].location == "zone boundary (½, ½, ½)"
    assert modes.modes[0].q_reduced == (0.5, 0.5, 0.5)
    assert all(m.location != "Γ" for m in modes.modes)
    assert "zone boundary (½, ½, ½)" in modes.classification
    assert "supercell distortion" in modes.classification


def test_a_stable_crystal_has_no_imaginary_mode_and_says_so():
    modes = imaginary_modes(cubic_chain(1.0, 0.5), TOLERANCE_THZ, False, None)
    assert modes.modes == () and modes.n_mesh_modes == 0
    assert modes.classification.startswith("none")


def test_modes_removed_by_symmetrising_are_called_noise():
    modes = imaginary_modes(cubic_chain(1.0, 0.5), TOLERANCE_THZ, False, n_before=7)
    assert modes.n_removed_by_symmetrization == 7
    assert modes.classification.startswith("numerical noise: 7 mesh mode(s)")


def test_sum_rule_measures_the_on_site_spring():
    ph = cubic_chain(0.0, 1.0)  # translation invariant: acoustic modes vanish at Γ
    assert max_row_sum_eV_per_A2(ph) == pytest.approx(0.0, abs=1e-12)
    assert gamma_acoustic_THz(ph) == pytest.approx(0.0, abs=1e-6)
    assert max_row_sum_eV_per_A2(cubic_chain(0.7, 1.0)) == pytest.approx(0.7)


@pytest.mark.parametrize(
    "q, name",
    [
        ((0, 0, 0), "Γ"),
        ((1, 0, -1), "Γ"),
        ((0.5, 0, 0), "zone boundary (½, 0, 0)"),
        ((-0.5, 0.5, 0), "zone boundary (½, ½, 0)"),
        ((0.25, 0, 0), "general q"),
    ],
)
def test_location_names_the_point(q, name):
    assert location(np.array(q)) == name


def _mode(q, nu, where):
    from nasx.phonon_modes import ImaginaryMode

    return ImaginaryMode(q, 3, nu, where)


def test_a_commensurate_mode_near_a_general_q_minimum_names_the_instability():
    from nasx.phonon_modes import LEADING_MARGIN_THZ, _classification, leading_mode

    general = _mode((0.077, 0.0, 0.0), -0.3145, "general q")
    gamma = _mode((0.0, 0.0, 0.0), -0.3135, "Γ")  # CHGNet's Na2S5: 1 mTHz above
    boundary = _mode((0.5, 0.0, 0.0), -0.3140, "zone boundary (½, 0, 0)")
    assert leading_mode([general, boundary, gamma]) is gamma  # Γ before a zone boundary
    assert leading_mode([general, boundary]) is boundary
    far = _mode((0.0, 0.0, 0.0), general.frequency_THz + 2 * LEADING_MARGIN_THZ, "Γ")
    assert leading_mode([general, far]) is general  # a real general-q minimum stays
    lowest_boundary = _mode((0.5, 0.0, 0.0), -0.40, "zone boundary (½, 0, 0)")
    assert leading_mode([lowest_boundary, gamma]) is lowest_boundary  # lowest commensurate
    assert leading_mode([]) is None
    text = _classification([general, gamma], 0, -0.05)
    assert text.startswith("instability at Γ (-0.314 THz, branch 3)")
    assert "the mesh's lowest mode, -0.315 THz at (0.077, 0.000, 0.000)" in text
