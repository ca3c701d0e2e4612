"""Per-phase phonon figures on hand-built force constants: what is drawn and what is marked."""

import re

import pytest
from matplotlib.colors import to_rgba

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


def test_f_s_and_cv_are_grey_beyond_the_first_phase_change(tmp_path, saved_figures):
    # sodium melts at 370.9 K: beyond it the harmonic crystal's F, S and Cv describe nothing
    phonon_plots.write(
        cubic_chain(1.0, 0.5), tmp_path, "Na_Pm-3m", [300.0], "test model", [FAR, MELTS]
    )
    fig = saved_figures["thermal_properties.png"]
    panels = [ax for ax in fig.axes if ax.get_xlabel() == "T (K)"]
    assert [ax.get_ylabel() for ax in panels] == [
        "F_vib (meV/atom)",
        "S (meV/K/atom)",
        "Cv (meV/K/atom)",
    ]
    for ax in panels:
        curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
        grey = [line for line in curves if to_rgba(line.get_color())[:3] == (0.6, 0.6, 0.6)]
        coloured = [line for line in curves if line not in grey]
        assert len(coloured) == 1 and len(grey) == 1, ax.get_ylabel()
        assert max(coloured[0].get_xdata()) == pytest.approx(MELTS.temperature_K)
        assert min(grey[0].get_xdata()) == pytest.approx(MELTS.temperature_K)
        assert max(grey[0].get_xdata()) == pytest.approx(800.0)
        # the two parts meet: one curve, only its colour changes
        assert coloured[0].get_ydata()[-1] == pytest.approx(grey[0].get_ydata()[0])
    assert "grey beyond 370.9 K" in fig.get_suptitle()


def test_without_a_phase_change_in_range_the_curves_stay_coloured_to_the_end(
    tmp_path, saved_figures
):
    phonon_plots.write(cubic_chain(1.0, 0.5), tmp_path, "Na2S", [300.0], "test model", [FAR])
    fig = saved_figures["thermal_properties.png"]
    for ax in (ax for ax in fig.axes if ax.get_xlabel() == "T (K)"):
        curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
        assert len(curves) == 1 and max(curves[0].get_xdata()) == pytest.approx(800.0)
    assert "grey" not in fig.get_suptitle()
