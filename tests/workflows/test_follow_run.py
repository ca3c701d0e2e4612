"""`nasx run --follow-instabilities` on a small stub study whose sulfur is the M-point double
well: the follow job finds the closed-form distortion, the analysis reports it, and a finished
follow job is not recomputed."""

import json
import shutil
from pathlib import Path

import pytest

from nasx.cli import main
from nasx.layout import RunDirectory
from nasx.settings import PhononSettings, RelaxSettings
from nasx.structures import reference_set
from nasx.workflows.calculators.stub import HarmonicReferenceModel, StubCalculator
from nasx.workflows.follow_tasks import FollowInstabilityTask
from tests.documents import checked_document
from tests.double_well import M_MODEL, StubWithDoubleWell
from tests.small_set import MIN_LENGTH

SULFUR = "S_P4mmm"


@pytest.fixture(scope="module")
def follow_run(tmp_path_factory) -> Path:
    """Na and the double-well S with the stub (the cheapest study: no compound), --follow-instabilities (in this process:
    NASX_WORKERS=1, so the patched stub computes every job)."""
    root = tmp_path_factory.mktemp("follow")
    structures = root / "structures"
    structures.mkdir()
    source = Path(reference_set("Na-S").source)
    for phase_id in ("Na_Im-3m",):
        shutil.copy(source / f"{phase_id}.cif", structures)
    M_MODEL.structure.to(filename=str(structures / f"{SULFUR}.cif"))
    patch = pytest.MonkeyPatch()
    patch.setattr(
        StubCalculator,
        "ase_calculator",
        lambda self: StubWithDoubleWell(HarmonicReferenceModel(self.references), M_MODEL),
    )
    out = root / "run"
    try:
        code = main(
            [
                *["run", "--calculator", "stub", "--structures", str(structures)],
                *["--out", str(out), "--quiet", "--follow-instabilities", *MIN_LENGTH],
            ]
        )
    finally:
        patch.undo()
    assert code == 0
    return out


def test_follow_job_finds_the_m_point_distortion(follow_run):
    result = json.loads(
        (follow_run / "phases" / SULFUR / "instability" / "result.json").read_text()
    )
    followed = result["followed"]
    assert followed["q_reduced"] == [0.5, 0.5, 0.0]
    assert followed["supercell"] == [2, 2, 1]
    assert followed["space_group_before"] == {"symbol": "P4/mmm", "number": 123}
    assert followed["space_group_after"] == {"symbol": "P4/nmm", "number": 129}
    assert followed["max_displacement_A"] == pytest.approx(M_MODEL.amplitude_A, abs=2e-3)
    assert followed["energy_gain_meV_per_atom"] == pytest.approx(
        M_MODEL.energy_gain_meV_per_atom, abs=1e-3
    )
    assert (follow_run / "phases" / SULFUR / "instability" / "distorted.cif").exists()
    # the stub's springs are stable: nothing to follow
    na = json.loads(
        (follow_run / "phases" / "Na_Im-3m" / "instability" / "result.json").read_text()
    )
    assert na["followed"] is None and na["note"].startswith("no instability")
    assert json.loads((follow_run / "run.json").read_text())["follow_instabilities"] is True


def test_analysis_reports_the_followed_modes(follow_run):
    results = checked_document(follow_run / "results.json")
    instability = results["calculations"][SULFUR]["instability"]
    assert instability["followed"]["space_group_after"]["number"] == 129
    assert "structure" not in instability["followed"]
    assert "zone boundary (½, ½, 0)" in instability["classification"]
    report = (follow_run / "report.md").read_text()
    section = report[report.index("## Following the unstable modes") :]
    row = next(line for line in section.splitlines() if line.startswith(f"| {SULFUR} "))
    assert "P4/mmm (123) → P4/nmm (129)" in row and "2×2×1 (4 atoms)" in row


def test_a_finished_follow_job_is_not_recomputed(follow_run):
    run = RunDirectory(follow_run)
    result = run.phase(SULFUR).instability_result
    before = result.read_bytes(), result.stat().st_mtime_ns
    first = [e for e in run.journal_entries() if e["job"] == f"follow {SULFUR}"]
    assert [e["computed"] for e in first] == [True]
    task = FollowInstabilityTask(
        run_dir=str(follow_run),
        phase_id=SULFUR,
        calculator=StubCalculator(),  # never called: the stored result is returned
        phonon_settings=PhononSettings(),
        relax_settings=RelaxSettings(),
    )
    action = task.run_task({})
    assert action.stored_data["space_group_after"] == "P4/nmm"
    again = [e for e in run.journal_entries() if e["job"] == f"follow {SULFUR}"]
    assert again[-1]["computed"] is False and "model_calls" not in again[-1]
    assert (result.read_bytes(), result.stat().st_mtime_ns) == before


def test_help_explains_the_option(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--follow-instabilities" in text
    assert "relax cell and positions without the symmetry constraint" in text
