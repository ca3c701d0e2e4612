"""What every nasx FireWorks task shares: its run directory, its calculator as the worker
configures it, and one journal line per job."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fireworks.core.firework import FiretaskBase
from monty.json import MontyDecoder

from nasx.layout import RunDirectory
from nasx.workflows.calculators.base import Calculator


def decoded(value: object) -> object:
    """FireWorks hands MSONable parameters back as objects, other launchers as dicts."""
    if isinstance(value, dict) and "@module" in value:
        return MontyDecoder().processdecoded(value)
    return value


class NasxTask(FiretaskBase):
    """What every nasx task shares: its run directory, its calculator as the worker configures
    it, and one journal line per job (computed or reused, seconds, model calls, process id)."""

    @property
    def run(self) -> RunDirectory:
        return RunDirectory(Path(self["run_dir"]))

    def calculator(self, fw_spec: dict) -> Calculator:
        calculator: Calculator = decoded(self["calculator"])
        return calculator.configured(fw_spec.get("_fw_env", {}))

    @contextmanager
    def journal(self, job: str) -> Iterator[dict]:
        """Record ``job`` when the block ends; the block fills in ``computed`` and extra fields."""
        entry: dict = {"computed": True}
        start = time.perf_counter()
        yield entry
        computed = entry.pop("computed")
        seconds = time.perf_counter() - start
        self.run.record(job, computed=computed, seconds=seconds, pid=os.getpid(), **entry)


def model_fields(calculator: Calculator) -> dict:
    """The journal fields of the model's calls in this job."""
    return {
        "model_calls": calculator.clock.calls,
        "model_seconds": round(calculator.clock.seconds, 4),
    }
