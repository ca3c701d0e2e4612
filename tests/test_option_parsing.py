"""What the options accept: valid values parse, anything else is one line (exit 2), never a
traceback; `run` and `submit` share their options and build the same settings."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nasx
import nasx.cli.run
from nasx.cli import build_parser, main
from nasx.cli.options import CEILINGS, MAX_REPETITIONS, MAX_TEMPERATURE_K
from nasx.cli.results import print_results
from nasx.cli.run import study_options


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def settings_of(args):
    return study_options(args).resolve().settings


def test_zero_kelvin_is_accepted_and_minus_zero_is_zero():
    temperatures = parse("run", "--temperatures", "0", "-0", "5000").temperatures_K
    assert temperatures == [0.0, 0.0, MAX_TEMPERATURE_K]
    assert all(math.copysign(1.0, t) == 1.0 for t in temperatures)  # no -0.0 in run.json


def test_limits_themselves_are_accepted():
    args = parse("run", "--displacement", "0.5", "--min-length", "100", "--supercell", "S=20x1x1")
    assert args.displacement_A == CEILINGS["--displacement"] and args.min_length_A == 100.0
    assert args.supercell == [("S", (MAX_REPETITIONS, 1, 1))]


def test_check_convergence_takes_formulas_as_phases_does():
    args = parse("run", "--check-convergence", "Na2S", "S8_Fddd", "Na2S")
    settings = settings_of(args)
    assert settings.convergence_phases == ("Na2S_Fm-3m", "S8_Fddd")
    args = parse("run", "--phases", "Na", "S", "Na2S2", "--check-convergence", "Na2S2")
    assert settings_of(args).convergence_phases == (
        "Na2S2_P-62m",
        "Na2S2_P6_3mmc",
    )


CALCULATION = [
    *("--temperatures", "0", "350"),
    *("--bypass", "Na2S4"),
    *("--fmax", "0.005", "--max-steps", "40", "--symprec", "0.01"),
    *("--min-length", "10", "--supercell", "S8_Fddd=1x1x1", "--displacement", "0.02"),
    *("--mesh-length", "50", "--imaginary-policy", "pretend_real", "--gamma-acoustic", "include"),
    *("--check-convergence", "Na2S", "--convergence-length", "14", "--polling-seconds", "2"),
]


SUBMITTED = [a for a in CALCULATION if a not in ("--fmax", "0.005", "--max-steps", "40")]
"""What ``nasx submit`` accepts of CALCULATION: VASP refuses the models' --fmax/--max-steps."""


def test_run_and_submit_share_their_options_and_build_the_same_settings():
    def flags(command: str) -> set[str]:
        parser = build_parser()._subparsers._group_actions[0].choices[command]
        return {flag for action in parser._actions for flag in action.option_strings}

    local = {"--vasp-cmd", "--quiet", "--workers"}
    # submit's workers bring their own GPAW launcher, and its calculators keep the space group
    not_cluster = {"--follow-instabilities", "--gpaw-launcher"}
    assert flags("run") - flags("submit") == local | not_cluster
    assert flags("submit") - flags("run") == {"--force"}
    gpaw = ("--calculator", "gpaw")  # where --fmax and --max-steps apply
    run_args = parse("run", *gpaw, *CALCULATION)
    submit_args = parse("submit", "--launchpad", "lp.yaml", *gpaw, *CALCULATION)
    built = settings_of(run_args)
    assert built == settings_of(submit_args)
    assert built.relax.fmax_eV_per_A == 0.005 and built.phonons.displacement_A == 0.02
    assert built.phonons.supercells == {"S8_Fddd": (1, 1, 1)} and built.analysis.bypass == (
        "Na2S4",
    )
    assert submit_args.polling_seconds == 2.0


def test_submit_records_the_calculation_settings(tmp_path, monkeypatch, capsys):
    from nasx.workflows import launchpad
    from nasx.workflows.launchpad import EmbeddedStore

    store = EmbeddedStore(tmp_path / "lp")  # FireWorks' mongomock store stands in for MongoDB
    monkeypatch.setattr(launchpad, "launchpad_from_file", lambda path: store.launchpad)
    try:
        argv = ["submit", "--launchpad", "my_launchpad.yaml", "--out", str(tmp_path / "run")]
        vasp = ["--vasp", "ediffg_eV_per_A=0.005", "nsw=40"]  # VASP's own, not --fmax/--max-steps
        assert main([*argv, *SUBMITTED, *vasp]) == 0
    finally:
        store.close()
    assert "added" in capsys.readouterr().out
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["calculator"]["object"]["settings"]["ediffg_eV_per_A"] == 0.005
    assert run["calculator"]["object"]["settings"]["nsw"] == 40
    assert run["phonon_settings"]["displacement_A"] == 0.02
    assert run["phonon_settings"]["imaginary_policy"] == "pretend_real"
    assert run["convergence_phases"] == ["Na2S_Fm-3m"]
    assert run["analysis"] == {"temperatures_K": [350.0], "bypass": ["Na2S4"]}


