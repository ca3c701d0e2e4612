"""`nasx.workflow`: the study's FireWorks workflow for a LaunchPad of the caller's; nothing runs."""

from __future__ import annotations

import json

import pytest
from fireworks import Workflow

import nasx


def test_the_workflow_holds_a_relaxation_per_phase_and_the_analysis(small_cifs, tmp_path):
    out = tmp_path / "run"
    wf = nasx.workflow(structures=small_cifs, calculator="stub", out=out, min_length_A=6.0)
    assert isinstance(wf, Workflow)
    names = sorted(fw.name for fw in wf.fws)
    assert sum(name.startswith("relax") for name in names) == 4
    assert any(name.startswith("analysis") for name in names)
    assert wf.metadata["nasx_fingerprint"]
    assert json.loads((out / "run.json").read_text())["calculator"]["name"] == "stub"
    assert not (out / "results.json").exists()  # nothing ran


def test_a_committee_is_refused(small_cifs, tmp_path):
    with pytest.raises(nasx.ArgumentError) as caught:
        nasx.workflow(structures=small_cifs, calculator=["stub", "stub-stiff"], out=tmp_path)
    assert caught.value.argument == "calculator"
