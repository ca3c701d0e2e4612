"""Counts agree with their nouns: "1 job", "2 jobs", in every message and report."""

from __future__ import annotations

import re
from pathlib import Path

from nasx.wording import counted

ROOT = Path(__file__).resolve().parents[1]
NAIVE = re.compile(
    r"\{([^{}]+)\} (jobs|steps|phases|plateaus|workers|entries|atoms|models|folders|"
    r"displacements|calculations|files|supercells)\b"
)
ALWAYS_PLURAL = {
    "len(models)",  # a committee has two models or more
    "MAX_TREE_DEPTH",  # a constant > 1
    "atoms",  # study.py's large-supercell warning: ≥ 1000 atoms
    "6 * independent",
    "direction",  # a word ("charge", "discharge"), not a count  # the same warning: a range "n–6n displacements"
}


def test_counted():
    assert counted(1, "job") == "1 job" and counted(2, "job") == "2 jobs"
    assert counted(0, "phase") == "0 phases"
    assert (
        counted(1, "entry", "entries") == "1 entry"
        and counted(3, "entry", "entries") == "3 entries"
    )


def test_no_message_writes_a_count_with_a_fixed_plural():
    naive = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for folder in ("src", "analysis", "workflows", "structures")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for match in NAIVE.finditer(line)
        if match.group(1) not in ALWAYS_PLURAL
    ]
    assert naive == []
