"""The command-line contract of `nasx analyze` and `nasx structures`."""

import json
import math
import subprocess
import sys

import pytest
from monty.json import MontyEncoder
from pymatgen.entries.computed_entries import ComputedEntry

from nasx.cli import main
from tests.documents import checked_document
from tests.paper_data import paper_entries, write_entries


def run_cli(*args: str) -> tuple[int, str, str]:
    """The installed console script, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "nasx", *args], capture_output=True, text=True, timeout=300
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_analyze_writes_the_output_contract(tmp_path):
    fvib = {
        f: {"300": -0.03 - 0.02 * i, "400": -0.05 - 0.03 * i}
        for i, f in enumerate(["S", "Na2S5", "Na2S4", "Na2S2", "Na2S", "Na"])
    }
    source = write_entries(tmp_path / "entries.json", paper_entries(fvib))
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("analyze", str(source), "--out", str(out))
    assert code == 0, stderr
    assert "2.07 / 2.03 / 1.84 / 1.72 V" in stdout
    results = json.loads((out / "results.json").read_text())
    assert results["temperatures_K"] == [0, 300, 400]
    na2s4 = results["phases"]["Na2S4"]
    assert set(na2s4["formation_energy_eV_per_atom"]) == {"0", "300", "400"}
    assert na2s4["formation_energy_eV_per_atom"]["0"] == pytest.approx(-0.687)
    assert na2s4["hull_distance_meV_per_atom"]["0"] == pytest.approx(-10.444, abs=1e-3)
    assert na2s4["volume_A3_per_atom"] == pytest.approx(22.617, abs=1e-3)
    thermo = results["ocv"]["thermodynamic"]["0"]
    assert [round(p["voltage_V"], 2) for p in thermo] == [2.07, 2.03, 1.84, 1.72]
    assert set(thermo[0]) >= {
        "reaction",
        "voltage_V",
        "x_start",
        "x_end",
        "capacity_mAh_per_g_start",
        "capacity_mAh_per_g_end",
    }
    kinetic = results["ocv"]["kinetic"]
    assert kinetic["bypassed"] == ["Na2S2"]
    assert all(
        len(kinetic[t]) == len(results["ocv"]["thermodynamic"][t]) - 1 for t in ("0", "300", "400")
    )
    report = (out / "report.md").read_text()
    assert (
        "| Na2S2 | -20.5 (Na2S4 + Na2S)" in report and "-4 (Na2S4 + Na2S)" in report
    )  # ours beside published
    for figure in ("voltage_profile.png", "hull.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analyze_is_byte_identical_on_rerun(tmp_path, paper_entries_json):
    assert main(["analyze", str(paper_entries_json), "--out", str(tmp_path / "a")]) == 0
    assert main(["analyze", str(paper_entries_json), "--out", str(tmp_path / "b")]) == 0
    assert (tmp_path / "a/results.json").read_bytes() == (tmp_path / "b/results.json").read_bytes()
    conclusions = checked_document(tmp_path / "a/results.json")["conclusions"]
    assert [c["verdict"] for c in conclusions["claims"]] == ["yes", "yes", "yes", "yes", "no"]


def test_temperatures_and_bypass_options(tmp_path):
    fvib = {f: {"300": -0.03, "350": -0.04} for f in ["S", "Na2S5", "Na2S4", "Na2S2", "Na2S", "Na"]}
    source = write_entries(tmp_path / "e.json", paper_entries(fvib))
    assert (
        main(
            [
                "analyze",
                str(source),
                "--out",
                str(tmp_path / "o"),
                "--temperatures",
                "0",
                "350",
                "--bypass",
                "Na2S4",
                "Na2S2",
            ]
        )
        == 0
    )
    results = json.loads((tmp_path / "o/results.json").read_text())
    assert results["temperatures_K"] == [0, 350]
    assert results["ocv"]["kinetic"]["bypassed"] == ["Na2S4", "Na2S2"]
    assert [p["reaction"] for p in results["ocv"]["kinetic"]["350"]] == [
        "5 S + 2 Na -> Na2S5",
        "Na2S5 + 8 Na -> 5 Na2S",
    ]


def _entries_text(entries) -> str:
    return json.dumps(entries, cls=MontyEncoder)


BAD_INPUTS = {
    "malformed": ('[{"@module": "pymatgen.entries.computed_entries",', "is not valid JSON (line 1"),
    "empty": ("", "is empty"),
    "no_reference": (
        _entries_text([e for e in paper_entries() if e.entry_id != "S8_Fddd"]),
        "no elemental reference for S",
    ),
    "nan_energy": (
        _entries_text([*paper_entries()[:-1], ComputedEntry("Na2S", math.nan)]),
        "non-finite energy (nan)",
    ),
    "outside": (
        _entries_text([*paper_entries(), ComputedEntry("Na2SO4", -50.0)]),
        "entries span 3 element(s) (Na, O, S)",
    ),
    "not_a_list": ('{"energy": 1}', "holds a JSON dict; expected a list"),
    "bad_fvib": (
        _entries_text(
            [
                *paper_entries()[:-1],
                ComputedEntry("Na2S", -9.0, data={"free_energy_vib_eV_per_atom": {"300": "cold"}}),
            ]
        ),
        "free_energy_vib_eV_per_atom['300'] = 'cold' is not a number",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_clear_line_and_non_zero_exit(tmp_path, capsys, case):
    text, message = BAD_INPUTS[case]
    path = tmp_path / f"{case}.json"
    path.write_text(text)
    code = main(["analyze", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"nasx: error: {path}: ")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out" / "results.json").exists()


def test_element_outside_a_declared_system_is_named(tmp_path, capsys):
    path = write_entries(tmp_path / "e.json", [*paper_entries(), ComputedEntry("NaSe", -5.0)])
    assert main(["analyze", str(path), "--system", "Na-S"]) == 2
    assert "entry 7 (NaSe) contains Se, outside the Na-S system" in capsys.readouterr().err


def test_console_script_reports_errors_without_traceback(tmp_path):
    missing = tmp_path / "nothing.json"
    code, _, stderr = run_cli("analyze", str(missing))
    assert code == 2
    assert stderr.strip().startswith(f"nasx: error: {missing}: cannot be read")
    assert "Traceback" not in stderr


def test_missing_temperature_is_named(tmp_path, capsys):
    fvib = {f: {"300": -0.03} for f in ["S", "Na2S5", "Na2S4", "Na2S2", "Na2S", "Na"]}
    path = write_entries(tmp_path / "e.json", paper_entries(fvib))
    assert main(["analyze", str(path), "--temperatures", "0", "400"]) == 2
    assert "has no vibrational free energy at 400 K (has: 300)" in capsys.readouterr().err


def test_unknown_bypass_is_named(tmp_path, paper_entries_json, capsys):
    assert main(["analyze", str(paper_entries_json), "--bypass", "Na2S3"]) == 2
    assert "cannot bypass Na2S3: no such phase" in capsys.readouterr().err


def test_structures_command_lists_the_built_in_set(capsys):
    assert main(["structures"]) == 0
    out = capsys.readouterr().out
    assert "Na2S5_predicted_Pnma" in out and "predicted" in out and "4x3x1" in out


def test_help_explains_the_commands():
    code, stdout, _ = run_cli("--help")
    assert code == 0 and "analyze" in stdout and "OCV" in stdout
