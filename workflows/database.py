"""The user's LaunchPad (a MongoDB) from a FireWorks ``my_launchpad.yaml``, checked before use.

Opening one fails fast with one line that names the file and says what to do, never with a
driver traceback: a server that cannot be reached within the timeout, credentials the server
refuses, a database that was never initialised (``lpad reset``). No message carries the password
or a connection string with credentials in it.

The timeout is ``mongoclient_kwargs: {serverSelectionTimeoutMS: ...}`` of the LaunchPad file
(pymongo's own setting, so FireWorks' ``lpad``/``rlaunch``/``qlaunch`` honour it too), else
``DEFAULT_TIMEOUT_S``: pymongo's own default of 30 s is what made a typo look like a hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasx.errors import NasxInputError
from nasx.redaction import redact, secrets_of, userinfo

DEFAULT_TIMEOUT_S = 5.0
TIMEOUT_KEY = "serverSelectionTimeoutMS"
AUTH_FAILED, UNAUTHORIZED = 18, 13  # MongoDB error codes


@dataclass(frozen=True)
class LaunchPadFile:
    """A FireWorks LaunchPad file: where it points, without its secrets."""

    path: Path
    config: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> LaunchPadFile:
        from ruamel.yaml import YAML, YAMLError

        path = Path(path)
        if not path.is_file():
            raise NasxInputError(path, "LaunchPad file not found")
        try:
            config = YAML(typ="safe", pure=True).load(path.read_text())
        except (OSError, UnicodeDecodeError, YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)  # the offending text is never echoed
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise NasxInputError(
                path, f"is not a readable FireWorks LaunchPad file (YAML error{where})"
            ) from None
        if not isinstance(config, dict) or not config.get("host"):
            raise NasxInputError(
                path,
                "is not a FireWorks LaunchPad file: it needs at least 'host' (and usually port, "
                "name, username, password); see hpc_templates/my_launchpad.yaml",
            )
        return cls(path, config)

    @property
    def uri_mode(self) -> bool:
        return bool(self.config.get("uri_mode"))

    @property
    def server(self) -> str:
        """Where the file points, never with user or password: host:port, or the connection
        string's scheme and hosts (its user, password, database and options left out)."""
        host = str(self.config["host"])
        scheme, sep, rest = host.partition("://")
        hosts = re.split(r"[/?]", (rest if sep else host).rpartition("@")[2])[0]
        if sep:
            return f"{scheme}://{hosts}"
        port = "" if re.search(r":\d+$", hosts) else f":{self.config.get('port') or 27017}"
        return hosts + port

    @property
    def ignored_login(self) -> bool:
        """``host`` is a connection string with a user (and password) but ``uri_mode`` is off:
        FireWorks then gives pymongo an explicit ``username=None``, which wins over the string's."""
        host = str(self.config["host"])
        login = "://" in host and bool(userinfo(host))
        return login and not self.uri_mode and not self.config.get("username")

    @property
    def database(self) -> str:
        return str(self.config.get("name") or "fireworks")

    @property
    def timeout_s(self) -> float:
        kwargs = self.config.get("mongoclient_kwargs") or {}
        if TIMEOUT_KEY in kwargs:
            return float(kwargs[TIMEOUT_KEY]) / 1000.0
        if "://" in str(self.config["host"]):
            found = re.search(rf"[?&]{TIMEOUT_KEY}=(\d+)", str(self.config["host"]), re.I)
            if found:
                return float(found.group(1)) / 1000.0
        return DEFAULT_TIMEOUT_S

    def secrets(self) -> list[str]:
        """Strings that must never be shown: the passwords of the file and of its host."""
        return secrets_of(self.config)

    def redact(self, text: str) -> str:
        return redact(text, self.secrets())


def connect(path: Path, require_initialised: bool = True):
    """The FireWorks LaunchPad of ``path``, after checking that its database answers, accepts the
    credentials and (``require_initialised``) has been initialised with ``lpad reset``."""
    from fireworks import LaunchPad

    source = LaunchPadFile.read(path)
    try:
        launchpad = LaunchPad.from_dict({**source.config, "strm_lvl": "ERROR"})
    except Exception as exc:  # pymongo's ConfigurationError, InvalidURI, bad option types
        raise NasxInputError(
            source.path, f"has a setting pymongo rejects: {source.redact(str(exc))}"
        ) from None
    check(launchpad, source, require_initialised)
    return launchpad


