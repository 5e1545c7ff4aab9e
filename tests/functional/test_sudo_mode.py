"""Sudo mode: each guarded action with a fresh session, a stale one (asked, nothing done),
a wrong password (refused, counted) and the right one (back to the page, then done)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import webtest
from sqlalchemy import func, select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.common.services import singleton
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.conftest import (
    CONFIRM_PATH,
    ReauthClock,
    asks_for_password,
    confirm_password,
    csrf_of,
    form_for,
    login,
)
from tests.functional.two_factor.helpers import JSON_HEADERS, SoftKey, post_json, register_key
from warehouse_lite.accounts.models import Email
from warehouse_lite.accounts.two_factor.models import RecoveryCode, UserTOTP, WebAuthnCredential
from warehouse_lite.clock import Clock
from warehouse_lite.events.models import UserEvent
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.packaging.models import Project, Role, RoleInvitation, RoleName

WINDOW = 15 * 60  # REAUTH_MAX_AGE's default
ACCOUNT = "/manage/account/"


class Asked(Exception):
    """An action's request was answered with the confirmation page instead."""

    def __init__(self, response: webtest.TestResponse) -> None:
        super().__init__(response.location)
        self.response = response


def checked(response: webtest.TestResponse) -> webtest.TestResponse:
    if asks_for_password(response):
        raise Asked(response)
    return response


def post(app: webtest.TestApp, url: str, page: str, **fields: str) -> webtest.TestResponse:
    """POST as the form on ``page`` would: its Referer, the CSRF token of the session (read
    from the account page, which sudo mode does not guard)."""
    params = {**fields, "csrf_token": csrf_of(app.get(ACCOUNT))}
    origin = "http://localhost"
    return checked(app.post(url, params, headers={"Referer": origin + page}, expect_errors=True))


