"""GPAW's settings record and its checks: no GPAW needed (they run before any job)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nasx.arguments import ArgumentError
from nasx.cli import main
from nasx.errors import NasxInputError
from nasx.gpaw_settings import GpawSettings, is_metal
from nasx.run_document import calculation_key_of
from nasx.study import StudyOptions
from nasx.workflows.calculators.gpaw_r2scan import GpawCalculator, require_gpaw


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({"ecut": 600}, "unknown GPAW setting 'ecut' (settings: ecut_eV,"),
        ({"ecut_eV": "lots"}, "ecut_eV: 'lots' is not a number"),
        ({"ecut_eV": 10}, "ecut_eV: 10 is outside [50, 3000]"),
        ({"kpoint_length_A": float("nan")}, "kpoint_length_A: 'nan' is not a finite number"),
        ({"smearing": "gaussian"}, "smearing: 'gaussian' is not one of 'marzari-vanderbilt'"),
        ({"mixer": ""}, "mixer: '' is not a name"),
        ({"scf_max_iterations": 0}, "scf_max_iterations: 0 is not ≥ 1"),
        ({"scf_max_iterations": 2.5}, "scf_max_iterations: 2.5 is not a whole number"),
        ({"symmorphic_only": "maybe"}, "symmorphic_only: 'maybe' is not True or False"),
    ],
)
def test_a_bad_gpaw_setting_is_refused_naming_it(given, fragment):
    with pytest.raises(ArgumentError, match=r"^gpaw: ") as caught:
        StudyOptions.from_arguments(calculator="gpaw", gpaw=given)
    assert caught.value.argument == "gpaw"
    assert fragment in caught.value.problem


def test_command_line_values_are_converted_and_the_rest_keep_their_defaults():
    options = StudyOptions.from_arguments(
        calculator="gpaw", gpaw={"ecut_eV": "700", "symmorphic_only": "false"}
    )
    assert options.gpaw == GpawSettings(ecut_eV=700.0, symmorphic_only=False)


def test_gpaw_settings_without_the_gpaw_calculator_are_refused():
    with pytest.raises(ArgumentError, match="gpaw is not a calculator of this study"):
        StudyOptions.from_arguments(calculator="stub", gpaw={"ecut_eV": 500}).resolve()


def test_the_command_line_names_the_option_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["run", "--calculator", "gpaw", "--gpaw", "ecut_eV=5", "--out", str(out)])
    assert status == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "nasx: error: --gpaw: ecut_eV: 5 is outside [50, 3000]"
    )
    assert not out.exists()
    assert main(["run", "--calculator", "gpaw", "--gpaw", "ecut_eV", "--out", str(out)]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_kpoint_grid_follows_the_heights_of_the_cell():
    settings = GpawSettings(kpoint_length_A=25.0)
    assert settings.kpoint_grid(np.diag([4.0, 5.0, 25.0])) == (7, 5, 1)
    fcc = 6.54 / 2 * np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]])  # Na2S's primitive cell
    assert settings.kpoint_grid(fcc) == (7, 7, 7)  # heights a/√3 = 3.78 Å
    assert GpawSettings(kpoint_length_A=1.0).kpoint_grid(np.diag([8.0] * 3)) == (1, 1, 1)
    bcc = 4.23 / 2 * np.array([[-1, 1, 1], [1, -1, 1], [1, 1, -1]])  # Na's primitive cell
    assert GpawSettings().kpoint_grid(bcc) == (7, 7, 7)  # heights a/√2 = 2.99 Å, L = 20 Å
    assert GpawSettings().kpoint_grid(bcc, metal=True) == (14, 14, 14)  # L = 40 Å


def test_metals_are_cells_of_metallic_elements_only():
    assert is_metal(["Na"]) and is_metal(["Na", "K"])
    assert not is_metal(["Na", "S"]) and not is_metal(["S"]) and not is_metal(["Se"])


def test_gpaw_parameters_carry_every_setting():
    settings = GpawSettings(ecut_eV=450, smearing="fermi-dirac", scf_max_iterations=40)
    parameters = settings.gpaw_parameters(np.diag([4.0, 4.0, 4.0]))
    assert settings.gpaw_parameters(np.diag([4.0] * 3), metal=True)["kpts"]["size"] == (10, 10, 10)
    assert parameters["mode"] == {"name": "pw", "ecut": 450}
    assert parameters["xc"] == "MGGA_X_R2SCAN+MGGA_C_R2SCAN"
    assert parameters["kpts"] == {"size": (5, 5, 5), "gamma": True}
    assert parameters["occupations"] == {"name": "fermi-dirac", "width": 0.2}
    assert parameters["mixer"] == {"name": "pulay"}
    assert parameters["maxiter"] == 40
    assert parameters["convergence"] == {"energy": 1e-5, "density": 1e-5, "forces": 1e-4}
    assert "mixer" not in GpawSettings(mixer="default").gpaw_parameters(np.eye(3) * 4)


def test_the_settings_travel_with_the_calculator_and_fix_the_calculation_key():
    calculator = GpawCalculator(GpawSettings(ecut_eV=500))
    again = GpawCalculator.from_dict(calculator.as_dict())
    assert again.settings == calculator.settings
    keys = [
        calculation_key_of({"calculator": {"name": "gpaw", "object": c.as_dict()}})
        for c in (calculator, GpawCalculator(GpawSettings(ecut_eV=600)))
    ]
    assert keys[0] != keys[1]


def test_a_missing_gpaw_is_one_line_naming_the_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gpaw" else real(name, *a)
    )
    with pytest.raises(NasxInputError, match="needs the optional package gpaw") as caught:
        require_gpaw()
    assert "scripts/install_gpaw.sh" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_repeated_gpaw_options_add_up_and_a_key_given_twice_is_refused(tmp_path, capsys):
    """`--gpaw A=1 --gpaw B=2` is `--gpaw A=1 B=2` (the help says: repeat it); before, only the
    last occurrence was kept and the others dropped without a word."""
    from nasx.cli import build_parser
    from nasx.cli.run import study_options

    args = build_parser().parse_args(
        ["run", "--calculator", "gpaw", "--gpaw", "ecut_eV=250", "kpoint_length_A=10",
         "--gpaw", "smearing_width_eV=0.1"]
    )  # fmt: skip
    assert study_options(args).gpaw == GpawSettings(
        ecut_eV=250.0, kpoint_length_A=10.0, smearing_width_eV=0.1
    )
    out = tmp_path / "run"
    argv = ["run", "--calculator", "gpaw", "--gpaw", "ecut_eV=250", "--gpaw", "ecut_eV=300"]
    assert main([*argv, "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "nasx: error: --gpaw: ecut_eV given more than once"
    )
    assert not out.exists()
