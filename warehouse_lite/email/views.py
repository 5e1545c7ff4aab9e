"""Development outbox viewer: read the emails captured in var/mail/ in the browser.

Mounted only when WAREHOUSE_ENV=development and the outbox sender is in use.
"""

from __future__ import annotations

import email
import email.policy
import re
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

_NAME = re.compile(r"^[\w.-]+\.eml$")


def _outbox_enabled(info: Any, request: Request) -> bool:
    settings = request.settings
    return bool(settings.env == "development" and settings.mail_backend == "outbox")


def _read(path: Any) -> dict[str, Any]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "name": path.name,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
        "text": body.get_content() if body is not None else "",
    }


@view_config(route_name="dev.mail", renderer="dev/mail.html")
def outbox(request: Request) -> dict[str, Any]:
    if not _outbox_enabled(None, request):
        raise HTTPNotFound()
    folder = request.settings.outbox_dir
    paths = sorted(folder.glob("*.eml"), reverse=True)[:100] if folder.exists() else []
    return {"messages": [_read(p) for p in paths], "message": None}


@view_config(route_name="dev.mail.message", renderer="dev/mail.html")
def outbox_message(request: Request) -> dict[str, Any]:
    name = request.matchdict["name"]
    if not _outbox_enabled(None, request) or not _NAME.match(name):
        raise HTTPNotFound()
    path = request.settings.outbox_dir / name
    if not path.is_file():
        raise HTTPNotFound()
    return {"messages": [], "message": _read(path)}


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.email.views")
