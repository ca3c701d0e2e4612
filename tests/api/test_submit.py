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


def test_submit_adds_the_gpaw_workflow_without_gpaw_here(launchpad, small_cifs, tmp_path, capsys):
    """GPAW runs on the workers, each with its own launcher: this machine needs no GPAW, the
    jobs carry the GPAW settings and category, and no launcher."""
    from nasx.cli import main

    jobs = nasx.submit(
        structures=small_cifs,
        launchpad="my_launchpad.yaml",
        calculator="gpaw",
        gpaw={"ecut_eV": 300},
        out=tmp_path / "run",
    )
    relax_id = next(i for i, name in jobs.items() if name.startswith("relax"))
    relax = launchpad.get_fw_by_id(relax_id)
    assert relax.spec["_category"] == "gpaw"  # only workers that declare it run DFT
    calculator = relax.tasks[0]["calculator"]
    assert calculator.settings.ecut_eV == 300 and calculator.launcher is None
    assert main(["submit", "--launchpad", "lp.yaml", "--calculator", "gpaw",
                 "--structures", str(small_cifs), "--out", str(tmp_path / "cli"),
                 "--gpaw", "ecut_eV=300", "--force"]) == 0  # fmt: skip
    assert "with gpaw (run directory" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "argument", "problem"),
    [
        ({"calculator": "chgnet"}, "calculator", "submit takes vasp or gpaw"),
        ({"calculator": "gpaw", "gpaw_launcher": "srun"}, "gpaw_launcher", "env.gpaw_launcher"),
        ({"gpaw": {"ecut_eV": 300}}, "gpaw", "gpaw is not a calculator"),
    ],
)
def test_what_the_workers_cannot_run_is_refused_by_name(
    launchpad, tmp_path, options, argument, problem
):
    with pytest.raises(nasx.ArgumentError, match=problem) as caught:
        nasx.submit(launchpad="lp.yaml", out=tmp_path, **options)
    assert caught.value.argument == argument
    assert launchpad.workflows.count_documents({}) == 0
