"""An unusable database gives one line naming the file and the fix, exit 2, no traceback and no
password; and nothing is written before that. Every command against every kind of unusable
database (down, refused login, uninitialised) is the table of test_secrets.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nasx.cli import main
from tests.cluster.conftest import PASSWORD, free_port, run


def one_line_error(capsys, argv: list[str], out: Path) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert PASSWORD not in captured.err + captured.out
    assert not out.exists()  # nothing written: no run.json, no results
    return lines[0]


def test_no_credentials_for_a_server_that_needs_them(server, tmp_path, capsys):
    lp = tmp_path / "lp.yaml"
    lp.write_text(f"host: 127.0.0.1\nport: {server.port}\nname: nasx_x\n")
    line = one_line_error(capsys, ["analyze", "--launchpad", str(lp)], tmp_path / "nasx-analysis")
    assert "requires a login: set username, password and authsource in this file" in line


def test_a_broken_launchpad_file_is_named_without_echoing_it(tmp_path, capsys):
    lp = tmp_path / "lp.yaml"
    lp.write_text(f"host: [127.0.0.1\npassword: {PASSWORD}\n")
    line = one_line_error(capsys, ["submit", "--launchpad", str(lp)], tmp_path / "nasx-vasp")
    assert (
        line
        == f"nasx: error: {lp}: is not a readable FireWorks LaunchPad file (YAML error at line 2)"
    )


@pytest.mark.slow
def test_the_console_command_fails_fast_by_default(server, small_set, tmp_path):
    """The reported case: nasx submit against a server that is not there hung for 30 s and
    printed a 65-line pymongo traceback. With the default timeout (5 s) it is one line."""
    lp = server.launchpad_file(tmp_path / "lp.yaml", "nasx_x", port=free_port())
    start = time.monotonic()
    result = run(
        ["nasx", "submit", "--launchpad", str(lp), "--out", str(tmp_path / "out")],
        env=None,
        cwd=tmp_path,
        timeout=60,
    )
    elapsed = time.monotonic() - start
    print(f"nasx submit against a closed port: exit {result.returncode} after {elapsed:.1f} s")
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert "within 5 s" in result.stderr and "Traceback" not in result.stderr
