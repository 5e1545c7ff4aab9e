"""Calls to POST /pypi through WebTest, encoded and decoded by the standard library's client."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import webtest


def call(app: webtest.TestApp, method: str, *params: Any, path: str = "/pypi") -> Any:
    """The result of ``method(*params)``; a fault is raised as xmlrpc.client.Fault."""
    body = xmlrpc.client.dumps(params, method, allow_none=True).encode()
    return send(app, body, path=path)


def send(app: webtest.TestApp, body: bytes, *, path: str = "/pypi", **headers: str) -> Any:
    """POST ``body`` as text/xml; the answer must be XML-RPC with status 200."""
    response = app.post(path, body, headers={"Content-Type": "text/xml", **headers}, status=200)
    assert response.content_type == "text/xml"
    assert "Set-Cookie" not in response.headers
    (result,), _ = xmlrpc.client.loads(response.body, use_builtin_types=True)
    return result
