"""The model-running processes keep freed memory for the next call (workflows/allocator.py)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

PROBE = """
import sys, numpy as np
from nasx.workflows.allocator import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
def rss_MB():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
block = np.ones(2**25)  # 256 MB, written so its pages are resident
del block
print(kept, round(rss_MB()))
"""


def _probe(mode: str) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or "libc.so" not in str(ctypes.util.find_library("c")),
    reason="glibc only",
)
def test_freed_block_stays_in_the_process_only_when_asked():
    default_flag, default_MB = _probe("default")
    kept_flag, kept_MB = _probe("keep")
    assert (default_flag, kept_flag) == ("None", "True")
    assert kept_MB - default_MB > 200  # the 256 MB block stayed mapped for reuse
