"""Security headers on every response (a tween, so error pages get them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def security_headers(hsts: bool) -> dict[str, str]:
    """The headers every response carries (nginx-config repeats them for published pages)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def security_headers_tween_factory(handler: Any, registry: Any) -> Any:
    defaults = security_headers(registry["settings"].cookies_secure)

    def tween(request: Request) -> Response:
        response = handler(request)
        headers = response.headers
        for name, value in defaults.items():
            headers.setdefault(name, value)
        return response

    return tween


def includeme(config: Configurator) -> None:
    # Inside the canonical-host tween (which must see the request first), outside the rest.
    config.add_tween(
        "warehouse_lite.headers.security_headers_tween_factory",
        under="warehouse_lite.canonical.canonical_tween_factory",
    )
