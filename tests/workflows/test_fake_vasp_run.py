"""`--calculator vasp` with the offline fake VASP, and `nasx analyze` on what it leaves behind.

Every step runs: pymatgen input sets, custodian around each VASP call, pymatgen's Vasprun and
phonopy's VASP force reader for every displacement. The run equals `--calculator stub` (to
parsing precision); re-analysing its directory, its LaunchPad or its bare VASP folders gives the
same numbers, and broken files are named without stopping the rest.
"""

import gzip
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from nasx.cli import PARTIAL_EXIT, main

pytestmark = pytest.mark.slow
PHASE_IDS = (
    "Na_Im-3m",
    "S8_Fddd",
    "Na2S_Fm-3m",
    "Na2S2_P6_3mmc",
    "Na2S4_I-42d",
    "Na2S5_predicted_Pnma",
)


@pytest.fixture(scope="module")
def vasp_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fake-vasp") / "run"
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    previous = os.environ["PATH"]
    os.environ["PATH"] = env_path  # nasx-fake-vasp sits beside this Python
    try:
        argv = [
            "run",
            "--calculator",
            "vasp",
            "--vasp-cmd",
            "nasx-fake-vasp",
            "--polling-seconds",
            "0.2",
            "--gamma-acoustic",  # the fake's physics is the stub's: no zero modes at Γ
            "include",
            "--out",
            str(out),
            "--quiet",
        ]
        assert main(argv) == 0
    finally:
        os.environ["PATH"] = previous
    return out


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


def test_fake_vasp_study_equals_the_stub_study(vasp_run, stub_run):
    a, b = results(stub_run), results(vasp_run)
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
    assert len(custodian) == 6 and all(c["ok"] for c in custodian)  # no corrections were needed
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
    broken = run / "phases" / "Na2S4_I-42d" / "phonons" / "disp-003" / "vasprun.xml"
    truncate(broken)
    out = tmp_path / "out"
    assert main(["analyze", str(run), "--out", str(out)]) == PARTIAL_EXIT
    document, full = results(out), results(vasp_run)
    [problem] = document["problems"]
    assert problem["path"] == "phases/Na2S4_I-42d/phonons/disp-003/vasprun.xml"
    assert "not a complete vasprun.xml" in problem["reason"]
    assert document["calculations"]["Na2S4_I-42d"]["phonons"] is None
    assert document["phases"]["Na2S4"]["formation_energy_eV_per_atom"]["300"] is None
    for formula in ("Na2S", "Na2S2", "Na2S5"):
        assert (
            document["phases"][formula]["formation_energy_eV_per_atom"]
            == full["phases"][formula]["formation_energy_eV_per_atom"]
        )
    assert document["ocv"]["thermodynamic"]["0"] == full["ocv"]["thermodynamic"]["0"]
    assert "phases/Na2S4_I-42d/phonons/disp-003/vasprun.xml" in (out / "report.md").read_text()


def test_bare_gzipped_vasp_folders_are_recognised_by_content(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out)]) == 0
    document, full = results(out), results(vasp_run)
    assert document["source"] == {"kind": "tree"}
    assert sorted(document["calculations"]) == [  # formula and space group, by content
        "Na2S2_P6_3mmc",
        "Na2S4_I-42d",
        "Na2S5_Pnma",
        "Na2S_Fm-3m",
        "Na_Im-3m",
        "S_Fddd",
    ]
    for formula, phase in full["phases"].items():
        assert document["phases"][formula]["formation_energy_eV_per_atom"]["0"] == pytest.approx(
            phase["formation_energy_eV_per_atom"]["0"], abs=1e-12
        )
    assert document["consistency"]["consistent"]


def test_a_truncated_static_run_leaves_its_phase_out_and_the_rest_correct(vasp_run, tmp_path):
    tree = bare_tree(vasp_run, tmp_path / "tree", gzipped=False)
    truncate(tree / "Na2S5_predicted_Pnma" / "relax" / "static" / "vasprun.xml")
    out = tmp_path / "out"
    assert main(["analyze", str(tree), "--out", str(out)]) == PARTIAL_EXIT
    document, full = results(out), results(vasp_run)
    [problem] = document["problems"]
    assert problem["path"] == "Na2S5_predicted_Pnma/relax/static/vasprun.xml"
    assert problem["phase"].startswith("Na2S5") and "left out" in problem["missing"]
    assert "Na2S5" not in document["phases"]
    for formula in ("Na2S", "Na2S2", "Na2S4"):
        assert document["phases"][formula]["formation_energy_eV_per_atom"]["0"] == pytest.approx(
            full["phases"][formula]["formation_energy_eV_per_atom"]["0"], abs=1e-12
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
