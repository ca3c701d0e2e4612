"""``--qha`` / ``nasx.run(qha=...)``: the volumes are checked before any job, recorded in
run.json, and a run.json without them (every run made before) still reads, with its key."""

import json

import pytest

import nasx
from nasx.arguments import ArgumentError
from nasx.cli import main
from nasx.qha_settings import QhaSettings
from nasx.run_document import RunDocument, calculation_key_of
from nasx.settings import RelaxSettings, RunSettings
from nasx.structures import reference_set
from nasx.study import StudyOptions
from nasx.workflows.calculators.stub import StubCalculator
from nasx.workflows.graph import run_document


def test_the_default_volumes_straddle_the_relaxed_one_with_more_room_to_expand():
    factors = QhaSettings().volume_factors
    assert factors == (0.94, 0.96, 0.98, 1.0, 1.02, 1.04, 1.06, 1.08)
    assert QhaSettings.from_option("qha", True) == QhaSettings()
    assert QhaSettings.from_option("qha", "-4:6:6").volume_factors == (
        0.96, 0.98, 1.0, 1.02, 1.04, 1.06
    )  # fmt: skip
    assert QhaSettings.from_option("qha", {"count": "5"}) == QhaSettings(count=5)
    assert QhaSettings.from_option("qha", False) is None
    assert QhaSettings.from_option("qha", QhaSettings().as_option()) == QhaSettings()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-6:8", "expected MIN:MAX:COUNT"),
        ("a:8:8", "'a' is not a percentage"),
        ("-6:nan:8", "not a finite number"),
        ("-6:8:8.5", "not a whole number"),
        ("8:-6:8", "is not below the largest"),
        ("2:8:8", "does not include 0 %"),
        ("-40:8:8", "beyond ±30 %"),
        ("-6:8:4", "4 volumes: give 5 to 30"),
        ("-6:8:1000000", "give 5 to 30"),
        ("-0.1:0.1:30", "closer than 0.1 % apart"),
        ({"cnt": 5}, "unknown QHA setting 'cnt'"),
        ({"imaginary_policy": "ignore"}, "invalid choice: 'ignore'"),
        (3, "is not True, False"),
    ],
)
def test_bad_volumes_are_one_line_errors_naming_the_option(tmp_path, value, problem):
    with pytest.raises(ArgumentError) as caught:
        nasx.run(calculator="stub", out=tmp_path / "run", qha=value)
    assert caught.value.argument == "qha" and problem in caught.value.problem
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "run").exists()  # refused before anything was written


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--qha-volumes=-6:8"], "--qha-volumes: '-6:8': expected MIN:MAX:COUNT"),
        (["--qha-volumes=1:8:8"], "--qha-volumes: 1 % to 8 % does not include 0 %"),
        (["--qha-volumes", "0:x:5"], "--qha-volumes: 'x' is not a percentage"),
        (["--qha", "--qha-volumes=-6:8:3"], "--qha-volumes: 3 volumes: give 5 to 30"),
    ],
)
def test_the_command_line_refuses_bad_volumes_in_one_line(tmp_path, capsys, argv, problem):
    out = tmp_path / "run"
    assert main(["run", "--calculator", "stub", "--out", str(out), *argv]) == 2
    error = capsys.readouterr().err
    assert problem in error and error.count("\n") <= 2  # the error, and the pointer to --help
    assert not out.exists()


def test_the_command_line_gives_the_python_option():
    from nasx.cli import build_parser
    from nasx.cli.run import study_options

    def options(*argv: str) -> StudyOptions:
        return study_options(build_parser().parse_args(["run", "--calculator", "stub", *argv]))

    assert options().qha is None
    assert options("--qha").qha == QhaSettings()
    assert options("--qha-volumes=-2:4:7").qha == QhaSettings(-2, 4, 7)  # implies --qha
    assert "qha={'min_percent': -2" in options("--qha-volumes=-2:4:7").python_call()


def document(settings: RunSettings) -> dict:
    phase_set = reference_set("Na-S")
    return run_document(phase_set, StubCalculator(), settings).to_document()


def test_run_json_records_the_volumes_and_reads_them_back():
    written = document(RunSettings(qha=QhaSettings(-4, 6, 6)))
    assert written["qha"] == {"min_percent": -4, "max_percent": 6, "count": 6}
    read = RunDocument.from_document(json.loads(json.dumps(written)))
    assert read.qha == QhaSettings(-4, 6, 6)
    assert calculation_key_of(written)["qha"] == written["qha"]


def test_a_run_json_without_qha_keeps_its_form_and_its_calculation_key():
    plain = document(RunSettings())
    assert "qha" not in plain and "constant_volume" not in plain["relax_settings"]
    assert RunDocument.from_document(plain).qha is None
    older = {k: v for k, v in plain.items() if k != "qha"}  # a run.json made before --qha
    assert calculation_key_of(older) == calculation_key_of(plain)
    assert calculation_key_of(document(RunSettings(qha=QhaSettings()))) != calculation_key_of(plain)
    assert RelaxSettings(constant_volume=True).to_document()["constant_volume"] is True
    assert RelaxSettings.from_dict(RelaxSettings(constant_volume=True).as_dict()).constant_volume


def test_the_imaginary_policy_is_an_analysis_choice_given_by_name():
    """--qha-imaginary (implies --qha) or qha={"imaginary_policy": ...}; written to run.json only
    when not the default, so earlier run.json files keep their form."""
    from nasx.cli import build_parser
    from nasx.cli.run import study_options

    keep = QhaSettings.from_option("qha", {"imaginary_policy": "keep", "count": 6})
    assert keep == QhaSettings(count=6, imaginary_policy="keep")
    assert keep.to_document()["imaginary_policy"] == "keep"
    assert "imaginary_policy" not in QhaSettings().to_document()
    assert QhaSettings.from_document(keep.to_document()) == keep

    def parsed(*argv: str) -> QhaSettings | None:
        return study_options(build_parser().parse_args(["run", *argv])).qha

    assert parsed("--qha-imaginary", "keep") == QhaSettings(imaginary_policy="keep")
    assert parsed("--qha-volumes=-4:6:6", "--qha-imaginary", "refuse") == QhaSettings(
        -4.0, 6.0, 6, "refuse"
    )
    assert parsed("--qha") == QhaSettings() and parsed() is None
