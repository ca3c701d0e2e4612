"""The progress line's time left: none while relaxations run, then from the force jobs' rate,
so it does not swing from minutes to seconds on a run of a few minutes."""

from __future__ import annotations

from nasx.workflows.progress import Progress


def jobs(relax: int, setup: tuple[int, int], forces: tuple[int, int]) -> list[dict]:
    """A workflow snapshot: ``relax`` relaxations done of 2, setups and force jobs (done, known)."""
    fws = []
    for kind, (done, known) in {"relax": (relax, 2), "setup": setup, "forces": forces}.items():
        fws += [{"spec": {"nasx_kind": kind}, "state": "COMPLETED"}] * done
        fws += [{"spec": {"nasx_kind": kind}, "state": "WAITING"}] * (known - done)
    return fws


def test_the_time_left_comes_from_the_force_jobs_once_all_are_known():
    lines, t = [], [0.0]
    progress = Progress(lines.append, seconds=lambda: t[0])
    for t[0], snapshot in [
        (10.0, jobs(1, (1, 2), (0, 20))),  # one phase set up: its 20 force jobs known
        (50.0, jobs(1, (1, 2), (5, 20))),  # quick force jobs of the first phase
        (120.0, jobs(2, (2, 2), (5, 40))),  # the slow relaxation ends: 20 more force jobs
    ]:
        progress.update(snapshot)
        assert lines[-1].endswith("ETA once the relaxations end") or t[0] == 120.0
    assert not lines[-1].endswith("left")  # no rate yet
    t[0] = 130.0
    progress.update(jobs(2, (2, 2), (10, 40)))  # 5 force jobs in 10 s: 30 left, 60 s
    assert lines[-1].endswith("~1:00 left")
    t[0] = 160.0
    progress.update(jobs(2, (2, 2), (40, 40)))
    assert "left" not in lines[-1] and "ETA" not in lines[-1]
