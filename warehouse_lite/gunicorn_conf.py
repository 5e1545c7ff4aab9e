"""gunicorn settings for warehouse_lite:

    gunicorn -c python:warehouse_lite.gunicorn_conf --bind ... warehouse_lite.wsgi:application

Email links (verify an address, reset a password) carry their secret in the query string, and
a browser sends the full URL of that page as the Referer of the page's own stylesheet. The
default access log writes both, so anyone who can read the logs could reset that password. This
logger writes ``token=[redacted]`` instead, in the request line, the query and the Referer;
everything else stays as gunicorn logs it.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Query parameters whose values are secrets (today: the links' "token").
SECRET_PARAMETERS = ("token", "code", "password", "secret")
_SECRET_VALUE = re.compile(
    r"(^|[?&;])((?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&;\s\"]*", re.IGNORECASE
)
_REDACTED_ATOMS = ("r", "q", "f", "U", "{referer}i")


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters replaced."""
    return _SECRET_VALUE.sub(r"\1\2[redacted]", text)


class RedactingLogger(Logger):
    """gunicorn's logger, minus the secrets of query strings in access-log lines."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in _REDACTED_ATOMS:
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


logger_class = RedactingLogger
