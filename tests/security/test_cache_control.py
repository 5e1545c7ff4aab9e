"""Caching headers: nothing about a user is kept by a shared cache or reused unrevalidated.

Every response to a logged-in session, and every page under /manage/, /account/ and /admin/
whoever asks, says at least ``private, no-cache`` (or ``no-store``); pages that show a secret
say ``no-store``; the public index keeps its public caching for anonymous clients, with or
without a (not logged-in) session cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import webtest

from tests.functional.conftest import form_for, login
from tests.security.routes import registered_views, url_for
from tests.security.test_csrf import entitled
from tests.security.world import PROJECT, World

PRIVATE_PREFIXES = ("/manage/", "/account/", "/admin/")
LOGGED_IN = ("session", "admin-session", "stale-session")


def directives(response: Any) -> set[str]:
    header = response.headers.get("Cache-Control", "")
    return {part.strip().split("=")[0].lower() for part in header.split(",") if part.strip()}


def is_private(response: Any) -> bool:
    found = directives(response)
    return "no-store" in found or {"private", "no-cache"} <= found


def test_authenticated_and_account_pages_are_private(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    checked = 0
    problems = []
    for route, method in sorted(registered_views(registry)):
        if method != "GET":
            continue
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        for auth in {entitled(route, method), "anonymous", *LOGGED_IN}:
            if auth not in LOGGED_IN and not url.startswith(PRIVATE_PREFIXES):
                continue
            response = world.request("GET", url, auth)
            checked += 1
            if not is_private(response):
                cache = response.headers.get("Cache-Control")
                problems.append(f"GET {url} as {auth}: {response.status}, Cache-Control {cache}")
    # POSTs and refusals too: a form error page, a 405, a 404 under /manage/.
    for method, url, auth in [
        ("POST", "/manage/account/password/", "session"),
        ("POST", "/manage/account/", "session"),
        ("GET", "/manage/project/no-such-project/settings/", "session"),
        ("POST", "/account/login/", "anonymous"),
    ]:
        response = world.request(method, url, auth)
        checked += 1
        if not is_private(response):
            problems.append(f"{method} {url} as {auth}: {response.headers.get('Cache-Control')}")
    assert problems == []
    figure(
        f"Cache-Control: {checked} responses to logged-in sessions (every GET view, public "
        f"pages included) or under /manage/, /account/, /admin/: private + no-cache or "
        f"no-store: {checked}/{checked}"
    )


def test_public_pages_keep_public_caching_when_anonymous(world: World):
    simple = [f"/simple/{PROJECT}/", "/simple/"]
    file_url = f"/packages/{world.file_path}"
    for url in [*simple, file_url]:
        for auth in ("anonymous", "user-token"):  # a session cookie without a login; none
            response = world.request("GET", url, auth)
            assert response.status_code == 200, url
            assert {"public", "max-age"} <= directives(response), (url, auth)
        # The same page for a logged-in browser is about that browser's session.
        logged_in = world.request("GET", url, "session")
        assert logged_in.status_code == 200
        assert directives(logged_in) == {"private", "no-cache"}, url
        assert "Expires" not in logged_in.headers


def test_pages_showing_secrets_are_not_stored(world: World, figure: Callable[[str], None]):
    browser = webtest.TestApp(
        world.app.app, extra_environ={"REMOTE_ADDR": "192.0.2.40", "HTTP_HOST": "localhost"}
    )
    assert login(browser, "owner").status_code == 303
    provision = browser.get("/manage/account/totp-provision")
    assert 'id="totp-secret"' in provision.text
    image = browser.get("/manage/account/totp-provision/image")
    assert image.content_type == "image/svg+xml"
    token_page = browser.get("/manage/account/token/")
    form = form_for(token_page, "/manage/account/token/")
    form["description"] = "cache test"
    form["token_scope"] = ["scope:user"]
    new_token = form.submit()
    assert "pypi-" in new_token.text
    shown = {"TOTP provisioning page": provision, "its QR code": image, "new token": new_token}
    wrong = {name: r.headers.get("Cache-Control") for name, r in shown.items()}
    assert wrong == dict.fromkeys(shown, "no-store")
    figure(
        f"Cache-Control: no-store on {len(shown)}/{len(shown)} responses showing a secret "
        "(TOTP page, QR code, new API token; recovery codes in their own test)"
    )
