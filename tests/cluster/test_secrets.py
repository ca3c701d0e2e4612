"""No password, ever, in what a command prints: every command that opens a LaunchPad file, for
every way the database can be unusable and every way the file can hold the credentials.

The reported case: a ``host`` that is a connection string with a user and password but without
``uri_mode: true`` printed the whole string (password included) in every error line, and with
a wrong password said that the server "requires a login". FireWorks hands such credentials to
pymongo only in uri_mode, so the line now says to set it, and names the server without them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote_plus

import pytest

from nasx.cli import main
from nasx.redaction import redact
from nasx.workflows.database import LaunchPadFile
from tests.cluster.conftest import PASSWORD, USER, free_port
from tests.small_set import MIN_LENGTH

WRONG = "Wr0ng/p@ss:w%rd-Kq9"  # a wrong password with every character a URI must escape
DOWN_TIMEOUT = "mongoclient_kwargs: {serverSelectionTimeoutMS: 100}"  # a closed port: no 5 s wait

COMMANDS = ("run", "submit", "status", "analyze")
STYLES = ("uri without uri_mode", "uri_mode", "fields")
MODES = ("server down", "wrong password", "uninitialised", "unescaped password")

NO_URI_MODE = (
    "the MongoDB server {server} got no login: host is a connection string with a user and "
    "password, and FireWorks passes them on only with uri_mode: true; add 'uri_mode: true' to "
    "this file"
)
UNREACHABLE = (
    "cannot reach the MongoDB server {server} (connection refused) within 0.1 s: check host and "
    "port, that the server runs and that this machine may connect to it (hpc_templates/README.md, "
    "section 6); on a slow network raise mongoclient_kwargs: {{serverSelectionTimeoutMS: 30000}} "
    "in this file"
)
REFUSED = (
    "the MongoDB server {server} refused the login of {who} (authentication failed): check "
    "username, password and authsource (the database that holds the user, often admin) in this "
    "file"
)
UNINITIALISED = (
    "database '{database}' on {server} is not initialised as a FireWorks LaunchPad: run 'lpad -l "
    "{lp} reset' once (it empties that database)"
)
PROBLEMS = {  # (style, mode) -> the line after "nasx: error: FILE: "
    ("uri without uri_mode", "wrong password"): NO_URI_MODE,
    ("uri without uri_mode", "uninitialised"): NO_URI_MODE,
    ("uri_mode", "wrong password"): REFUSED.replace("{who}", "the user of the connection string"),
    ("fields", "wrong password"): REFUSED.replace("{who}", f"user '{USER}'"),
    ("uri_mode", "uninitialised"): UNINITIALISED,
    ("fields", "uninitialised"): UNINITIALISED,
    **{(style, "server down"): UNREACHABLE for style in STYLES},
}


def launchpad_file(
    path: Path, style: str, mode: str, port: int, database: str
) -> tuple[Path, str, str]:
    """A LaunchPad file of ``style`` that is unusable in ``mode``, its password and its server
    as the error line must name it."""
    password = WRONG if mode in ("wrong password", "unescaped password") else PASSWORD
    if mode == "server down":
        port = free_port()
    if style == "fields":
        lines = [
            "host: 127.0.0.1",
            f"port: {port}",
            f"username: {USER}",
            f"password: '{password}'",
            "authsource: admin",
        ]
    else:
        written = password if mode == "unescaped password" else quote_plus(password)
        uri = f"mongodb://{USER}:{written}@127.0.0.1:{port}/?authSource=admin"
        lines = [f"host: '{uri}'", *(["uri_mode: true"] if style == "uri_mode" else [])]
    lines += [f"name: {database}", *([DOWN_TIMEOUT] if mode == "server down" else [])]
    path.write_text("\n".join(lines) + "\n")
    return path, password, f"{'' if style == 'fields' else 'mongodb://'}127.0.0.1:{port}"


def fragments(secret: str, size: int = 5) -> set[str]:
    """Every piece of ``size`` characters of the secret, as written and as escaped."""
    found = set()
    for form in (secret, quote_plus(secret)):
        found |= {form[i : i + size] for i in range(len(form) - size + 1)}
    return found


def argv_of(command: str, lp: Path, out: Path, small_set: Path) -> list[str]:
    study = ["--structures", str(small_set), *MIN_LENGTH]
    return {
        "run": ["run", "--calculator", "stub", "--launchpad", str(lp), "--out", str(out), *study],
        "submit": ["submit", "--launchpad", str(lp), "--out", str(out), *study],
        "status": ["status", "--launchpad", str(lp)],
        "analyze": ["analyze", "--launchpad", str(lp), "--out", str(out)],
    }[command]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("command", COMMANDS)
def test_no_password_in_any_error_line(
    command, style, mode, server, small_set, database_name, tmp_path, capsys
):
    if style == "fields" and mode == "unescaped password":
        pytest.skip("fields are never escaped: a wrong password is the wrong-password case")
    lp, password, named = launchpad_file(
        tmp_path / "lp.yaml", style, mode, server.port, database_name
    )
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(argv_of(command, lp, out, small_set)) == 2
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert not [piece for piece in fragments(password) if piece in printed], printed
    assert "Traceback" not in printed
    [line] = captured.err.strip().splitlines()
    if mode == "unescaped password":
        assert line.startswith(f"nasx: error: {lp}: has a setting pymongo rejects: ")
        assert "escaped" in line
    else:
        problem = PROBLEMS[style, mode].format(server=named, database=database_name, lp=lp)
        assert line == f"nasx: error: {lp}: {problem}"
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("uri_mode", [True, False])
@pytest.mark.parametrize("scheme", ["mongodb", "mongodb+srv"])
@pytest.mark.parametrize("password", ["S3cr3t", "p@ss/w:rd?#&x", "two words", "ünï-çødé"])
@pytest.mark.parametrize("escaped", [True, False])
def test_the_server_is_named_without_credentials(uri_mode, scheme, password, escaped, tmp_path):
    written = quote_plus(password) if escaped else password
    host = f"{scheme}://{USER}:{written}@db.example.org:27017/nasx?authSource=admin&w=1"
    source = LaunchPadFile(tmp_path / "lp.yaml", {"host": host, "uri_mode": uri_mode})
    assert source.server == f"{scheme}://db.example.org:27017"
    line = source.redact(f"{source.server} {host} {password} {written} {quote_plus(password)}")
    assert password not in line and written not in line
    assert (
        redact(f"see {host}, then")
        == f"see {scheme}://***@db.example.org:27017/nasx?authSource=admin&w=1, then"
    )


def test_a_host_and_password_field_named_without_the_password(tmp_path):
    source = LaunchPadFile(
        tmp_path / "lp.yaml",
        {
            "host": "db.example.org",
            "port": 27018,
            "password": PASSWORD,
            "mongoclient_kwargs": {"tlsCertificateKeyFilePassword": "k3y-pass"},
        },
    )
    assert source.server == "db.example.org:27018"
    assert source.redact(f"{PASSWORD} and k3y-pass") == "*** and ***"


AFTER_THE_CHECK = {  # where each command uses the database after checking it
    "submit": "nasx.workflows.submission.submit_study",
    "status": "nasx.workflows.status.from_launchpad",
    "analyze": "nasx.analysis.readers.launchpad.read_launchpad",
}


@pytest.mark.parametrize("command", sorted(AFTER_THE_CHECK))
@pytest.mark.parametrize("failure", ["server down", "password changed"])
def test_a_database_lost_after_the_check_is_one_line(
    command, failure, launchpad_file, server, small_set, tmp_path, monkeypatch, capsys
):
    from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

    error = (
        ServerSelectionTimeoutError(f"127.0.0.1:{server.port}: [Errno 111] Connection refused")
        if failure == "server down"
        else OperationFailure("authentication failed", code=18)
    )

    def lost(*args, **kwargs):
        raise error

    monkeypatch.setattr(AFTER_THE_CHECK[command], lost)
    capsys.readouterr()
    assert main(argv_of(command, launchpad_file, tmp_path / "out", small_set)) == 2
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err and "Traceback" not in captured.err
    [line] = captured.err.splitlines()
    assert line.startswith(f"nasx: error: {launchpad_file}: ")
    if failure == "server down":
        lost = f"lost the MongoDB server 127.0.0.1:{server.port} while in use (connection refused)"
        assert lost in line
        assert line.endswith("run the same command again once the server is back")
    else:
        assert f"while in use, the MongoDB server 127.0.0.1:{server.port} refused the login" in line