def count(db: Any, model: Any, *where: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@dataclass
class Action:
    """One guarded action: ``act`` does it (raising Asked when sent to confirm), ``page`` is
    where it starts, ``done`` tells whether it happened."""

    name: str
    page: Callable[[dict[str, Any]], str]
    act: Callable[[webtest.TestApp, dict[str, Any]], Any]
    done: Callable[[Any, dict[str, Any]], bool]
    prepare: Callable[[webtest.TestApp, Any, Any], dict[str, Any]] = lambda app, db, user: {}
    asked_on_get: bool = False  # the first request is a GET of a guarded page


# ---- the actions ----------------------------------------------------------------------------


def _add_totp(app: webtest.TestApp, ctx: dict[str, Any]) -> None:
    page = checked(app.get("/manage/account/totp-provision"))
    secret = page.html.find(id="totp-secret").text.replace(" ", "")
    form = form_for(page, "/manage/account/totp-provision")
    form["totp_value"] = pyotp.TOTP(secret).at(singleton(app.app, Clock).time())  # app's now
    assert form.submit().status_code == 303


def _add_key(app: webtest.TestApp, ctx: dict[str, Any]) -> None:
    checked(app.get("/manage/account/webauthn-provision"))
    assert register_key(app, SoftKey(), "Green key").status_code == 200


def _prepare_key(app: webtest.TestApp, db: Any, user: Any) -> dict[str, Any]:
    assert register_key(app, SoftKey(), "Old key").status_code == 200
    [key] = db.scalars(select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    return {"key": key.id}


def _prepare_project(app: webtest.TestApp, db: Any, user: Any) -> dict[str, Any]:
    project = ProjectFactory(name="guarded")
    RoleFactory(project=project, user=user, role_name=RoleName.OWNER)
    other = UserFactory(username="helper")
    RoleFactory(project=project, user=UserFactory(username="maint"), role_name="Maintainer")
    return {"project": project, "other": other}


def _role(db: Any, ctx: dict[str, Any], username: str) -> str | None:
    db.expire_all()
    roles = db.scalars(select(Role).where(Role.project_id == ctx["project"].id))
    return next((str(r.role_name) for r in roles if r.user.username == username), None)


COLLAB = "/manage/project/guarded/collaboration/"

ACTIONS = [
    Action(
        "add an authentication application",
        page=lambda ctx: "/manage/account/totp-provision",
        act=_add_totp,
        done=lambda db, ctx: count(db, UserTOTP) == 1,
        asked_on_get=True,
    ),
    Action(
        "remove the authentication application",
        page=lambda ctx: "/manage/account/totp-delete",
        act=lambda app, ctx: post(
            app,
            "/manage/account/totp-delete",
            "/manage/account/totp-delete",
            password=DEFAULT_PASSWORD,
        ),
        done=lambda db, ctx: count(db, UserTOTP) == 0,
        prepare=lambda app, db, user: {"totp": UserTOTPFactory(user=user)},
    ),
    Action(
        "add a security key",
        page=lambda ctx: "/manage/account/webauthn-provision",
        act=_add_key,
        done=lambda db, ctx: count(db, WebAuthnCredential) == 1,
        asked_on_get=True,
    ),
    Action(
        "remove a security key",
        page=lambda ctx: f"/manage/account/webauthn-provision/delete?id={ctx['key']}",
        act=lambda app, ctx: post(
            app,
            "/manage/account/webauthn-provision/delete",
            f"/manage/account/webauthn-provision/delete?id={ctx['key']}",
            webauthn_id=str(ctx["key"]),
            label="Old key",
            password=DEFAULT_PASSWORD,
        ),
        done=lambda db, ctx: count(db, WebAuthnCredential) == 0,
        prepare=_prepare_key,
    ),
    Action(
        "generate recovery codes",
        page=lambda ctx: "/manage/account/recovery-codes/generate",
        act=lambda app, ctx: post(
            app,
            "/manage/account/recovery-codes/generate",
            "/manage/account/recovery-codes/generate",
            password=DEFAULT_PASSWORD,
        ),
        done=lambda db, ctx: count(db, RecoveryCode) == 8,
        prepare=lambda app, db, user: {"totp": UserTOTPFactory(user=user)},
    ),
    Action(
        "create an API token",
        page=lambda ctx: "/manage/account/token/",
        act=lambda app, ctx: post(
            app,
            "/manage/account/token/",
            "/manage/account/token/",
            description="CI",
            token_scope="scope:user",
        ),
        done=lambda db, ctx: count(db, Macaroon) == 1,
    ),
    Action(
        "delete an API token",
        page=lambda ctx: "/manage/account/token/",
        act=lambda app, ctx: post(
            app,
            "/manage/account/token/delete",
            "/manage/account/token/",
            macaroon_id=str(ctx["token"].id),
            password=DEFAULT_PASSWORD,
        ),
        done=lambda db, ctx: count(db, Macaroon) == 0,
        prepare=lambda app, db, user: {"token": mint_token(db, user, description="old")[1]},
    ),
    Action(
        "add an email address",
        page=lambda ctx: ACCOUNT,
        act=lambda app, ctx: post(
            app, "/manage/account/emails/", ACCOUNT, action="add", email="second@example.com"
        ),
        done=lambda db, ctx: count(db, Email, Email.email == "second@example.com") == 1,
    ),
    Action(
        "invite a collaborator",
        page=lambda ctx: COLLAB,
        act=lambda app, ctx: post(
            app, COLLAB + "invite", COLLAB, username="helper", role_name="Maintainer"
        ),
        done=lambda db, ctx: count(db, RoleInvitation) == 1,
        prepare=_prepare_project,
    ),
    Action(
        "change a collaborator's role",
        page=lambda ctx: COLLAB,
        act=lambda app, ctx: post(
            app,
            COLLAB + "change",
            COLLAB,
            username="maint",
            role_name="Owner",
            confirm_username="maint",
        ),
        done=lambda db, ctx: _role(db, ctx, "maint") == "Owner",
        prepare=_prepare_project,
    ),
    Action(
        "remove a collaborator",
        page=lambda ctx: COLLAB,
        act=lambda app, ctx: post(
            app, COLLAB + "remove", COLLAB, username="maint", confirm_username="maint"
        ),
        done=lambda db, ctx: _role(db, ctx, "maint") is None,
        prepare=_prepare_project,
    ),
    Action(
        "delete a project",
        page=lambda ctx: "/manage/project/guarded/settings/",
        act=lambda app, ctx: post(
            app,
            "/manage/project/guarded/delete",
            "/manage/project/guarded/settings/",
            confirm_project_name="guarded",
        ),
        done=lambda db, ctx: count(db, Project, Project.name == "guarded") == 0,
        prepare=_prepare_project,
    ),
]


def _start(app: webtest.TestApp, db: Any, action: Action) -> tuple[Any, dict[str, Any]]:
    user = UserFactory(username="sudoer")
    assert login(app, "sudoer").status_code == 303
    ctx = action.prepare(app, db, user)
    db.flush()
    return user, ctx


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_fresh_session_acts_directly(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock, action: Action
) -> None:
    _, ctx = _start(app, db, action)
    reauth_clock.advance(WINDOW - 60)  # the login is still recent
    action.act(app, ctx)
    assert action.done(db, ctx)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_stale_session_confirms_then_acts(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock, action: Action
) -> None:
    user, ctx = _start(app, db, action)
    reauth_clock.advance(WINDOW + 1)
    with pytest.raises(Asked) as asked:
        action.act(app, ctx)
    assert not action.done(db, ctx), "a stale session changed something"
    # The confirmation page comes back to where the action started.
    next_path = parse_qs(urlsplit(asked.value.response.location).query)["next"][0]
    assert next_path == action.page(ctx)
    page = asked.value.response.follow()
    assert "Confirm your password" in page.text
    if not action.asked_on_get:
        assert "submit the form again" in page.text  # a POST is not replayed
    # A wrong password: refused, recorded, nothing done.
    wrong = confirm_password(app, asked.value.response, "not my password")
    assert wrong.status_code == 400 and "not correct" in wrong.text
    tags = [e.tag for e in db.scalars(select(UserEvent).where(UserEvent.user_id == user.id))]
    assert "account:reauthenticate:failure" in tags
    assert not action.done(db, ctx)
    # The right one: back to the page of the action, which is then done.
    confirmed = confirm_password(app, asked.value.response)
    assert confirmed.status_code == 303
    assert _path(confirmed.location) == action.page(ctx)
    assert confirmed.follow().status_code == 200
    action.act(app, ctx)
    assert action.done(db, ctx)
    # The confirmation is itself good for the whole window.
    reauth_clock.advance(WINDOW - 60)
    assert checked(app.get("/manage/account/token/")).status_code == 200
    reauth_clock.advance(120)
    assert asks_for_password(app.get("/manage/account/token/"))


def test_wrong_confirmations_count_toward_the_login_limit(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock, settings: Any
) -> None:
    user = UserFactory(username="guesser")
    assert login(app, "guesser").status_code == 303
    reauth_clock.advance(WINDOW + 1)
    asked = app.get("/manage/account/token/")
    limit = int(settings.login_rate_limit_user.split()[0])  # "10 per 5 minutes"
    for _ in range(limit):
        assert confirm_password(app, asked, "guess").status_code == 400
    # Now even the right password is refused, here and at the login form.
    limited = confirm_password(app, asked)
    assert limited.status_code == 429 and "Too many wrong passwords" in limited.text
    assert asks_for_password(app.get("/manage/account/token/"))
    app.reset()
    assert login(app, "guesser").status_code == 429
    db.expire_all()
    failures = db.scalar(
        select(func.count())
        .select_from(UserEvent)
        .where(UserEvent.user_id == user.id, UserEvent.tag == "account:reauthenticate:failure")
    )
    assert failures == limit


def test_security_key_script_gets_a_json_refusal(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock
) -> None:
    UserFactory(username="scripted")
    assert login(app, "scripted").status_code == 303
    page = app.get("/manage/account/webauthn-provision")
    csrf = page.html.find(attrs={"data-csrf-token": True})["data-csrf-token"]
    reauth_clock.advance(WINDOW + 1)
    options = app.get(
        "/manage/account/webauthn-provision/options", headers=JSON_HEADERS, expect_errors=True
    )
    assert options.status_code == 403 and "Confirm your password" in options.json["message"]
    validate = post_json(app, "/manage/account/webauthn-provision/validate", {}, csrf)
    assert validate.status_code == 403 and "reload this page" in validate.json["message"]
    assert count(db, WebAuthnCredential) == 0


def test_other_email_actions_are_not_guarded(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock
) -> None:
    user = UserFactory(username="mailer")
    assert login(app, "mailer").status_code == 303
    reauth_clock.advance(WINDOW + 1)
    email = Email(user=user, email="spare@example.com", verified=True)
    db.add(email)
    db.flush()
    answer = post(app, "/manage/account/emails/", ACCOUNT, action="primary", email_id=str(email.id))
    assert answer.status_code == 303 and answer.location.endswith("/manage/account/#emails")
    assert count(db, Email, Email.email == "spare@example.com", Email.primary.is_(True)) == 1


def test_a_password_change_counts_as_a_confirmation(
    app: webtest.TestApp, db: Any, reauth_clock: ReauthClock
) -> None:
    UserFactory(username="changer")
    assert login(app, "changer").status_code == 303
    reauth_clock.advance(WINDOW + 1)
    assert asks_for_password(app.get("/manage/account/token/"))
    form = form_for(app.get(ACCOUNT), "/manage/account/password/")
    form["password"] = DEFAULT_PASSWORD
    form["new_password"] = form["password_confirm"] = "a brand new passphrase"
    assert form.submit().status_code == 303
    assert checked(app.get("/manage/account/token/")).status_code == 200


OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "http:/evil.example/",
    "javascript:alert(1)",
    "evil.example/manage/",
    "/manage/\r\nLocation: https://evil.example/",
]


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_confirmation_never_leaves_the_site(
    app: webtest.TestApp, reauth_clock: ReauthClock, next_url: str
) -> None:
    UserFactory(username="target")
    assert login(app, "target").status_code == 303
    page = app.get(CONFIRM_PATH, params={"next": next_url})
    form = form_for(page, CONFIRM_PATH)
    assert form["next"].value == ACCOUNT
    form["password"] = DEFAULT_PASSWORD
    # Even a hand-made POST with the hostile value lands on the account page.
    answer = app.post(
        CONFIRM_PATH,
        {"csrf_token": csrf_of(page), "password": DEFAULT_PASSWORD, "next": next_url},
    )
    assert answer.status_code == 303
    assert urlsplit(answer.location).netloc == "localhost"
    assert _path(answer.location) == ACCOUNT


def test_a_foreign_referer_is_not_followed(app: webtest.TestApp, reauth_clock: ReauthClock) -> None:
    UserFactory(username="referred")
    assert login(app, "referred").status_code == 303
    csrf = csrf_of(app.get(ACCOUNT))
    reauth_clock.advance(WINDOW + 1)
    answer = app.post(
        "/manage/account/token/",
        {"csrf_token": csrf, "description": "x", "token_scope": "scope:user"},
        headers={"Referer": "https://evil.example/manage/account/token/"},
    )
    assert asks_for_password(answer)
    assert parse_qs(urlsplit(answer.location).query)["next"] == [ACCOUNT]


def test_confirmation_page_needs_a_session(app: webtest.TestApp) -> None:
    anonymous = app.get(CONFIRM_PATH)
    assert anonymous.status_code == 303 and "/account/login/" in anonymous.location
