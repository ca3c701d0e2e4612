"""``nasx run --launchpad FILE --workers 2``: two ordinary FireWorks workers on this machine
against the real database server, every job run once, the results of one worker."""

from __future__ import annotations

import pytest

from nasx.cli import main
from nasx.layout import RunDirectory
from nasx.workflows.launchpad import launchpad_from_file
from tests.small_set import MIN_LENGTH

pytestmark = pytest.mark.slow


def test_two_workers_against_the_database(launchpad_file, small_set, tmp_path):
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        argv = ["run", "--calculator", "stub", "--launchpad", str(launchpad_file), "--quiet"]
        argv += ["--structures", str(small_set), *MIN_LENGTH, "--out", str(out)]
        assert main([*argv, "--workers", str(workers)]) == 0
        assert not (out / "launchpad.json").exists()
        runs[workers] = out
    assert (runs[2] / "results.json").read_text().replace(str(runs[2]), "RUN") == (
        runs[1] / "results.json"
    ).read_text().replace(str(runs[1]), "RUN")
    journal = RunDirectory(runs[2]).journal_entries()
    assert all(e["computed"] for e in journal)
    assert len({e["job"] for e in journal}) == len(journal)  # every job exactly once
    lp = launchpad_from_file(launchpad_file)
    names = {
        launch["fworker"]["name"]
        for launch in lp.launches.find({"launch_dir": {"$regex": str(runs[2])}}, {"fworker": 1})
    }
    assert len(names) == 2 and all(n.endswith(("worker-1", "worker-2")) for n in names)
