"""`--calculator vasp` with the offline fake VASP equals `--calculator stub` (to parsing precision).

Every step runs: pymatgen input sets, custodian around each VASP call, pymatgen's Vasprun and
phonopy's VASP force reader for every displacement.
"""

import json
import os
import sys
from pathlib import Path

import pytest

from nasx.cli import main


@pytest.mark.slow
def test_fake_vasp_study_equals_the_stub_study(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    stub, vasp = tmp_path / "stub", tmp_path / "vasp"
    assert main(["run", "--calculator", "stub", "--out", str(stub), "--quiet"]) == 0
    assert (
        main(
            [
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
                str(vasp),
                "--quiet",
            ]
        )
        == 0
    )
    a = json.loads((stub / "results.json").read_text())
    b = json.loads((vasp / "results.json").read_text())
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
    custodian = [c for c in b["checks"] if c["check"] == "custodian"]
    assert len(custodian) == 6 and all(c["ok"] for c in custodian)  # no corrections were needed
    vasp_dir = vasp / "phases" / "Na2S_Fm-3m"
    for step in ("relax1", "relax2", "static"):
        assert (vasp_dir / "relax" / step / "custodian.json").exists()
    assert (vasp_dir / "phonons" / "disp-001" / "vasprun.xml").exists()