def check(launchpad, source: LaunchPadFile, require_initialised: bool = True) -> None:
    """Raise NasxInputError, in one line without secrets, unless the database is usable."""
    import pymongo
    from pymongo.errors import PyMongoError

    try:
        with pymongo.timeout(source.timeout_s):
            # a read, not a ping: a server with authentication answers a ping without a login
            initialised = launchpad.fw_id_assigner.find_one({}, {"_id": 1}) is not None
    except PyMongoError as exc:
        raise NasxInputError(source.path, source.redact(problem(source, exc))) from None
    if require_initialised and not initialised:
        raise NasxInputError(
            source.path,
            source.redact(
                f"database '{source.database}' on {source.server} is not initialised as a "
                f"FireWorks LaunchPad: run 'lpad -l {source.path} reset' once (it empties that "
                "database)"
            ),
        )


def problem(source: LaunchPadFile, exc: Exception) -> str:
    """What a pymongo error says about the database of ``source``, with the fix (not redacted)."""
    if _refusal(exc) is not None:
        return _refused(source, exc)
    if not _timed_out(exc):
        return f"the MongoDB server {source.server} failed: {_reason(exc)}"
    return (
        f"cannot reach the MongoDB server {source.server} ({_reason(exc)}) within "
        f"{source.timeout_s:g} s: check host and port, that the server runs and that this machine "
        "may connect to it (hpc_templates/README.md, section 6); on a slow network raise "
        f"mongoclient_kwargs: {{{TIMEOUT_KEY}: 30000}} in this file"
    )


def server_lost(path: Path | None, exc: Exception, run_dir: Path | None = None) -> str:
    """One line for a database that went away (or refuses the file's login) while a command used
    it (``run_dir``: in the middle of that run): the file, the server without secrets, and the
    recovery."""
    try:
        source = LaunchPadFile.read(Path(path)) if path is not None else None
    except NasxInputError:
        source = None
    when = "mid-run" if run_dir is not None else "while in use"
    if source is None:
        return redact(
            f"lost the MongoDB LaunchPad {when} ({_reason(exc)}); run the same command again"
        )
    kept = f"; finished jobs are kept (on the server and in {run_dir})" if run_dir else ""
    if _refusal(exc) is not None:
        text = f"{when}, {_refused(source, exc)}{kept}: run the same command again once fixed"
    else:
        text = (
            f"lost the MongoDB server {source.server} {when} ({_reason(exc)}){kept}: run the "
            "same command again once the server is back"
        )
    return f"{source.path}: {source.redact(text)}"


def _refusal(exc: Exception) -> int | None:
    """The MongoDB error code of a refusal: the server's answer, or a refused login that pymongo
    reports as a server it could not select (a server back with another password)."""
    from pymongo.errors import OperationFailure

    if isinstance(exc, OperationFailure):
        return exc.code
    return AUTH_FAILED if "authentication failed" in _reason(exc) else None


def _refused(source: LaunchPadFile, exc: Exception) -> str:
    user, code = source.config.get("username"), _refusal(exc)
    if code == AUTH_FAILED:
        who = f"user '{user}'" if user else "the user of the connection string"
        return (
            f"the MongoDB server {source.server} refused the login of {who} (authentication "
            "failed): check username, password and authsource (the database that holds the "
            "user, often admin) in this file"
        )
    if code == UNAUTHORIZED and source.ignored_login:
        return (
            f"the MongoDB server {source.server} got no login: host is a connection string with "
            "a user and password, and FireWorks passes them on only with uri_mode: true; add "
            "'uri_mode: true' to this file"
        )
    if code == UNAUTHORIZED and not user and not source.uri_mode:
        return (
            f"the MongoDB server {source.server} requires a login: set username, password and "
            "authsource in this file"
        )
    if code == UNAUTHORIZED:
        return (
            f"the MongoDB server {source.server} does not let this user read database "
            f"'{source.database}': grant the user readWrite on it, or check name and authsource"
        )
    return f"the MongoDB server {source.server} refused: {_reason(exc)}"


def _timed_out(exc: Exception) -> bool:
    from pymongo.errors import ConnectionFailure

    return bool(getattr(exc, "timeout", False)) or isinstance(exc, ConnectionFailure)


def _reason(exc: Exception) -> str:
    """The driver's reason in a few words: its first clause, without timeouts and topology."""
    text = str(exc).split(", full error:")[0]
    text = re.split(r" \(configured timeouts|, Timeout:|, Topology Description", text)[0]
    text = re.sub(r"^[\w.\-\[\]:]+:\d+: ", "", text)  # "host:port: " prefix
    text = re.sub(r"^\[Errno \d+\] ", "", text)
    return text.strip().rstrip(".").lower() or type(exc).__name__
