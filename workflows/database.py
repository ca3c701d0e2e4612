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

DEFAULT_TIMEOUT_S = 5.0
TIMEOUT_KEY = "serverSelectionTimeoutMS"
AUTH_FAILED, UNAUTHORIZED = 18, 13  # MongoDB error codes
_USERINFO = re.compile(r"(?<=//)[^@/?#\s]*@")


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
        """host:port, or the connection string without user and password."""
        host = str(self.config["host"])
        if self.uri_mode:
            return _USERINFO.sub("", host).split("?")[0].rstrip("/")
        return f"{host}:{self.config.get('port') or 27017}"

    @property
    def database(self) -> str:
        return str(self.config.get("name") or "fireworks")

    @property
    def timeout_s(self) -> float:
        kwargs = self.config.get("mongoclient_kwargs") or {}
        if TIMEOUT_KEY in kwargs:
            return float(kwargs[TIMEOUT_KEY]) / 1000.0
        if self.uri_mode:
            found = re.search(rf"[?&]{TIMEOUT_KEY}=(\d+)", str(self.config["host"]), re.I)
            if found:
                return float(found.group(1)) / 1000.0
        return DEFAULT_TIMEOUT_S

    def secrets(self) -> list[str]:
        """Strings that must never be shown: the password, and the userinfo of a URI."""
        found = [str(self.config["password"])] if self.config.get("password") else []
        if self.uri_mode:
            found += [m.group(0).rstrip("@") for m in _USERINFO.finditer(str(self.config["host"]))]
        return [s for s in found if s]

    def redact(self, text: str) -> str:
        text = _USERINFO.sub("***@", text)
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text


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
    from pymongo.errors import OperationFailure, PyMongoError

    timeout = source.timeout_s
    try:
        with pymongo.timeout(timeout):
            # a read, not a ping: a server with authentication answers a ping without a login
            initialised = launchpad.fw_id_assigner.find_one({}, {"_id": 1}) is not None
    except OperationFailure as exc:
        raise NasxInputError(source.path, _refused(source, exc)) from None
    except PyMongoError as exc:
        if not _timed_out(exc):
            raise NasxInputError(
                source.path,
                f"the MongoDB server {source.server} failed: {source.redact(_reason(exc))}",
            ) from None
        raise NasxInputError(
            source.path,
            f"cannot reach the MongoDB server {source.server} ({source.redact(_reason(exc))}) "
            f"within {timeout:g} s: check host and port, that the server runs and that this "
            "machine may connect to it (hpc_templates/README.md, section 6); on a slow network "
            f"raise mongoclient_kwargs: {{{TIMEOUT_KEY}: 30000}} in this file",
        ) from None
    if require_initialised and not initialised:
        raise NasxInputError(
            source.path,
            f"database '{source.database}' on {source.server} is not initialised as a FireWorks "
            f"LaunchPad: run 'lpad -l {source.path} reset' once (it empties that database)",
        )


def _refused(source: LaunchPadFile, exc) -> str:
    user = source.config.get("username")
    if exc.code == AUTH_FAILED:
        who = f"user '{user}'" if user else "the user of the connection string"
        return (
            f"the MongoDB server {source.server} refused the login of {who} (authentication "
            "failed): check username, password and authsource (the database that holds the "
            "user, often admin) in this file"
        )
    if exc.code == UNAUTHORIZED and not user and not source.uri_mode:
        return (
            f"the MongoDB server {source.server} requires a login: set username, password and "
            "authsource in this file"
        )
    if exc.code == UNAUTHORIZED:
        return (
            f"the MongoDB server {source.server} does not let this user read database "
            f"'{source.database}': grant the user readWrite on it, or check name and authsource"
        )
    return f"the MongoDB server {source.server} refused: {source.redact(_reason(exc))}"


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
