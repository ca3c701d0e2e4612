import os
from pathlib import Path

import pytest

# One worker unless a test asks for more (--workers): tests already run one process per core.
os.environ.setdefault("NASX_WORKERS", "1")

from nasx.cli import main
from tests.paper_data import paper_entries, write_entries
from tests.small_set import MIN_LENGTH, write_small_set


@pytest.fixture
def paper_entries_json(tmp_path: Path) -> Path:
    """ENTRIES.json of the paper's six phases (static energies only)."""
    return write_entries(tmp_path / "entries.json", paper_entries())


@pytest.fixture(scope="session")
def stub_run(tmp_path_factory) -> Path:
    """A finished stub study (all six phases, 86 jobs). Copy it before changing anything."""
    out = tmp_path_factory.mktemp("stub") / "run"
    assert main(["run", "--calculator", "stub", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="session")
def small_cifs(tmp_path_factory) -> Path:
    """The small Na–S set (tests/small_set.py) as CIFs: a short but complete study (21 jobs)."""
    return write_small_set(tmp_path_factory.mktemp("small") / "cifs")


COMMITTEE = ["stub", "stub-stiff"]


def committee_argv(structures) -> list[str]:
    return ["run", "--calculator", *COMMITTEE, "--structures", str(structures), *MIN_LENGTH]


@pytest.fixture(scope="session")
def stub_committee(tmp_path_factory, small_cifs):
    """A finished committee (stub, stub-stiff) of the small set, one worker (35 jobs). Its
    models/stub/ is an ordinary one-worker stub run of the small set. Copy before changing."""
    out = tmp_path_factory.mktemp("committee") / "run"
    assert main([*committee_argv(small_cifs), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    return out
