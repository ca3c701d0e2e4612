"""Options and failure paths of `nasx run` with the analytic stub."""

import json
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from nasx.analysis.readers.records import PhaseRecord
from nasx.analysis.thermo.checks import phase_checks
from nasx.cli import PARTIAL_EXIT, main
from nasx.phonons import ThermalProperties
from nasx.results import RelaxResult
from nasx.settings import PhononSettings
from nasx.structures import reference_set
from nasx.workflows.calculators.stub import StubCalculator

SMALL = ["--phases", "Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m"]


@pytest.mark.slow
def test_supercell_convergence_check_reports_the_change_in_F(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--calculator",
                "stub",
                "--out",
                str(out),
                "--quiet",
                *SMALL,
                "--check-convergence",
                "Na_Im-3m",
            ]
        )
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    record = results["calculations"]["Na_Im-3m"]["supercell_convergence"]
    assert record["supercells"] == [[3, 3, 3], [5, 5, 5]]  # 12 Å and 18 Å over a 4.2 Å cube
    # Einstein springs do not couple atoms, so F_vib cannot depend on the supercell
    assert all(abs(d) < 1e-6 for d in record["delta_F_vib_meV_per_atom"].values())
    check = next(c for c in results["checks"] if c["check"] == "supercell convergence")
    assert check["ok"] and check["phase"] == "Na_Im-3m"


@pytest.mark.slow
def test_a_users_binary_set_runs_end_to_end(tmp_path):
    cifs = tmp_path / "li_s"
    cifs.mkdir()
    Structure(Lattice.cubic(3.44), ["Li", "Li"], [[0, 0, 0], [0.5, 0.5, 0.5]]).to(
        filename=str(cifs / "Li.cif")
    )
    reference_set("Na-S")["S8_Fddd"].structure.to(filename=str(cifs / "S.cif"))
    li2s = reference_set("Na-S")["Na2S_Fm-3m"].structure.copy()
    li2s.replace_species({"Na": "Li"})
    li2s.scale_lattice(li2s.volume * (5.71 / 6.54) ** 3)
    li2s.to(filename=str(cifs / "Li2S.cif"))
    out = tmp_path / "run"
    assert (
        main(
            ["run", "--calculator", "stub", "--structures", str(cifs), "--out", str(out), "--quiet"]
        )
        == 0
    )
    results = json.loads((out / "results.json").read_text())
    assert results["system"] == {"working_ion": "Li", "anion": "S"}
    (step,) = results["ocv"]["thermodynamic"]["0"]
    # stub energies: E_f(x) = -2 x (1 - x), so Li2S (x = 2/3) has E_f = -4/9 eV/atom and
    # S + 2 Li -> Li2S stores 3 × 4/9 eV for 2 electrons
    assert step["voltage_V"] == pytest.approx(3 * 4 / 9 / 2, abs=1e-3)
    assert "plateaus_in_paper_grouping" not in results["ocv"]


@pytest.mark.slow
def test_a_failing_job_is_reported_and_a_rerun_finishes(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    original = StubCalculator.forces
    calls = {"n": 0}

    def flaky(self, structure, workdir):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("node lost")
        return original(self, structure, workdir)

    monkeypatch.setattr(StubCalculator, "forces", flaky)
    assert main(["run", "--calculator", "stub", "--out", str(out), "--quiet", *SMALL]) == 1
    err = capsys.readouterr().err
    assert "jobs failed" in err and "RuntimeError: node lost" in err and "jobs.log" in err
    assert "Traceback (most recent call last)" in (out / "launches" / "jobs.log").read_text()
    assert not (out / "results.json").exists()
    # what finished can be analysed now, from the directory or the LaunchPad: partial results
    lp_out, dir_out = tmp_path / "from-launchpad", tmp_path / "from-directory"
    argv = ["analyze", "--launchpad", str(out / "launchpad.json"), "--out", str(lp_out)]
    assert main(argv) == PARTIAL_EXIT
    assert main(["analyze", str(out), "--out", str(dir_out)]) == PARTIAL_EXIT
    [from_lp] = json.loads((lp_out / "results.json").read_text())["problems"]
    assert (
        from_lp["path"].startswith("job ") and "not completed (state FIZZLED)" in from_lp["reason"]
    )
    [from_dir] = json.loads((dir_out / "results.json").read_text())["problems"]
    assert from_dir["phase"] == from_lp["phase"] and "forces.json" in from_dir["reason"]
    assert main(["run", "--calculator", "stub", "--out", str(out), "--quiet", *SMALL]) == 0
    assert (out / "results.json").exists()


def test_unconverged_relaxation_and_imaginary_modes_are_flagged():
    structure = Structure(Lattice.cubic(3.0), ["Na"], [[0, 0, 0]])
    relaxation = RelaxResult(structure, -1.0, 0.02, 0.0, steps=500, converged=False)
    record = PhaseRecord("X", relaxation=relaxation)
    thermal = ThermalProperties([300.0], [0.0], [0.0], [0.0], 0.012, -0.6, (1, 1, 1), 1)
    settings = PhononSettings(imaginary_tolerance_THz=-0.05, imaginary_policy="flag")
    checks = {c.kind: c for c in phase_checks([record], {"X": thermal}, {}, [300.0], settings)}
    assert not checks["relaxation"].ok and "NOT converged" in checks["relaxation"].message
    assert not checks["imaginary modes"].ok
    assert (
        "1.20 % of mesh modes below -0.05 THz (lowest -0.600 THz); left out of F_vib"
        in checks["imaginary modes"].message
    )


def test_bad_run_options_give_one_line(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "--calculator",
                "stub",
                "--out",
                str(tmp_path / "r"),
                "--supercell",
                "S8_Fddd=2x2",
            ]
        )
        == 2
    )
    assert "expected PHASE=NxNxN" in capsys.readouterr().err
    assert (
        main(
            [
                "run",
                "--calculator",
                "stub",
                "--out",
                str(tmp_path / "r"),
                "--check-convergence",
                "Nope",
            ]
        )
        == 2
    )
    assert "unknown phase 'Nope'" in capsys.readouterr().err
    assert (
        main(["run", "--out", str(tmp_path / "r"), "--structures", str(tmp_path / "missing")]) == 2
    )
    assert "is not a directory of structure files" in capsys.readouterr().err
    assert (
        main(["run", "--out", str(tmp_path / "r"), "--launchpad", str(tmp_path / "none.yaml")]) == 2
    )
    assert "LaunchPad file not found" in capsys.readouterr().err
    assert not Path(tmp_path / "r" / "results.json").exists()


@pytest.mark.slow
def test_temperatures_zero_alone_gives_static_energies_only(tmp_path):
    """--temperatures 0 is a valid request: no F_vib anywhere, 0 K results, complete."""
    import json

    from nasx.cli import main

    out = tmp_path / "run"
    argv = ["run", "--calculator", "stub", "--out", str(out), "--quiet", "--temperatures", "0"]
    assert main([*argv, "--phases", "Na", "S", "Na2S", "Na2S2"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["temperatures_K"] == [0] and results["complete"] is True
    assert list(results["ocv"]["thermodynamic"]) == ["0"]
    assert set(results["phases"]["Na2S"]["formation_energy_eV_per_atom"]) == {"0"}
