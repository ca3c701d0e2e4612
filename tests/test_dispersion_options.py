"""--dispersion / dispersion=: checked before any job, named in the model, in VASP's INCAR.

None of these needs the optional dftd4 package (tests/workflows/test_dispersion.py does).
"""

from __future__ import annotations

import importlib.util

import pytest

from nasx.arguments import ArgumentError
from nasx.cli import main
from nasx.settings import RelaxSettings, RunSettings
from nasx.structures import reference_set
from nasx.study import StudyOptions
from nasx.workflows import vasp_inputs
from nasx.workflows.calculators.dispersion import R2SCAN_D4
from nasx.workflows.calculators.vasp import VaspCalculator
from nasx.workflows.graph import run_document
from nasx.workflows.submission import fingerprint


def refusal(**options: object) -> tuple[str, str]:
    with pytest.raises(ArgumentError) as caught:
        StudyOptions.from_arguments(**options).resolve()
    return caught.value.argument, caught.value.problem


@pytest.mark.parametrize(
    ("options", "argument", "words"),
    [
        ({"dispersion": "d3"}, "dispersion", "invalid choice: 'd3' (choose from 'none', 'd4')"),
        ({"dispersion": 4}, "dispersion", "invalid choice: '4'"),
        ({"calculator": "chgnet+d3"}, "calculator", "'chgnet+d3': unknown dispersion"),
        ({"calculator": "chgnet+"}, "calculator", "invalid choice: 'chgnet+'"),
        ({"calculator": "d4"}, "calculator", "invalid choice: 'd4'"),
        ({"calculator": "stub+d4"}, "calculator", "the stub is an analytic test model"),
        ({"calculator": "stub", "dispersion": "d4"}, "dispersion", "stub: the stub is"),
        ({"calculator": "gpaw", "dispersion": "d4"}, "dispersion", "GPAW with dispersion is not"),
        ({"calculator": "vasp+d4"}, "calculator", "give dispersion d4 (--dispersion d4) instead"),
        (
            {"calculator": ["chgnet", "chgnet+d4"], "dispersion": "d4"},
            "dispersion",
            "chgnet+d4 given more than once (dispersion d4 is every model's)",
        ),
        ({"calculator": ["chgnet+d4", "chgnet+d4"]}, "calculator", "given more than once"),
    ],
)
def test_a_bad_dispersion_is_one_argument_error_naming_it(options, argument, words):
    named, problem = refusal(**options)
    assert named == argument
    assert words in problem and "\n" not in problem


def test_models_take_dispersion_alone_or_all_together():
    def models(**options):
        return StudyOptions.from_arguments(**options).resolve().options.calculator

    assert models(calculator=["chgnet", "chgnet+d4"]) == ("chgnet", "chgnet+d4")
    assert models(calculator=["chgnet", "sevennet"], dispersion="d4") == (
        "chgnet+d4",
        "sevennet+d4",
    )
    assert models(calculator=["chgnet", "vasp"], dispersion="d4") == ("chgnet+d4", "vasp")
    assert models(calculator="chgnet", dispersion="none") == ("chgnet",)
    options = StudyOptions.from_arguments(calculator="chgnet", dispersion="d4").resolve().options
    assert options.python_call() == "nasx.run(calculator=('chgnet+d4',), dispersion='d4')"


def test_the_command_line_names_the_option_in_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "--dispersion", "d3", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        "nasx: error: --dispersion: invalid choice: 'd3' (choose from 'none', 'd4')"
    )
    assert main(["run", "--calculator", "chgnet", "stub+d4", "--out", str(out)]) == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[0]
        .startswith("nasx: error: --calculator: 'stub+d4': the stub is an analytic test model")
    )
    assert not out.exists()


def test_a_missing_extra_is_one_line_naming_the_pip_command(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "dftd4" else real(name, *a)
    )
    out = tmp_path / "run"
    assert main(["run", "--calculator", "chgnet+d4", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "nasx: error: --dispersion d4: needs the optional package dftd4, which is not "
        'installed: pip install "nasx[d4]"'
    ]
    assert not out.exists()  # refused before any job or file


class Written(Exception):
    """Raised by the stand-in for vasp_inputs.write: the INCAR a job would have run with."""


@pytest.fixture
def incar_of(monkeypatch, tmp_path):
    """The INCAR VASP would be given by one of the calculator's jobs (nothing is run)."""

    def capture(inputs, directory):
        raise Written(dict(inputs.incar))

    monkeypatch.setattr(vasp_inputs, "write", capture)

    def incar_of(job) -> dict:
        with pytest.raises(Written) as written:
            job(tmp_path)
        return written.value.args[0]

    return incar_of


def test_vasp_with_d4_gets_ivdw_13_and_r2scans_parameters_except_in_dfpt(incar_of):
    phases = reference_set("Na-S")
    na2s = phases["Na2S_Fm-3m"].structure
    plain = VaspCalculator.for_phases(phases, vasp_cmd="vasp_std", settings={"born_charges": True})
    d4 = VaspCalculator.for_phases(
        phases, vasp_cmd="vasp_std", settings={"born_charges": True}, dispersion="d4"
    )
    expected = {
        "IVDW": 13,
        "VDW_S6": R2SCAN_D4["s6"],
        "VDW_S8": R2SCAN_D4["s8"],
        "VDW_A1": R2SCAN_D4["a1"],
        "VDW_A2": R2SCAN_D4["a2"],
    }
    for job in (
        lambda where: d4.relax(na2s, RelaxSettings(), where),
        lambda where: d4.forces(na2s * (2, 2, 2), where),
    ):
        incar = incar_of(job)
        assert {k: incar.get(k) for k in expected} == expected
        assert str(incar["METAGGA"]).upper() == "R2SCAN" and "LUSE_VDW" not in incar
    born = incar_of(lambda where: d4.born_charges(na2s, where))  # VASP's DFPT takes no IVDW
    assert born["LEPSILON"] and "IVDW" not in born
    assert "IVDW" not in incar_of(lambda where: plain.relax(na2s, RelaxSettings(), where))
    assert "IVDW" not in incar_of(lambda where: plain.forces(na2s, where))
    assert "+ DFT-D4" in d4.describe() and "IVDW 13" in d4.describe()


def test_dispersion_is_part_of_the_calculation_key_and_absent_without_it():
    phases = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd"])
    settings = RunSettings()
    plain, d4 = (
        VaspCalculator.for_phases(phases),
        VaspCalculator.for_phases(phases, dispersion="d4"),
    )
    assert "dispersion" not in plain.as_dict()  # runs made before the option keep their key
    assert VaspCalculator.from_dict(d4.as_dict()).dispersion == "d4"
    assert fingerprint(phases, plain, settings) != fingerprint(phases, d4, settings)
    keys = [run_document(phases, c, settings).calculation_key() for c in (plain, d4)]
    assert keys[0] != keys[1]
    assert keys[1]["calculator"]["object"]["dispersion"] == "d4"
