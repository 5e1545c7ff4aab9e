from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from warehouse_lite.settings import Settings, load_settings, store_settings
from warehouse_lite.web.canonical import (
    canonical_tween_factory,
    client_address,
    host_name,
    is_loopback,
    site_url_for,
)


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("10.0.0.1", None, 0, "10.0.0.1"),
        ("10.0.0.1", "6.6.6.6", 0, "10.0.0.1"),  # no proxy trusted: the header is ignored
        ("10.0.0.1", "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # our proxy appended the last
        ("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7", 2, "203.0.113.7"),
        ("10.0.0.1", " , ", 1, "10.0.0.1"),
    ],
)
def test_client_address(remote: str, forwarded: str | None, trusted: int, expected: str) -> None:
    assert client_address(remote, forwarded, trusted) == expected


# ---- the host a request is answered for ------------------------------------------------------


def _settings(env: str, site_url: str, trusted_proxies: int = 0) -> Settings:
    return load_settings(
        {},
        env=env,
        var_dir=Path("/nonexistent"),
        session_secret="s" * 40,
        token_secret="t" * 40,
        database_url="postgresql://unused/db" if env == "production" else "",
        site_url=site_url,
        trusted_proxies=trusted_proxies,
    )


def _through_tween(settings: Settings, host: str | None, method: str = "GET", **environ: str):
    """The response of the canonical tween for one request, and the environ the app saw."""
    seen: dict[str, Any] = {}

    def app(request: Request) -> Response:
        seen.update(request.environ)
        return Response("app")

    registry = Registry()
    store_settings(registry, settings)
    tween = canonical_tween_factory(app, registry)
    request = Request.blank("/account/login/?next=/x", method=method, environ=environ)
    if host is None:
        del request.environ["HTTP_HOST"]
    else:
        request.environ["HTTP_HOST"] = host
    return tween(request), seen


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("localhost:6543", "localhost"),
        ("LOCALHOST.", "localhost"),
        ("[::1]:6543", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1", ""),
        ("host:99999", ""),
        ("host:http", ""),
        ("", None),
        (None, None),
    ],
)
def test_host_name(value: str | None, expected: str | None) -> None:
    assert host_name(value) == expected


@pytest.mark.parametrize(
    ("name", "loopback"),
    [
        ("localhost", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("localhost.example.org", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_is_loopback(name: str, loopback: bool) -> None:
    assert is_loopback(name) is loopback


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://localhost:6543"),
        ("::1", "http://localhost:6543"),
        ("[::1]", "http://localhost:6543"),
        ("localhost", "http://localhost:6543"),
        ("0.0.0.0", "http://localhost:6543"),  # noqa: S104  (not a bind: a name to map)
        ("::", "http://localhost:6543"),
        ("127.0.0.2", "http://127.0.0.2:6543"),
        ("192.0.2.5", "http://192.0.2.5:6543"),
        ("fd00::5", "http://[fd00::5]:6543"),
        ("Index.Example", "http://index.example:6543"),
    ],
)
def test_site_url_for(host: str, url: str) -> None:
    assert site_url_for(host, 6543) == url


@pytest.mark.parametrize("host", ["localhost:7000", "LocalHost:7000", "localhost", None])
def test_the_canonical_host_is_served(host: str | None) -> None:
    response, seen = _through_tween(_settings("development", "http://localhost:7000"), host)
    assert response.text == "app"
    assert seen["HTTP_HOST"] == "localhost:7000"


@pytest.mark.parametrize("host", ["127.0.0.1:7000", "[::1]:7000", "127.0.0.1"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_development_redirects_other_loopback_names(host: str, method: str) -> None:
    response, seen = _through_tween(_settings("development", "http://localhost:7000"), host, method)
    assert response.status_code == 307
    assert response.location == "http://localhost:7000/account/login/?next=/x"
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not seen  # the app never ran: nothing could set a cookie


def test_development_redirects_to_an_ip_site_url_too() -> None:
    response, _ = _through_tween(_settings("development", "http://127.0.0.1:7000"), "localhost")
    assert response.status_code == 307
    assert response.location == "http://127.0.0.1:7000/account/login/?next=/x"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_on_a_loopback_name_are_answered_as_the_site(method: str) -> None:
    """An upload to http://127.0.0.1:PORT/legacy/ works (twine refuses redirects); it carries
    no cookie, and every link it gets back names SITE_URL."""
    response, seen = _through_tween(
        _settings("development", "http://localhost:7000"), "127.0.0.1:7000", method
    )
    assert response.text == "app"
    assert seen["HTTP_HOST"] == "localhost:7000"


@pytest.mark.parametrize("env", ["production", "test"])
def test_loopback_names_are_not_redirected_outside_development(env: str) -> None:
    """Test rigs and benchmarks reach a loopback production site by IP; they get answers."""
    response, seen = _through_tween(_settings(env, "http://localhost:7000"), "127.0.0.1:7000")
    assert response.text == "app"
    assert seen["HTTP_HOST"] == "localhost:7000"


@pytest.mark.parametrize(
    ("env", "site_url", "host"),
    [
        ("production", "https://pypi.example.org", "evil.example"),
        ("production", "https://pypi.example.org", "localhost"),  # loopback is not the site
        ("production", "https://pypi.example.org", "127.0.0.1:8000"),
        ("production", "https://pypi.example.org", "pypi.example.org.evil.example"),
        ("development", "http://localhost:6543", "192.0.2.5:6543"),
        ("development", "http://localhost:6543", "[::1"),
        ("test", "http://localhost", "evil.example"),
    ],
)
def test_a_foreign_host_is_refused_with_421(env: str, site_url: str, host: str) -> None:
    settings = _settings(env, site_url)
    response, seen = _through_tween(settings, host, "POST")
    assert response.status_code == 421
    assert f"This server answers for {site_url} (its SITE_URL)" in response.text
    assert response.content_type == "text/plain"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert not seen


def test_the_site_name_with_another_case_port_or_final_dot_is_the_site() -> None:
    settings = _settings("production", "https://pypi.example.org")
    for host in ("PyPI.example.org", "pypi.example.org:443", "pypi.example.org."):
        response, seen = _through_tween(settings, host)
        assert response.text == "app", host
        assert seen["HTTP_HOST"] == "pypi.example.org"
        assert seen["wsgi.url_scheme"] == "https"


def test_forwarded_host_counts_only_from_trusted_proxies() -> None:
    # A proxy that sends the upstream's name as Host and the client's in X-Forwarded-Host.
    behind = _settings("production", "https://pypi.example.org", trusted_proxies=1)
    ok, seen = _through_tween(behind, "127.0.0.1:8000", HTTP_X_FORWARDED_HOST="pypi.example.org")
    assert ok.text == "app" and "HTTP_X_FORWARDED_HOST" not in seen
    refused, _ = _through_tween(behind, "127.0.0.1:8000", HTTP_X_FORWARDED_HOST="evil.example")
    assert refused.status_code == 421
    # Without trusted proxies, the header is the client's word: only Host counts.
    direct = _settings("production", "https://pypi.example.org")
    ignored, seen = _through_tween(direct, "pypi.example.org", HTTP_X_FORWARDED_HOST="evil.example")
    assert ignored.text == "app" and "HTTP_X_FORWARDED_HOST" not in seen
