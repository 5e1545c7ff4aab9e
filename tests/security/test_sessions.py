"""Sessions and response headers: the session id changes at login (both steps) and dies at
logout, expired and password-stale sessions are dropped, cookies are HttpOnly + SameSite
(+ Secure and HSTS under https), and every response carries the security headers."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pyotp
import webtest
from itsdangerous import Signer

from tests.common.factories import DEFAULT_PASSWORD
from tests.functional.conftest import csrf_of, form_for
from tests.security.routes import registered_views, url_for
from tests.security.test_csrf import entitled
from tests.security.world import World
from warehouse_lite.accounts.two_factor.models import UserTOTP
from warehouse_lite.config import configure
from warehouse_lite.sessions.session import COOKIE_NAME
from warehouse_lite.sessions.stores import SqlSessionStore
from warehouse_lite.settings import get_settings


def _session_id(world: World, app: webtest.TestApp) -> str:
    cookie = app.cookies[COOKIE_NAME].strip('"')
    return world.signer.unsign(cookie).decode()


def _browser(world: World) -> webtest.TestApp:
    return webtest.TestApp(
        world.app.app, extra_environ={"REMOTE_ADDR": "192.0.2.30", "HTTP_HOST": "localhost"}
    )


def _password_step(browser: webtest.TestApp, username: str) -> webtest.TestResponse:
    page = browser.get("/account/login/")
    form = form_for(page, "/account/login/")
    form["username"] = username
    form["password"] = DEFAULT_PASSWORD
    return form.submit()


def test_session_id_rotated_at_login_and_dropped_at_logout(
    world: World, figure: Callable[[str], None]
):
    rotations = 0
    # Password only.
    browser = _browser(world)
    browser.get("/account/login/")
    before = _session_id(world, browser)
    csrf_before = csrf_of(browser.get("/account/login/"))
    done = _password_step(browser, "owner")
    assert done.status_code == 303 and "/account/login/" not in done.location
    after = _session_id(world, browser)
    assert after != before and world.store.load(before) is None
    assert csrf_of(browser.get("/manage/account/")) != csrf_before
    rotations += 1
    # Password, then TOTP: the id changes when the second step completes.
    browser = _browser(world)
    browser.get("/account/login/")
    assert _password_step(browser, "twofa").location.endswith("/account/two-factor/")
    pending = _session_id(world, browser)
    secret = world.db.get(UserTOTP, world.two_factor_user.id).secret
    page = browser.get("/account/two-factor/")
    form = form_for(page, "/account/two-factor/")
    form["totp_value"] = pyotp.TOTP(secret).now()
    assert form.submit().status_code == 303
    logged_in = _session_id(world, browser)
    assert logged_in != pending and world.store.load(pending) is None
    assert browser.get("/manage/account/").status_code == 200
    rotations += 1
    # Logout ends the session on the server, not only in the browser.
    page = browser.get("/account/logout/")
    form_for(page, "/account/logout/").submit()
    assert world.store.load(logged_in) is None
    replay = _browser(world)
    replay.set_cookie(COOKIE_NAME, world.signer.sign(logged_in).decode())
    assert replay.get("/manage/account/").status_code == 303
    figure(
        f"sessions: id rotated at login {rotations}/2 (password; password + TOTP), old ids "
        f"dead on the server: yes, CSRF token replaced: yes, logged-out id replayed: refused"
    )


def test_expired_and_stale_sessions_are_dropped(world: World):
    owner = world.owner
    data = {"auth.userid": str(owner.id), "auth.password_date": owner.password_date.isoformat()}
    browser = _browser(world)
    old, _ = world.new_session({**data})
    world.store.save(
        world.signer.unsign(old).decode(),
        {
            **data,
            "_created": time.time() - get_settings(world.app.app.registry).session_max_age - 5,
        },
        3600,
    )
    browser.set_cookie(COOKIE_NAME, old)
    assert browser.get("/manage/account/").status_code == 303
    # A session from before a password change (another browser changed it) is dropped.
    stale, _ = world.new_session({**data, "auth.password_date": "2000-01-01T00:00:00+00:00"})
    browser = _browser(world)
    browser.set_cookie(COOKIE_NAME, stale)
    assert browser.get("/manage/account/").status_code == 303
    # A forged cookie (not signed with SESSION_SECRET) is ignored.
    forged = Signer("not the secret", salt="warehouse_lite.session").sign("forged").decode()
    browser = _browser(world)
    browser.set_cookie(COOKIE_NAME, forged)
    assert browser.get("/manage/account/").status_code == 303


def _set_cookie_headers(response: Any) -> list[str]:
    return [v for k, v in response.headerlist if k.lower() == "set-cookie"]


def test_cookie_attributes(world: World, settings: Any, engine: Any, connection: Any):
    browser = _browser(world)
    [cookie] = _set_cookie_headers(browser.get("/account/login/"))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "SameSite=Lax" in cookie and "secure" not in attributes
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 0 < max_age <= settings.session_max_age

    https = dataclasses.replace(settings, site_url="https://index.example")
    app = configure(https, engine=engine, session_store=SqlSessionStore(connection))
    secure = webtest.TestApp(app.make_wsgi_app(), extra_environ={"HTTP_HOST": "index.example"})
    response = secure.get("/account/login/")
    [cookie] = _set_cookie_headers(response)
    assert "; secure" in cookie.lower() and "httponly" in cookie.lower()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def check_headers(response: Any) -> list[str]:
    """What is wrong with a response's security headers (empty: nothing)."""
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    for needed in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
        if needed not in csp:
            problems.append(f"CSP lacks {needed}")
    script = directives.get("script-src", "")
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script:
        problems.append(f"CSP script-src too wide: {script}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append("no X-Frame-Options: DENY")
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ):
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


def test_security_headers_on_every_response(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    checked = 0
    problems = []
    requests: list[tuple[str, str, str]] = []
    for route, method in sorted(registered_views(registry)):
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        requests.append((method, url, entitled(route, method)))
        requests.append((method, url, "user-token"))  # refusals (403 pages) too
    requests += [
        ("GET", "/no/such/page/", "anonymous"),
        ("POST", "/manage/account/", "session"),  # 405
        ("GET", "/static/style.css", "anonymous"),
        ("GET", "/simple/?format=nonsense", "anonymous"),  # 406
        ("GET", "/search/?page=%ff", "anonymous"),  # 400
    ]
    for method, url, auth in requests:
        response = world.request(method, url, auth)
        checked += 1
        problems += [f"{method} {url} as {auth}: {p}" for p in check_headers(response)]
    assert problems == []
    figure(
        f"security headers (CSP default-src/frame-ancestors/base-uri 'none', no inline script, "
        f"nosniff, X-Frame-Options, Referrer-Policy) on {checked} responses of every view, "
        f"refusal and error page: missing: 0"
    )
