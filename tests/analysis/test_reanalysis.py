"""`nasx analyze` on finished calculations: run directories, LaunchPads, trees, broken inputs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pymatgen.core import Composition

from nasx.analysis.readers.records import DftSettings, PhaseRecord
from nasx.analysis.thermo.checks import settings_consistency
from nasx.cli import PARTIAL_EXIT, main
from tests.documents import checked_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def results(directory: Path) -> dict:
    return json.loads((directory / "results.json").read_text())


def copy_run(stub_run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(stub_run, target)
    return target


@pytest.mark.slow  # a full analysis of the default stub study: ~20 s
def test_reanalysing_a_run_directory_reproduces_its_results_byte_for_byte(stub_run, tmp_path):
    assert main(["analyze", str(stub_run), "--out", str(tmp_path / "a")]) == 0
    assert main(["analyze", str(stub_run), "--out", str(tmp_path / "b")]) == 0
    original = (stub_run / "results.json").read_bytes()
    assert (tmp_path / "a" / "results.json").read_bytes() == original
    assert (tmp_path / "b" / "results.json").read_bytes() == original
    for name in ("phonopy.yaml", "thermal.json", "band.yaml", "band_structure.png"):
        assert (tmp_path / "a" / "phases" / "Na2S_Fm-3m" / name).exists()


@pytest.mark.slow
def test_analysing_an_embedded_launchpad_never_writes_it(stub_run, tmp_path):
    run = copy_run(stub_run, tmp_path)
    store = run / "launchpad.json"
    before = store.read_bytes(), store.stat().st_mtime_ns
    command = [sys.executable, "-m", "nasx", "analyze", "--launchpad", str(store)]
    done = subprocess.run([*command, "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # the store library's exit-time write-back is off: not even the same bytes are rewritten
    assert (store.read_bytes(), store.stat().st_mtime_ns) == before


@pytest.mark.slow
def test_the_launchpad_alone_gives_the_same_numbers(stub_run, tmp_path):
    out = tmp_path / "lp"
    assert (
        main(["analyze", "--launchpad", str(stub_run / "launchpad.json"), "--out", str(out)]) == 0
    )
    from_files, from_launchpad = results(stub_run), checked_document(out / "results.json")
    assert from_launchpad["source"] == {"kind": "launchpad"}
    for key in ("phases", "polymorphs", "ocv", "checks", "reference_states"):
        assert from_launchpad[key] == from_files[key], key
    for phase_id, record in from_files["calculations"].items():
        other = from_launchpad["calculations"][phase_id]
        assert other["phonons"] == record["phonons"]
        assert other["relaxation"] == record["relaxation"]
        assert other["sources"]["energy"].startswith("job ")


def test_an_unknown_workflow_and_an_ambiguous_launchpad_are_named(stub_run, tmp_path, capsys):
    from fireworks import Firework, Workflow
    from fireworks.user_objects.firetasks.script_task import ScriptTask

    from nasx.workflows.launchpad import EmbeddedStore

    store = tmp_path / "launchpad.json"
    shutil.copy(stub_run / "launchpad.json", store)
    assert main(["analyze", "--launchpad", str(store), "--workflow", "99999"]) == 2
    assert "no workflow holds job 99999" in capsys.readouterr().err
    with EmbeddedStore(tmp_path) as embedded:
        other = Firework(ScriptTask.from_str("true"), name="other")
        metadata = {"nasx_run_dir": "/elsewhere"}
        embedded.launchpad.add_wf(Workflow([other], name="second nasx run", metadata=metadata))
    assert main(["analyze", "--launchpad", str(store), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "holds 2 nasx workflows, choose one with --workflow ID" in err
    assert "second nasx run" in err


@pytest.mark.slow
def test_new_temperatures_bypass_and_phase_subset(stub_run, tmp_path):
    out = tmp_path / "t"
    argv = ["analyze", str(stub_run), "--out", str(out), "--temperatures", "350", "--bypass"]
    assert main(argv) == 0
    document = results(out)
    assert document["temperatures_K"] == [0, 350]
    assert document["ocv"]["kinetic"]["bypassed"] == []
    f = {
        t: document["calculations"]["Na2S_Fm-3m"]["phonons"]["free_energy_eV_per_atom"][0]
        for t in ("350",)
    }
    full = results(stub_run)["calculations"]["Na2S_Fm-3m"]["phonons"]["free_energy_eV_per_atom"]
    assert full[1] < f["350"] < full[0]  # F falls with T: between 300 and 400 K values
    subset = tmp_path / "subset"
    assert (
        main(["analyze", str(stub_run), "--out", str(subset), "--phases", "Na", "S", "Na2S"]) == 0
    )
    assert sorted(results(subset)["phases"]) == ["Na", "Na2S", "S"]
    assert (
        results(subset)["phases"]["Na2S"]["formation_energy_eV_per_atom"]
        == results(stub_run)["phases"]["Na2S"]["formation_energy_eV_per_atom"]
    )


@pytest.mark.slow
def test_a_missing_displacement_leaves_that_phase_out_at_finite_temperature(
    stub_run, tmp_path, capsys
):
    run = copy_run(stub_run, tmp_path)
    lost = run / "phases" / "Na2S2_P6_3mmc" / "phonons" / "disp-002" / "forces.json"
    lost.unlink()
    out = tmp_path / "partial"
    assert main(["analyze", str(run), "--out", str(out)]) == PARTIAL_EXIT
    assert "partial results" in capsys.readouterr().err
    document, full = results(out), results(stub_run)
    assert document["complete"] is False
    [problem] = document["problems"]
    assert problem["phase"] == "Na2S2_P6_3mmc"
    assert problem["path"] == "phases/Na2S2_P6_3mmc/phonons/disp-002"
    assert "displacement 2 of 4" in problem["reason"]
    assert document["calculations"]["Na2S2_P6_3mmc"]["phonons"] is None
    assert document["left_out"] == {"300": ["Na2S2_P6_3mmc"], "400": ["Na2S2_P6_3mmc"]}
    na2s2 = document["phases"]["Na2S2"]
    assert (
        na2s2["formation_energy_eV_per_atom"]["0"]
        == full["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["0"]
    )
    assert na2s2["formation_energy_eV_per_atom"]["300"] is None  # marked missing
    for formula in ("Na2S", "Na2S4", "Na2S5"):  # independent of Na2S2's phonons
        assert (
            document["phases"][formula]["formation_energy_eV_per_atom"]
            == full["phases"][formula]["formation_energy_eV_per_atom"]
        )
    assert document["ocv"]["thermodynamic"]["0"] == full["ocv"]["thermodynamic"]["0"]
    assert not any("Na2S2" in w for w in document["warnings"])  # left out, not off the hull
    report = (out / "report.md").read_text()
    assert "300 K: 3 steps, 2 distinguishable (without Na2S2_P6_3mmc: no F_vib)" in report
    assert "phases/Na2S2_P6_3mmc/phonons/disp-002" in report and "missing" in report


@pytest.mark.slow
def test_an_unconverged_relaxation_is_named_and_its_phase_left_out(stub_run, tmp_path):
    run = copy_run(stub_run, tmp_path)
    result_file = run / "phases" / "Na2S4_I-42d" / "relax" / "result.json"
    document = json.loads(result_file.read_text())
    result_file.write_text(json.dumps({**document, "converged": False}))
    out = tmp_path / "out"
    assert main(["analyze", str(run), "--out", str(out)]) == PARTIAL_EXIT
    analysed = results(out)
    [problem] = analysed["problems"]
    assert problem["path"] == "phases/Na2S4_I-42d/relax/result.json"
    assert "not converged" in problem["reason"] and "left out" in problem["missing"]
    assert "Na2S4" not in analysed["phases"]
    assert [p["phase_end"] for p in analysed["ocv"]["thermodynamic"]["0"]] == [
        "Na2S5",
        "Na2S2",
        "Na2S",
    ]


def test_a_lone_compound_still_gets_F_S_and_Cv(tmp_path, capsys):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "phonopy_NaCl", tree / "NaCl")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out), "--temperatures", "300"]) == PARTIAL_EXIT
    document = checked_document(out / "results.json")
    [record] = document["calculations"].values()
    assert Composition(record["formula"]).reduced_formula == "NaCl"
    phonons = record["phonons"]
    assert phonons["temperatures_K"] == [300.0]
    assert phonons["free_energy_eV_per_atom"][0] < 0 < phonons["entropy_eV_per_K_per_atom"][0]
    assert phonons["heat_capacity_eV_per_K_per_atom"][0] > 0
    assert "ocv" not in document
    assert document["missing"][0]["quantity"].startswith("formation energies")
    assert "no relaxation of this phase" in document["problems"][0]["reason"]
    report = (out / "report.md").read_text()
    assert "phonon thermodynamics only" in report and "no phase has a usable energy" in report
    assert not (out / "hull.png").exists()
    assert (out / "phases" / record_id(document) / "phonopy.yaml").exists()


def record_id(document: dict) -> str:
    [phase_id] = document["calculations"]
    return phase_id


def test_mixed_settings_are_flagged():
    def record(name, functional, encut, family):
        return PhaseRecord(name, dft=DftSettings(functional, encut, family, ("X",)))

    same = settings_consistency(
        [record("a", "R2SCAN", 680.0, "PAW_PBE"), record("b", "R2SCAN", 680.0, "PAW_PBE")]
    )
    assert same.consistent and "R2SCAN, ENCUT 680 eV" in same.message
    mixed = settings_consistency(
        [record("a", "R2SCAN", 680.0, "PAW_PBE"), record("b", "PBE", 520.0, "PAW_PBE")]
    )
    assert not mixed.consistent
    assert "functional PBE (b), R2SCAN (a)" in mixed.message
    assert "encut_eV 520.0 (b), 680.0 (a)" in mixed.message
    assert "potcar_family" not in mixed.message


def test_an_empty_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "holds no calculations" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["analyze"], ["analyze", "x.json", "--launchpad", "lp.yaml"]])
def test_source_or_launchpad_is_required(argv, capsys):
    assert main(argv) == 2
    assert "nasx: error:" in capsys.readouterr().err


def _damage(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.slow
def test_damaged_calculator_records_are_named_problems(stub_run, tmp_path):
    """A NaN energy, a missing key, binary garbage as forces.json: each is one Problem naming the
    file, and the rest of the study is still analysed."""
    run = copy_run(stub_run, tmp_path)
    phases = run / "phases"
    _damage(phases / "Na2S_Fm-3m/relax/result.json", lambda d: d.update(energy_eV=float("nan")))
    _damage(phases / "Na2S4_I-42d/relax/result.json", lambda d: d.pop("max_stress_GPa"))
    (phases / "Na2S2_P6_3mmc/phonons/disp-001/forces.json").write_bytes(bytes(range(256)))
    out = tmp_path / "out"
    assert main(["analyze", str(run), "--out", str(out)]) == PARTIAL_EXIT
    problems = {p["path"]: (p["reason"], p["missing"]) for p in results(out)["problems"]}
    assert problems == {
        "phases/Na2S_Fm-3m/relax/result.json": (
            "'energy_eV' holds nan, not a finite number",
            "energy: the phase is left out",
        ),
        "phases/Na2S4_I-42d/relax/result.json": (
            "has no 'max_stress_GPa'",
            "energy: the phase is left out",
        ),
        "phases/Na2S2_P6_3mmc/phonons/disp-001/forces.json": (
            "is not text: not a JSON record of the calculator",
            "phonons: no F_vib, S, Cv",
        ),
    }
    assert "Na2S4" not in results(out)["phases"] and "Na2S2" in results(out)["phases"]
