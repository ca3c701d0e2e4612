"""Mode following recovers the double-well models' closed-form distortions."""

import pytest

from nasx.mode_following import commensurate_supercell, follow_mode
from nasx.settings import RelaxSettings
from tests.double_well import GAMMA_MODEL, M_MODEL, DoubleWellCalculator, phonopy_of

CASES = {
    "gamma": (GAMMA_MODEL, (1, 1, 1), ("P4/mmm", 123), ("P4mm", 99)),
    "M": (M_MODEL, (2, 2, 1), ("P4/mmm", 123), ("P4/nmm", 129)),
}


@pytest.mark.parametrize("case", CASES)
def test_following_recovers_the_closed_form_distortion(case, tmp_path):
    model, supercell, before, after = CASES[case]
    ph, thermal = phonopy_of(model)
    mode = thermal.imaginary_modes.modes[0]
    found = follow_mode(
        ph, DoubleWellCalculator(model), mode, RelaxSettings(fmax_eV_per_A=1e-4), tmp_path
    )
    assert found.converged
    assert found.supercell == supercell
    assert (found.space_group_before.symbol, found.space_group_before.number) == before
    assert (found.space_group_after.symbol, found.space_group_after.number) == after
    assert found.max_displacement_A == pytest.approx(model.amplitude_A, abs=1e-4)
    assert found.energy_gain_meV_per_atom == pytest.approx(model.energy_gain_meV_per_atom, abs=1e-3)
    assert found.energy_symmetric_eV_per_atom == pytest.approx(model.e0_eV_per_atom, abs=1e-12)


def test_commensurate_supercell():
    assert commensurate_supercell((0.0, 0.5, 0.0)) == (1, 2, 1)
    assert commensurate_supercell((0.25, 0.0, 1 / 3)) == (4, 1, 3)
    assert commensurate_supercell((0.123456, 0.0, 0.0)) is None
