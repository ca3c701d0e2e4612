import pytest

from nasx.cli import main
from tests.small_set import MIN_LENGTH

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
