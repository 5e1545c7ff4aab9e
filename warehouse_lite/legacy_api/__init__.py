"""POST /pypi: the read-only XML-RPC API that mirrors (bandersnatch) and older tools call.

protocol.py parses the call under strict bounds and writes the answer, methods.py holds the
methods, views.py the endpoint. No session, no cookie, no CSRF token: nothing here changes
anything or depends on who asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.legacy_api.views")
