"""gunicorn settings for warehouse_lite:

    gunicorn -c python:warehouse_lite.gunicorn_conf --bind ... warehouse_lite.wsgi:application

Email links (verify an address, reset a password) carry their secret in the query string, and
a browser sends the full URL of that page as the Referer of the page's own stylesheet. The
default access log writes both, so anyone who can read the logs could reset that password. This
logger writes ``token=[redacted]`` instead, in the request line, the query and the Referer;
everything else stays as gunicorn logs it.

The published simple pages (SIMPLE_PAGES_DIR) are cleared when the server starts and whenever
a worker exits: a worker that died between committing a change and withdrawing the pages it
made stale would otherwise leave them to nginx (packaging/static_pages.py). Starting also
sweeps abandoned temporary upload files from FILES_DIR (packaging/storage_check.py).
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


def clear_published_pages() -> None:
    """Delete the published simple pages, if the settings name a directory for them."""
    from warehouse_lite.packaging.static_pages import StaticPages
    from warehouse_lite.settings import load_settings

    pages_dir = load_settings().simple_pages_dir
    if pages_dir is not None:
        StaticPages(pages_dir).clear()


def on_starting(server: Any) -> None:
    from warehouse_lite.packaging.storage_check import sweep_at_start
    from warehouse_lite.settings import load_settings

    clear_published_pages()
    # Temporary files of uploads whose worker was killed before this start.
    sweep_at_start(load_settings())


def child_exit(server: Any, worker: Any) -> None:
    clear_published_pages()
