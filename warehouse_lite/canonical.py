"""Every request is seen as addressed to SITE_URL, from the address the trusted proxies saw.

Links in emails (password reset, verification) are built from the request; without this, a
request with a forged Host header would mail the victim a link to the attacker's host. WebOb
also believes any X-Forwarded-For by default, which would let clients pick the IP address that
rate limits count; only the entries appended by our own proxies are trusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response


def client_address(
    remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int
) -> str | None:
    """The client's address: the entry that the outermost trusted proxy appended."""
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return hops[0] if hops else remote_addr
    return hops[-trusted_proxies]


def canonical_tween_factory(handler: Any, registry: Any) -> Any:
    settings = registry["settings"]
    parts = urlsplit(settings.site_url)
    host = parts.netloc
    scheme = parts.scheme

    def tween(request: Request) -> Response:
        environ = request.environ
        environ["REMOTE_ADDR"] = client_address(
            environ.get("REMOTE_ADDR"),
            environ.pop("HTTP_X_FORWARDED_FOR", None),
            settings.trusted_proxies,
        )
        environ["HTTP_HOST"] = host
        environ["wsgi.url_scheme"] = scheme
        return handler(request)

    return tween


def includeme(config: Configurator) -> None:
    # The outermost tween: nothing may read the host or the address before it has run.
    from pyramid.tweens import INGRESS

    config.add_tween("warehouse_lite.canonical.canonical_tween_factory", under=INGRESS)
