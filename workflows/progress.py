"""Progress of a local run: jobs done by kind, the running jobs, elapsed and left; on stderr,
or given line by line to a function of the caller's."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable


class Progress:
    """Jobs done / total by kind, the running jobs, elapsed and estimated time (stderr)."""

    KINDS = (
        ("relax", "relaxed"),
        ("qha-relax", "QHA volumes relaxed"),
        ("forces", "forces"),
        ("born", "Born charges"),
        ("phonons", "phonons"),
        ("follow", "followed"),
        ("analysis", "analysis"),
        ("committee", "committee"),
    )

    def __init__(
        self,
        enabled: bool | Callable[[str], None],
        seconds: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``enabled``: False silent, True on stderr, a function: called with every line;
        ``seconds``: the clock."""
        self.enabled = bool(enabled)
        self.sink = enabled if callable(enabled) else None
        self.tty = self.sink is None and sys.stderr.isatty()
        self.seconds = seconds
        self.start = seconds()
        self.first_forces: tuple[float, int] | None = None
        """When every force job was first known, and how many were done then."""
        self.last_line = ""
        self.last_milestone: tuple = ()
        self.now: list[str] = []

    def current(self, name: str) -> None:
        self.now = [name]

    def running(self, names: list[str]) -> None:
        self.now = sorted(names)

    def update(self, fws: list[dict]) -> None:
        if not self.enabled:
            return
        done = Counter(fw["spec"].get("nasx_kind") for fw in fws if fw["state"] == "COMPLETED")
        total = Counter(fw["spec"].get("nasx_kind") for fw in fws)
        n_done, n_total = sum(done.values()), len(fws)
        now = self.seconds()
        elapsed = now - self.start
        eta = self.left(done, total, now)
        parts = " · ".join(f"{label} {done[k]}/{total[k]}" for k, label in self.KINDS if total[k])
        line = f"[{clock(elapsed)}] jobs {n_done}/{n_total} · {parts} · running: {', '.join(self.now) or '-'}"
        line += f" · {eta}" if eta else ""
        if self.sink is not None:
            if line != self.last_line:
                self.sink(line)
            self.last_line = line
            return
        if self.tty:
            sys.stderr.write("\r\033[K" + line[: os.get_terminal_size().columns - 1])
        else:  # a log: one line per finished phase step and every 10 jobs
            milestone = (done["relax"], done["setup"], n_done // 10, n_done == n_total)
            if milestone != self.last_milestone:
                sys.stderr.write(line + "\n")
            self.last_milestone = milestone
        sys.stderr.flush()
        self.last_line = line

    def left(self, done: Counter, total: Counter, now: float) -> str:
        """The time left, from the rate of force jobs (most of a study's work, and of similar
        cost), once every phase is set up and so every force job is known; before, '' (an
        estimate from the relaxations, a few slow jobs, would swing by minutes)."""
        if done["setup"] < total["setup"] or total["forces"] == 0:
            return "ETA once the relaxations end" if total["setup"] else ""
        if self.first_forces is None:
            self.first_forces = (now, done["forces"])
        since, done_then = self.first_forces
        remaining = total["forces"] - done["forces"]
        if remaining == 0 or done["forces"] == done_then or now <= since:
            return ""
        return f"~{clock(remaining * (now - since) / (done['forces'] - done_then))} left"

    def close(self, fws: list[dict]) -> None:
        if self.enabled:
            self.now = []
            self.update(fws)
            if self.tty:
                sys.stderr.write("\n")


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
