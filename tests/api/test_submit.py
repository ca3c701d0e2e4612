"""`nasx.submit`: the VASP workflow added to a LaunchPad, checked first, nothing run."""

from __future__ import annotations

import pytest

import nasx


@pytest.fixture
def launchpad(tmp_path, monkeypatch):
    from nasx.workflows import launchpad
    from nasx.workflows.launchpad import EmbeddedStore

    store = EmbeddedStore(tmp_path / "lp")  # FireWorks' mongomock store stands in for MongoDB
    monkeypatch.setattr(launchpad, "launchpad_from_file", lambda path: store.launchpad)
    yield store.launchpad
    store.close()


def test_submit_adds_the_vasp_jobs(launchpad, small_cifs, tmp_path):
    jobs = nasx.submit(structures=small_cifs, launchpad="my_launchpad.yaml", out=tmp_path / "run")
    assert sum(name.startswith("relax") for name in jobs.values()) == 4
    assert launchpad.workflows.count_documents({}) == 1
    with pytest.raises(nasx.NasxInputError, match="already on the LaunchPad"):
        nasx.submit(structures=small_cifs, launchpad="my_launchpad.yaml", out=tmp_path / "run")


def test_follow_instabilities_is_refused_by_name(launchpad, tmp_path):
    with pytest.raises(nasx.ArgumentError) as caught:
        nasx.submit(launchpad="lp.yaml", out=tmp_path, follow_instabilities=True)
    assert caught.value.argument == "follow_instabilities"
    assert launchpad.workflows.count_documents({}) == 0
