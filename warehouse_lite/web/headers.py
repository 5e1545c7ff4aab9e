"""Security and caching headers on every response (a tween, so error pages get them too)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from warehouse_lite.sessions.keys import SESSION_USER_KEY
from warehouse_lite.sessions.session import COOKIE_NAME
from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
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
# Pages of these areas are about one user (forms with their CSRF token, their settings, the
# second step of their login), whoever asks: never stored by a shared cache, and revalidated.
PRIVATE_PATH_PREFIXES = ("/manage/", "/account/", "/admin/")
PRIVATE = "private, no-cache"

log = logging.getLogger(__name__)


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


def _logged_in(request: Request) -> bool:
    """Whether the request comes with a logged-in session. Reads the session only when the
    request carries its cookie (pip and uv never do); a store that cannot be read counts as
    logged in, so a failure can only make a response more private."""
    if COOKIE_NAME not in request.cookies:
        return False
    try:
        return bool(request.session.get(SESSION_USER_KEY))
    except Exception:
        log.warning("session unreadable while choosing Cache-Control", exc_info=True)
        return True


def is_private(request: Request) -> bool:
    """Whether the response to ``request`` is about its user and must not be shared."""
    path = request.environ.get("PATH_INFO", "")  # undecoded: never raises on bad bytes
    return path.startswith(PRIVATE_PATH_PREFIXES) or _logged_in(request)


def make_private(response: Response) -> None:
    """At least ``private, no-cache``. A response that says ``no-store`` (a page showing a
    secret) already forbids every cache from keeping it and stays as it is; public caching
    headers (e.g. /simple/'s max-age) are replaced: they describe an anonymous page."""
    if response.cache_control.no_store:
        return
    response.headers["Cache-Control"] = PRIVATE
    if "Expires" in response.headers:
        del response.headers["Expires"]


def security_headers_tween_factory(handler: Any, registry: Any) -> Any:
    defaults = security_headers(get_settings(registry).cookies_secure)

    def tween(request: Request) -> Response:
        response = handler(request)
        headers = response.headers
        for name, value in defaults.items():
            headers.setdefault(name, value)
        if is_private(request):
            make_private(response)
        return response

    return tween
