"""Every request is answered as addressed to SITE_URL, or not at all.

Links in emails (password reset, verification) are built from the request; without this, a
request with a forged Host header would mail the victim a link to the attacker's host. So the
tween rewrites the Host of every request it serves to SITE_URL's, and refuses (421) a request
for another host name instead of answering it under a name it did not ask for.

One exception keeps `make serve` usable whichever loopback name a developer types: in
development, a GET or HEAD for another loopback name (127.0.0.1, [::1], localhost) when SITE_URL
is itself a loopback URL is redirected to SITE_URL before any cookie is set, so the session
cookie is only ever set for the canonical name (see docs/decisions.md, "The address to open").

WebOb also believes any X-Forwarded-For by default, which would let clients pick the IP address
that rate limits count; only the entries appended by our own proxies are trusted, and the same
goes for X-Forwarded-Host.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pyramid.response import Response

from warehouse_lite.settings import get_settings
from warehouse_lite.web.headers import security_headers

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.settings import Settings

# The redirect is temporary: browsers cache a 301/308 for good, and the canonical name changes
# whenever a developer runs `serve` with another --host.
LOOPBACK_REDIRECT_STATUS = "307 Temporary Redirect"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Names bound to a wildcard address are not addresses a browser can open.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "*"})  # noqa: S104  (recognised, not bound)
# Loopback names that `localhost` resolves to: a server bound to one of them is reachable as
# http://localhost:PORT, the only loopback name WebAuthn accepts as a relying party id.
LOCALHOST_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})


def forwarded_value(direct: str | None, forwarded: str | None, trusted_proxies: int) -> str | None:
    """The entry of a comma-separated X-Forwarded-* header that the outermost trusted proxy
    appended; ``direct`` (what the connection itself says) when no proxy is trusted or the
    header is absent."""
    if trusted_proxies <= 0 or not forwarded:
        return direct
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return hops[0] if hops else direct
    return hops[-trusted_proxies]


def client_address(
    remote_addr: str | None, forwarded_for: str | None, trusted_proxies: int
) -> str | None:
    """The client's address: the entry that the outermost trusted proxy appended."""
    return forwarded_value(remote_addr, forwarded_for, trusted_proxies)


def host_name(host: str | None) -> str | None:
    """The lower-case host name of a Host header value (no port, no brackets, no final dot);
    None when there is none; "" when it cannot be parsed."""
    if not host:
        return None
    try:
        parts = urlsplit("//" + host.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not one)
    except ValueError:  # "[::1", "host:99999", "host:http" ...
        return ""
    return (parts.hostname or "").rstrip(".")


def is_loopback(name: str) -> bool:
    """True for names that can only mean this machine: localhost (and *.localhost, which
    browsers resolve to loopback) and loopback IP addresses."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def site_url_for(host: str, port: int) -> str:
    """The URL to open for a server listening on ``host``:``port`` (what `serve` makes
    SITE_URL in development): http://localhost:PORT for loopback and wildcard addresses, else
    the address as given."""
    name = host.strip().strip("[]").lower()
    if name in LOCALHOST_ADDRESSES or name in WILDCARD_HOSTS:
        return f"http://localhost:{port}"
    if ":" in name:  # an IPv6 literal
        return f"http://[{name}]:{port}"
    return f"http://{name}:{port}"


def _misdirected(settings: Settings, asked: str) -> Response:
    shown = "".join(c for c in asked if c.isprintable())[:100] or "an unreadable host name"
    message = (
        f"This server answers for {settings.origin} (its SITE_URL), not for {shown}. "
        f"Open {settings.origin}/ instead"
        + (", or set SITE_URL to the address you use." if not settings.is_production else ".")
    )
    response = Response(status="421 Misdirected Request", content_type="text/plain")
    response.text = f"421 Misdirected Request\n\n{message}\n"
    response.headers.update(security_headers(settings.cookies_secure))
    return response


def _to_canonical(settings: Settings, request: Request) -> Response:
    response = Response(status=LOOPBACK_REDIRECT_STATUS, location=settings.origin + request.path_qs)
    response.headers.update(security_headers(settings.cookies_secure))
    return response


def canonical_tween_factory(handler: Any, registry: Any) -> Any:
    settings = get_settings(registry)
    parts = urlsplit(settings.site_url)
    host = parts.netloc
    scheme = parts.scheme
    canonical_name = host_name(host) or ""
    loopback_site = is_loopback(canonical_name)
    redirect_aliases = loopback_site and settings.env == "development"

    def tween(request: Request) -> Response:
        environ = request.environ
        environ["REMOTE_ADDR"] = client_address(
            environ.get("REMOTE_ADDR"),
            environ.pop("HTTP_X_FORWARDED_FOR", None),
            settings.trusted_proxies,
        )
        asked = forwarded_value(
            environ.get("HTTP_HOST"),
            environ.pop("HTTP_X_FORWARDED_HOST", None),
            settings.trusted_proxies,
        )
        name = host_name(asked)
        if name is not None and name != canonical_name:
            if not (loopback_site and is_loopback(name)):
                return _misdirected(settings, asked or "")
            if redirect_aliases and request.method in SAFE_METHODS:
                return _to_canonical(settings, request)
            # Another loopback name for this same machine: uploads and API calls carry no
            # cookie, so they are answered as the canonical name (links included).
        environ["HTTP_HOST"] = host
        environ["wsgi.url_scheme"] = scheme
        return handler(request)

    return tween
