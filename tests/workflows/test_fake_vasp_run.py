"""`--calculator vasp` with the offline fake VASP, and `nasx analyze` on what it leaves behind.

Every step runs: pymatgen input sets, custodian around each VASP call, pymatgen's Vasprun and
phonopy's VASP force reader for every displacement. The run equals `--calculator stub` (to
parsing precision); re-analysing its directory, its LaunchPad or its bare VASP folders gives the
same numbers, and broken files are named without stopping the rest.

Every test shares one small run: bcc Na, Na2S and Na2S2 from the built-in set and a made-up
one-atom simple-cubic S (a hull needs both elemental references; α-S8 alone takes 27 VASP calls),
20 VASP calls in all. The full default set through the fake VASP (91 calls, ~4 minutes) is
`benchmarks/fake_vasp_study.py`, which prints its largest difference from the stub study.
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymatgen.core import Lattice, Structure

from nasx.cli import PARTIAL_EXIT, main
from nasx.structures import reference_set
from tests.documents import checked_document

SMALL_SET = ("Na_Im-3m", "Na2S_Fm-3m", "Na2S2_P6_3mmc")
"""Built-in phases of the small run, beside S_Pm-3m."""
SMALL_OPTIONS = ("--min-length", "6")


def fake_vasp_argv(out: Path, *options: str, structures: Path | None = None) -> list[str]:
    """The `nasx run` arguments of a fake-VASP study (see `fake_vasp_study`)."""
    argv = ["run", "--calculator", "vasp", "--vasp-cmd", "nasx-fake-vasp", *options]
    argv += ["--polling-seconds", "0.2", "--out", str(out), "--quiet"]
    argv += ["--gamma-acoustic", "include"]  # the fake's physics is the stub's: no zero modes at Γ
    if structures:
        argv += ["--structures", str(structures)]
    return argv


def fake_vasp_env(structures: Path | None = None) -> dict[str, str]:
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if structures:
        env["NASX_FAKE_VASP_STRUCTURES"] = str(structures)
    return env


def fake_vasp_study(out: Path, *options: str, structures: Path | None = None) -> Path:
    """`nasx run --calculator vasp` with nasx-fake-vasp (beside this Python) as VASP; with
    ``structures``, on that directory's phases, which the fake's stub then takes as references."""
    with pytest.MonkeyPatch.context() as env:
        for key, value in fake_vasp_env(structures).items():
            env.setenv(key, value)
        assert main(fake_vasp_argv(out, *options, structures=structures)) == 0
    return out


pytestmark = pytest.mark.slow  # every test here runs custodian around fake VASP processes


@pytest.fixture(scope="module")
def small_structures(tmp_path_factory) -> Path:
    structures = tmp_path_factory.mktemp("small-set")
    built_in = reference_set("Na-S")
    for phase_id in SMALL_SET:
        shutil.copy(built_in[phase_id].path, structures)
    # α-S8's volume per atom (27.56 Å³) in one atom: one displacement instead of 24
    Structure(Lattice.cubic(3.02), ["S"], [[0, 0, 0]]).to(filename=str(structures / "S_Pm-3m.cif"))
    return structures


@pytest.fixture(scope="module")
def vasp_run(tmp_path_factory, small_structures) -> Path:
    """The small fake-VASP run shared by the re-analysis tests. Copy it before changing anything."""
    out = tmp_path_factory.mktemp("fake-vasp") / "run"
    # 6 Å supercells (8 to 32 atoms): the stub's Einstein springs make F_vib independent of size
    return fake_vasp_study(out, *SMALL_OPTIONS, structures=small_structures)


def results(directory: Path) -> dict:
    return json.loads((directory / "results.json").read_text())


def bare_tree(run: Path, target: Path, gzipped: bool = True) -> Path:
    """The run's VASP and phonopy folders only: no run.json and none of nasx's JSON records."""
    shutil.copytree(run / "phases", target, ignore=shutil.ignore_patterns("*.json", "phonopy.yaml"))
    if gzipped:
        for path in target.rglob("vasprun.xml"):
            with open(path, "rb") as src, gzip.open(f"{path}.gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            path.unlink()
    return target


def truncate(path: Path) -> None:
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])


def test_fake_vasp_study_equals_the_stub_study(vasp_run, small_structures, tmp_path):
    stub_argv = ["run", "--calculator", "stub", "--structures", str(small_structures)]
    assert main([*stub_argv, *SMALL_OPTIONS, "--out", str(tmp_path / "stub"), "--quiet"]) == 0
    a, b = results(tmp_path / "stub"), checked_document(vasp_run / "results.json")
    assert len(a["phases"]) == len(b["phases"]) == 4
    assert a["temperatures_K"] == b["temperatures_K"] == [0, 300, 400]
    for t in ("0", "300", "400"):
        for formula, phase in a["phases"].items():
            assert b["phases"][formula]["formation_energy_eV_per_atom"][t] == pytest.approx(
                phase["formation_energy_eV_per_atom"][t], abs=1e-6
            )
            assert b["phases"][formula]["hull_distance_meV_per_atom"][t] == pytest.approx(
                phase["hull_distance_meV_per_atom"][t], abs=1e-3
            )
        for path in ("thermodynamic", "kinetic"):
            va = [p["voltage_V"] for p in a["ocv"][path][t]]
            vb = [p["voltage_V"] for p in b["ocv"][path][t]]
            assert vb == pytest.approx(va, abs=1e-6)
    for phase_id, record in a["calculations"].items():
        other = b["calculations"][phase_id]["phonons"]
        assert other["n_displacements"] == record["phonons"]["n_displacements"]
        assert other["free_energy_eV_per_atom"] == pytest.approx(
            record["phonons"]["free_energy_eV_per_atom"], abs=1e-6
        )
    assert "VASP r2SCAN" in b["calculator"]["description"]
    assert b["consistency"]["consistent"]
    assert set(b["consistency"]["functional"].values()) == {"R2SCAN"}
    assert set(b["consistency"]["encut_eV"].values()) == {680.0}
    custodian = [c for c in b["checks"] if c["check"] == "custodian"]
    assert len(custodian) == 4 and all(c["ok"] for c in custodian)  # no corrections were needed
    vasp_dir = vasp_run / "phases" / "Na2S_Fm-3m"
    for step in ("relax1", "relax2", "static"):
        assert (vasp_dir / "relax" / step / "custodian.json").exists()
    assert (vasp_dir / "phonons" / "disp-001" / "vasprun.xml").exists()


def test_reanalysing_the_run_directory_reproduces_its_results_exactly(vasp_run, tmp_path):
    out = tmp_path / "again"
    assert main(["analyze", str(vasp_run), "--out", str(out)]) == 0
    assert (out / "results.json").read_bytes() == (vasp_run / "results.json").read_bytes()
    sources = results(out)["calculations"]["Na2S_Fm-3m"]["sources"]
    assert sources == {  # re-parsed from VASP's own files, not from nasx's JSON records
        "energy": "phases/Na2S_Fm-3m/relax/static/vasprun.xml",
        "phonons": "phases/Na2S_Fm-3m/phonons/phonopy_disp.yaml",
        "structure": "phases/Na2S_Fm-3m/relax/relax2/vasprun.xml",
    }


def test_the_launchpad_gives_the_same_numbers(vasp_run, tmp_path):
    out = tmp_path / "lp"
    assert (
        main(["analyze", "--launchpad", str(vasp_run / "launchpad.json"), "--out", str(out)]) == 0
    )
    for key in ("phases", "ocv"):
        assert results(out)[key] == results(vasp_run)[key]


def test_a_truncated_displacement_vasprun_flags_only_its_phase(vasp_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(vasp_run, run)
    broken = run / "phases" / "Na2S2_P6_3mmc" / "phonons" / "disp-003" / "vasprun.xml"
    truncate(broken)
    out = tmp_path / "out"
    assert main(["analyze", str(run), "--out", str(out)]) == PARTIAL_EXIT
    document, full = results(out), results(vasp_run)
    [problem] = document["problems"]
    assert problem["path"] == "phases/Na2S2_P6_3mmc/phonons/disp-003/vasprun.xml"
    assert "not a complete vasprun.xml" in problem["reason"]
    assert document["calculations"]["Na2S2_P6_3mmc"]["phonons"] is None
    assert document["phases"]["Na2S2"]["formation_energy_eV_per_atom"]["300"] is None
    assert full["phases"]["Na2S"]["formation_energy_eV_per_atom"]["300"] is not None
    assert (
        document["phases"]["Na2S"]["formation_energy_eV_per_atom"]
        == full["phases"]["Na2S"]["formation_energy_eV_per_atom"]
    )
    assert document["ocv"]["thermodynamic"]["0"] == full["ocv"]["thermodynamic"]["0"]
    assert "phases/Na2S2_P6_3mmc/phonons/disp-003/vasprun.xml" in (out / "report.md").read_text()


def test_bare_gzipped_vasp_folders_are_recognised_by_content(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out)]) == 0
    document, full = checked_document(out / "results.json"), results(vasp_run)
    assert document["source"] == {"kind": "tree"}
    assert sorted(document["calculations"]) == [  # formula and space group, by content
        "Na2S2_P6_3mmc",
        "Na2S_Fm-3m",
        "Na_Im-3m",
        "S_Pm-3m",
    ]
    for formula, phase in full["phases"].items():
        assert document["phases"][formula]["formation_energy_eV_per_atom"]["0"] == pytest.approx(
            phase["formation_energy_eV_per_atom"]["0"], abs=1e-12
        )
    assert document["consistency"]["consistent"]
    # the vaspruns say they come from the fake: the tree's numbers are a test model's
    assert document["provenance"]["test_model"] is True
    assert document["provenance"]["model"].startswith("nasx's fake VASP")
    assert (out / "report.md").read_text().splitlines()[2].startswith("**Test model:")


def test_a_truncated_static_run_leaves_its_phase_out_and_the_rest_correct(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree", gzipped=False)
    truncate(tree / "Na2S2_P6_3mmc" / "relax" / "static" / "vasprun.xml")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out)]) == PARTIAL_EXIT
    document, full = results(out), results(vasp_run)
    [problem] = document["problems"]
    assert problem["path"] == "Na2S2_P6_3mmc/relax/static/vasprun.xml"
    assert problem["phase"].startswith("Na2S2") and "left out" in problem["missing"]
    assert "Na2S2" not in document["phases"]
    assert document["phases"]["Na2S"]["formation_energy_eV_per_atom"]["0"] == pytest.approx(
        full["phases"]["Na2S"]["formation_energy_eV_per_atom"]["0"], abs=1e-12
    )


def test_a_lone_compound_gets_its_thermal_properties_and_a_note_on_the_hull(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree", gzipped=False)
    lone = tmp_path / "lone"
    shutil.copytree(tree / "Na2S_Fm-3m", lone / "Na2S")
    out = tmp_path / "out"
    assert main(["analyze", str(lone), "--out", str(out)]) == PARTIAL_EXIT
    document = results(out)
    [record] = document["calculations"].values()
    assert record["formula"] == "Na2S" and record["relaxation"]["converged"]
    assert len(record["phonons"]["free_energy_eV_per_atom"]) == 2  # 300 and 400 K
    assert document["problems"] == []
    [missing] = document["missing"]
    assert "elemental reference" in missing["reason"]
    assert "phonon thermodynamics only" in (out / "report.md").read_text()


def test_mixed_cutoffs_are_flagged(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree", gzipped=False)
    static = tree / "Na2S2_P6_3mmc" / "relax" / "static" / "vasprun.xml"
    static.write_text(static.read_text().replace(">    680.00000000</i>", ">    520.00000000</i>"))
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out)]) == 0
    consistency = results(out)["consistency"]
    assert not consistency["consistent"]
    assert "encut_eV 520.0 (Na2S2_P6_3mmc)" in consistency["message"]
    assert "MIXED settings" in (out / "report.md").read_text()


def test_a_vasp_left_running_by_a_killed_run_is_stopped_and_its_step_redone(
    small_structures, tmp_path, capfd
):
    """custodian starts VASP in its own session: kill -9 of nasx leaves it running, writing.
    On the two elements of the small set (8 VASP calls), against the stub on them."""
    elements = tmp_path / "elements"
    elements.mkdir()
    for name in ("Na_Im-3m.cif", "S_Pm-3m.cif"):
        shutil.copy(small_structures / name, elements)
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "nasx", *fake_vasp_argv(out, *SMALL_OPTIONS, structures=elements)]
    env = {**os.environ, **fake_vasp_env(elements), "NASX_FAKE_VASP_SLEEP": "120"}
    first = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        record = _wait_for(lambda: next(out.glob("phases/*/relax/*/vasp-process.json"), None))
        half = record.parent / "vasprun.xml"  # VASP has written half of it, and sleeps
        _wait_for(lambda: half if half.is_file() and half.stat().st_size > 0 else None)
    finally:
        first.kill()
        first.wait()
    step = record.parent
    orphan = json.loads(record.read_text())["pid"]
    assert Path(f"/proc/{orphan}").exists(), "the fake VASP should outlive the killed nasx"

    fake_vasp_study(out, *SMALL_OPTIONS, structures=elements)
    said = f"{step}: stopped VASP (pid {orphan}) left running by an interrupted run"
    assert said in capfd.readouterr().err
    assert said in (out / "launches" / "jobs.log").read_text()
    assert not _running(orphan)
    assert "</modeling>" not in (step / "interrupted-1" / "vasprun.xml").read_text()
    stub = tmp_path / "stub"
    stub_argv = ["run", "--calculator", "stub", "--structures", str(elements), *SMALL_OPTIONS]
    assert main([*stub_argv, "--out", str(stub), "--quiet"]) == 0
    found, expected = results(out)["calculations"], results(stub)["calculations"]
    assert sorted(found) == sorted(expected) == ["Na_Im-3m", "S_Pm-3m"]
    for phase_id, record in expected.items():
        assert found[phase_id]["relaxation"]["converged"]
        assert found[phase_id]["volume_A3_per_atom"] == pytest.approx(
            record["volume_A3_per_atom"], rel=1e-9
        )
        assert found[phase_id]["phonons"]["free_energy_eV_per_atom"] == pytest.approx(
            record["phonons"]["free_energy_eV_per_atom"], abs=1e-6
        )


def _wait_for(find, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("the first run never got that far into its first VASP step")


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