VOLTAGES = re.compile(
    r" +\d+ K  thermodynamic: [\d./ ]+ V \(\d distinguishable, \d in the paper's grouping\)"
    r"   kinetic: [\d./ ]+ V"
)


def test_entries_and_directories_print_the_same_summary(tmp_path, paper_entries_json, capsys):
    """One printer, fed from results.json, whatever the source."""
    out = tmp_path / "out"
    assert main(["analyze", str(paper_entries_json), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("nasx analyze: 6 entries from ")
    assert printed[-1] == f"report: {out / 'report.md'}"
    with contextlib.redirect_stdout(io.StringIO()) as summary:
        print_results(json.loads((out / "results.json").read_text()))
    assert printed[1:-1] == summary.getvalue().splitlines()
    assert VOLTAGES.fullmatch(printed[1]), printed[1]


# Any text given to these options either parses to a valid value or gives the one-line error.
VALID = {
    "--temperatures": lambda args: all(0 <= t <= MAX_TEMPERATURE_K for t in args.temperatures_K),
    "--fmax": lambda args: 0 < args.fmax_eV_per_A < math.inf,
    "--displacement": lambda args: 0 < args.displacement_A <= CEILINGS["--displacement"],
    "--supercell": lambda args: all(
        name and all(1 <= n <= MAX_REPETITIONS for n in grid) for name, grid in args.supercell
    ),
}
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=())),  # any code point, surrogates included
    st.from_regex(r"\A[-+]?(\d*\.?\d*(e[-+]?\d+)?|nan|inf)\Z"),  # number-like
    st.from_regex(r"\A[\w-]*=\d*x\d*x?\d*(x\d*)?\Z"),  # supercell-like
)


def _outcome(argv: list[str]) -> tuple[int, str, object]:
    parsed = {}

    def command(args):
        parsed["args"] = args
        return 0

    with (
        mock.patch.object(nasx.cli.run, "command", command),
        contextlib.redirect_stderr(io.StringIO()) as err,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        code = main(argv)
    return code, err.getvalue(), parsed.get("args")


@pytest.mark.parametrize("option", VALID)
@settings(max_examples=150, deadline=None)
@given(text=TEXT, joined=st.booleans())
def test_any_text_parses_or_gives_one_line(option, text, joined):
    argv = ["run", f"{option}={text}"] if joined else ["run", option, text]
    code, err, args = _outcome(argv)
    assert "Traceback" not in err
    if code == 0:
        assert err == "" and VALID[option](args)
    else:
        assert code == 2
        lines = err.splitlines()
        assert len(lines) == 2 and lines[1] == "see 'nasx run --help'", err
        assert lines[0].startswith("nasx: error: "), err
        if joined:  # the value is the option's own: the error names it
            assert lines[0].startswith(f"nasx: error: {option}: "), err


def test_repeated_vasp_options_add_up_and_a_key_given_twice_is_refused():
    args = parse("run", "--calculator", "vasp", "--vasp", "nsw=10", "--vasp", "ediff_eV=1e-5")
    vasp = study_options(args).vasp
    assert (vasp.nsw, vasp.ediff_eV) == (10, 1e-5)
    args = parse("run", "--calculator", "vasp", "--vasp", "nsw=10", "--vasp", "nsw=20")
    with pytest.raises(nasx.ArgumentError, match="nsw given more than once"):
        study_options(args)


def test_a_kinetic_path_without_plateaus_says_so(capsys):
    step = {"voltage_V": 1.984}
    ocv = {
        "thermodynamic": {"0": [step]},
        "kinetic": {"0": []},
        "distinguishable_plateaus": {"thermodynamic": {"0": 1}},
    }
    print_results({"temperatures_K": [0], "ocv": ocv})
    [line] = capsys.readouterr().out.splitlines()
    assert line.endswith("kinetic: no plateau (every compound bypassed)")
    assert "1.98 V (1 distinguishable)" in line


def test_a_committees_kinetic_path_without_plateaus_says_so(capsys):
    from nasx.cli.results import print_committee

    plateau = {"plateau": "S → Na2S2", "voltage_V": {"min": 1.98, "max": 2.13, "absent_under": []}}
    spread = {"0": {"thermodynamic": {"plateaus": [plateau]}, "kinetic": {"plateaus": []}}}
    print_committee({"committee": {"models": ["gpaw", "chgnet"], "spread": spread}})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith("thermodynamic: S → Na2S2 1.98–2.13 V")
    assert lines[2].endswith("kinetic: no plateau (every compound bypassed)")
