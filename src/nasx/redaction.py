"""Credentials out of every line nasx prints or writes.

``redact`` masks the user and password of any MongoDB connection string (``mongodb://`` and
``mongodb+srv://``) in a text, and every secret it is given (the password fields of a LaunchPad
file, and the password of its connection string, as written and percent-decoded). It masks
more than needed rather than less: everything from ``mongodb://`` to the last ``@`` of its line
goes (a password may hold spaces, or an unescaped ``@``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, unquote_plus

MASK = "***"
_USERINFO = re.compile(r"(mongodb(?:\+srv)?://)[^\n]*@", re.IGNORECASE)  # to the line's last @
_PASSWORD_KEY = re.compile(r"password", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the userinfo of a connection string and without any of ``secrets``."""
    text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def userinfo(host: str) -> str:
    """The ``user:password`` of a connection string (everything before its last ``@``), or ""."""
    rest = host.partition("://")[2] or host
    return rest.rpartition("@")[0]


def secrets_of(config: Mapping) -> list[str]:
    """What a LaunchPad file's settings hold that must never be shown: every value of a key
    named like a password (also in ``mongoclient_kwargs``), and the password in ``host``."""
    kwargs = config.get("mongoclient_kwargs")
    found = [
        str(value)
        for mapping in (config, kwargs if isinstance(kwargs, Mapping) else {})
        for key, value in mapping.items()
        if _PASSWORD_KEY.search(str(key)) and value
    ]
    password = userinfo(str(config.get("host") or "")).partition(":")[2]
    found += [password, unquote(password), unquote_plus(password)]
    return [s for s in found if s]
