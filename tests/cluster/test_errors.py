"""An unusable database gives one line naming the file and the fix, exit 2, no traceback and no
password, for every command that opens a LaunchPad file; and nothing is written before that."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nasx.cli import main
from tests.cluster.conftest import PASSWORD, USER, free_port, run
from tests.small_set import MIN_LENGTH

FAST = {"mongoclient_kwargs": {"serverSelectionTimeoutMS": 1000}}  # the LaunchPad-file setting


def commands(lp: Path, out: Path, small_set: Path) -> dict[str, list[str]]:
    study = ["--structures", str(small_set), *MIN_LENGTH]
    return {
        "run": ["run", "--calculator", "stub", "--launchpad", str(lp), "--out", str(out), *study],
        "submit": ["submit", "--launchpad", str(lp), "--out", str(out), *study],
        "analyze": ["analyze", "--launchpad", str(lp), "--out", str(out)],
        "status": ["status", "--launchpad", str(lp)],
    }


def one_line_error(capsys, argv: list[str], out: Path) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert PASSWORD not in captured.err + captured.out
    assert not out.exists()  # nothing written: no run.json, no results
    return lines[0]


@pytest.mark.parametrize("command", ["run", "submit", "analyze", "status"])
def test_an_unreachable_server(command, server, small_set, tmp_path, capsys):
    lp = server.launchpad_file(tmp_path / "lp.yaml", "nasx_x", port=free_port(), **FAST)
    line = one_line_error(
        capsys, commands(lp, tmp_path / "out", small_set)[command], tmp_path / "out"
    )
    assert line.startswith(f"nasx: error: {lp}: cannot reach the MongoDB server 127.0.0.1:")
    assert "connection refused" in line and "within 1 s" in line
    assert "serverSelectionTimeoutMS" in line  # what to change on a slow network


@pytest.mark.parametrize("command", ["run", "submit", "analyze", "status"])
def test_wrong_credentials(command, server, small_set, tmp_path, capsys):
    lp = server.launchpad_file(tmp_path / "lp.yaml", "nasx_x")
    lp.write_text(lp.read_text().replace(PASSWORD, "not-the-password"))
    line = one_line_error(
        capsys, commands(lp, tmp_path / "out", small_set)[command], tmp_path / "out"
    )
    assert (
        f"{lp}: the MongoDB server 127.0.0.1:{server.port} refused the login of user '{USER}'"
        in line
    )
    assert "check username, password and authsource" in line
    assert "not-the-password" not in line


def test_no_credentials_for_a_server_that_needs_them(server, tmp_path, capsys):
    lp = tmp_path / "lp.yaml"
    lp.write_text(f"host: 127.0.0.1\nport: {server.port}\nname: nasx_x\n")
    line = one_line_error(capsys, ["analyze", "--launchpad", str(lp)], tmp_path / "nasx-analysis")
    assert "requires a login: set username, password and authsource in this file" in line


@pytest.mark.parametrize("command", ["run", "submit", "analyze", "status"])
def test_an_uninitialised_launchpad(command, server, database_name, small_set, tmp_path, capsys):
    lp = server.launchpad_file(tmp_path / "lp.yaml", database_name)  # never reset
    line = one_line_error(
        capsys, commands(lp, tmp_path / "out", small_set)[command], tmp_path / "out"
    )
    assert line == (
        f"nasx: error: {lp}: database '{database_name}' on 127.0.0.1:{server.port} is not "
        f"initialised as a FireWorks LaunchPad: run 'lpad -l {lp} reset' once (it empties that "
        "database)"
    )


def test_a_connection_string_with_credentials_is_never_shown(server, tmp_path, capsys):
    uri = f"mongodb://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/?authSource=admin"
    lp = tmp_path / "lp.yaml"
    lp.write_text(f'host: "{uri}"\nuri_mode: true\nname: nasx_x\n{FAST_YAML}')
    line = one_line_error(capsys, ["status", "--launchpad", str(lp)], tmp_path / "unused")
    assert "cannot reach the MongoDB server mongodb://127.0.0.1:" in line
    assert USER not in line


FAST_YAML = "mongoclient_kwargs: {serverSelectionTimeoutMS: 1000}\n"


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
