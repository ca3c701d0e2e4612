"""`nasx submit`: the VASP workflow on a LaunchPad, refused twice unless forced."""

import sys

import pytest

from nasx.errors import NasxInputError
from nasx.settings import RunSettings
from nasx.structures import reference_set
from nasx.workflows.calculators import CalculatorOptions, get_calculator
from nasx.workflows.launchpad import EmbeddedStore
from nasx.workflows.submission import submit_study


def test_submit_adds_the_vasp_workflow_once(tmp_path):
    store = EmbeddedStore(tmp_path / "lp")  # FireWorks' mongomock store stands in for MongoDB
    try:
        phases = reference_set("Na-S").select(None)
        calculator = get_calculator("vasp", CalculatorOptions(phase_set=phases))
        jobs = submit_study(phases, calculator, RunSettings(), tmp_path / "run", store.launchpad)
        names = list(jobs.values())
        assert sum(n.startswith("relax ") for n in names) == 6
        assert sum(n.startswith("phonon setup ") for n in names) == 6
        assert names.count("analysis") == 1 and len(names) == 13
        relax = store.launchpad.get_fw_by_id(
            next(i for i, n in jobs.items() if n == "relax Na2S_Fm-3m")
        )
        assert relax.spec["_category"] == "vasp"  # only workers that run VASP pick it up
        assert (tmp_path / "run" / "run.json").exists()
        with pytest.raises(NasxInputError, match="already on the LaunchPad"):
            submit_study(phases, calculator, RunSettings(), tmp_path / "elsewhere", store.launchpad)
        again = submit_study(
            phases, calculator, RunSettings(), tmp_path / "elsewhere", store.launchpad, force=True
        )
        assert len(again) == len(jobs)
    finally:
        store.close()


def test_submit_cli_names_a_missing_launchpad_file(tmp_path, capsys):
    from nasx.cli import main

    assert main(["submit", "--launchpad", str(tmp_path / "my_launchpad.yaml")]) == 2
    assert "LaunchPad file not found" in capsys.readouterr().err


def test_a_run_directory_gets_one_workflow_and_stale_claims_are_taken_over(tmp_path):
    """--force adds the study again only elsewhere; a claim whose workflow is gone (lpad reset)
    or whose process died before adding it does not block the next submit."""
    import subprocess
    import sys

    from nasx.workflows.claims import CLAIMS

    store = EmbeddedStore(tmp_path / "lp")
    lp = store.launchpad
    try:
        phases = reference_set("Na-S").select(["Na_Im-3m", "S8_Fddd", "Na2S_Fm-3m"])
        calculator = get_calculator("vasp", CalculatorOptions(phase_set=phases))
        submit = lambda out, **kw: submit_study(  # noqa: E731
            phases, calculator, RunSettings(), tmp_path / out, lp, **kw
        )
        first = submit("run")
        with pytest.raises(NasxInputError, match="already holds the workflow of fw_id"):
            submit("run", force=True)
        assert lp.workflows.count_documents({}) == 1

        lp.reset("", require_password=False)  # the claims stay; their workflow is gone
        assert lp.db[CLAIMS].count_documents({}) == 2  # the study's and the run directory's
        assert list(submit("run")) == list(first)  # not refused, not waited for

        lp.reset("", require_password=False)
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        lp.db[CLAIMS].update_many({}, {"$set": {"fw_id": None, "pid": dead.pid}})
        assert len(submit("run")) == len(first)  # a claimant that died while adding
        assert lp.workflows.count_documents({}) == 1
    finally:
        store.close()


@pytest.mark.slow
def test_a_submitted_gpaw_job_runs_under_the_workers_launcher(tmp_path, monkeypatch):
    """`nasx submit --calculator gpaw`: a worker pulls the relaxation and starts GPAW under its
    own env.gpaw_launcher (here a fake mpiexec), which the submitted job did not carry."""
    from fireworks import FWorker
    from fireworks.core.rocket_launcher import launch_rocket

    from nasx.gpaw_settings import GpawSettings
    from nasx.structures import load_directory
    from tests.gpaw_set import CHEAP, fake_mpiexec, require_gpaw_or_skip, write_gpaw_set

    require_gpaw_or_skip()
    phases = load_directory(write_gpaw_set(tmp_path / "cifs")).select(None)
    options = CalculatorOptions(
        phase_set=phases, gpaw=GpawSettings.from_mapping("gpaw", CHEAP), for_workers=True
    )
    calculator = get_calculator("gpaw", options)
    store = EmbeddedStore(tmp_path / "lp")
    try:
        run = tmp_path / "run"
        submit_study(phases, calculator, RunSettings(), run, store.launchpad)
        monkeypatch.chdir(tmp_path)
        launcher = f"{fake_mpiexec(tmp_path)} -n 2"
        worker = FWorker(category="gpaw", env={"gpaw_launcher": launcher})
        assert launch_rocket(store.launchpad, worker)  # the first job: a relaxation
        (relax,) = [p for p in run.glob("phases/*/relax") if (p / "result.json").exists()]
        assert (relax / "gpaw.txt").exists()  # GPAW's log, written where the launcher ran it
        calls = (tmp_path / "mpiexec.log").read_text().splitlines()
        assert calls == [
            f"-n 2 {sys.executable} -m nasx.workflows.calculators.gpaw_process {relax}"
        ]
    finally:
        store.close()
