"""`nasx.status`: where a study stands, typed; the command line prints its rendering."""

from __future__ import annotations

import pytest

import nasx
from nasx.workflows.status import COMPLETE


def test_a_finished_run_is_complete(small_run):
    out, _ = small_run
    report = nasx.status(out)
    assert report.code == COMPLETE
    [workflow] = report.workflows
    assert workflow.code == COMPLETE


def test_the_default_run_directory_is_nasx_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(nasx.NasxInputError, match="not a nasx run directory") as caught:
        nasx.status()
    assert str(caught.value.source).endswith("nasx-run")


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"run_dir": ".", "launchpad": "lp.yaml"}, "run_dir"),
        ({"run_dir": ".", "workflow_id": 3}, "workflow_id"),
        ({"launchpad": "lp.yaml", "workflow_id": 0}, "workflow_id"),
        ({"run_dir": ".", "lost_after_s": -1}, "lost_after_s"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, name):
    with pytest.raises(nasx.ArgumentError) as caught:
        nasx.status(**arguments)
    assert caught.value.argument == name
