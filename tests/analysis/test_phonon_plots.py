"""Per-phase phonon figures on hand-built force constants: what is drawn and what is marked."""

import re

import pytest

from nasx.analysis.report import phonon_plots
from nasx.structures import PhaseChange
from tests.test_phonon_bands import NA_MASS_AMU, thz
from tests.test_phonon_modes import cubic_chain

MELTS = PhaseChange(370.9, "sodium melts")
FAR = PhaseChange(1449.0, "Na2S melts")


def test_an_unstable_crystal_is_drawn_below_zero_and_its_phase_changes_marked(tmp_path):
    (tmp_path / "phonon_dos.png").write_bytes(b"from an older nasx")
    k0 = -0.5  # an instability at Γ (tests/test_phonon_modes.py)
    figures = phonon_plots.write(
        cubic_chain(k0, 1.0), tmp_path, "Na_Pm-3m", [300.0], "test model", [FAR, MELTS]
    )
    assert {p.name for p in figures.paths} == {
        "band.yaml",
        "band_structure.png",
        "thermal_properties.png",
    }
    assert all(p.stat().st_size > 0 for p in figures.paths)
    assert not (tmp_path / "phonon_dos.png").exists()
    assert figures.band_path.text() == "Γ–X–M–Γ–R–X|R–M"
    assert figures.band_range_THz[0] == pytest.approx(thz(k0 / NA_MASS_AMU), rel=1e-6)
    text = (tmp_path / "band.yaml").read_text()
    frequencies = [float(v) for v in re.findall(r"frequency:\s+(\S+)", text)]
    assert min(frequencies) == pytest.approx(thz(k0 / NA_MASS_AMU), rel=1e-6)
    assert r"- [ '$\Gamma$', '$\mathrm{X}$' ]" in text
    # drawn up to 800 K: sodium's melting is marked, Na2S's at 1449 K is beyond the plot
    assert figures.phase_changes_marked == (MELTS,)


def test_a_requested_temperature_beyond_a_phase_change_widens_the_plot_to_show_it(tmp_path):
    figures = phonon_plots.write(
        cubic_chain(1.0, 0.5), tmp_path, "Na_Pm-3m", [1500.0], "test model", [FAR, MELTS]
    )
    assert figures.phase_changes_marked == (MELTS, FAR)  # in temperature order
    assert figures.band_range_THz[0] == pytest.approx(thz(1.0 / NA_MASS_AMU), rel=1e-6)  # Γ


def test_without_a_path_the_dos_is_still_drawn_and_no_stale_bands_stay(tmp_path, monkeypatch):
    (tmp_path / "band.yaml").write_text("from another analysis")

    def no_path(ph):
        raise ValueError("odd cell")

    monkeypatch.setattr(phonon_plots, "high_symmetry_path", no_path)
    figures = phonon_plots.write(cubic_chain(1.0, 0.5), tmp_path, "x", [300.0], "test model")
    assert figures.band_path is None and figures.band_range_THz is None
    assert figures.band_error == "no high-symmetry path: ValueError: odd cell"
    assert not (tmp_path / "band.yaml").exists()
    assert (tmp_path / "band_structure.png").exists()
    assert figures.phase_changes_marked == ()
