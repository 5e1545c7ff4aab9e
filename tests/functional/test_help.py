"""/help/ renders with this site's URLs, and every help link on the 2FA and API-token screens
lands on an anchor that exists on it."""

from __future__ import annotations

from typing import Any

import webtest

from tests.common.factories import UserFactory
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.admin.conftest import login_with_totp
from tests.functional.conftest import form_for, login
from tests.functional.two_factor.conftest import clock
from tests.functional.two_factor.helpers import Clock
from warehouse_lite.accounts.two_factor.models import WebAuthnCredential
from warehouse_lite.accounts.two_factor.services import TwoFactorService

__all__ = ["clock"]  # fixture


def help_anchors(app: webtest.TestApp) -> set[str]:
    page = app.get("/help/")
    return {tag["id"] for tag in page.html.find_all(id=True)}


def help_links(page: webtest.TestResponse) -> list[str]:
    """The anchors of every link to /help/ on ``page`` (a bare /help/ link has none)."""
    anchors = []
    for link in page.html.find_all("a", href=True):
        path, _, anchor = link["href"].partition("#")
        if path in ("/help/", "http://localhost/help/") and anchor:
            anchors.append(anchor)
    return anchors


def test_help_page_has_every_section_with_real_urls(app) -> None:
    page = app.get("/help/")
    assert page.status_code == 200
    ids = help_anchors(app)
    for section in (
        "two-factor",
        "totp",
        "security-key",
        "recovery-codes",
        "lost-device",
        "confirm-password",
        "api-tokens",
        "token-scopes",
        "token-expiry",
        "twine",
        "uv-publish",
        "flit",
        "revoke-token",
        "install",
        "pip",
        "uv-install",
        "file-name-reuse",
    ):
        assert section in ids, section
    text = page.text
    assert "pip install --index-url http://localhost/simple/ PROJECT" in text
    assert "uv pip install --index-url http://localhost/simple/ PROJECT" in text
    assert "repository = http://localhost/legacy/" in text
    assert "TWINE_USERNAME=__token__" in text and "UV_PUBLISH_TOKEN=" in text
    assert "uv publish --publish-url http://localhost/legacy/ --token" in text
    assert "FLIT_USERNAME=__token__" in text and "FLIT_PASSWORD=" in text
    assert "[[index]]" in text and 'url = "http://localhost/simple/"' in text
    assert "[global]\nindex-url = http://localhost/simple/" in text
    # The contents list only points inside the page.
    assert {a["href"][1:] for a in page.html.select("nav.card a")} <= ids


def _check(app: webtest.TestApp, url: str, ids: set[str], *, expect: set[str]) -> None:
    page = app.get(url)
    assert page.status_code == 200, url
    found = help_links(page)
    assert expect <= set(found), (url, found)
    missing = [a for a in found if a not in ids]
    assert not missing, f"{url} links to missing help anchors: {missing}"


def test_every_help_link_from_2fa_and_token_screens_exists(app, db, clock: Clock) -> None:
    ids = help_anchors(app)

    # A user without a second factor: the screens that add one, and the token pages.
    newcomer = UserFactory(username="newcomer")
    RoleFactory(user=newcomer, project=ProjectFactory(name="helped"))
    login(app, "newcomer")
    _check(app, "/manage/account/", ids, expect={"two-factor", "lost-device", "api-tokens"})
    _check(app, "/manage/account/totp-provision", ids, expect={"totp"})
    _check(app, "/manage/account/webauthn-provision", ids, expect={"security-key"})
    _check(
        app,
        "/manage/account/token/",
        ids,
        expect={"api-tokens", "token-scopes", "token-expiry", "revoke-token"},
    )
    _check(app, "/manage/project/helped/settings/", ids, expect={"token-scopes"})
    _check(app, "/account/confirm-password/", ids, expect={"confirm-password"})
    page = app.get("/manage/account/token/")
    form = form_for(page, "/manage/account/token/")
    form["description"] = "for the help test"
    form.set("token_scope", True, index=0)
    created = form.submit()
    assert "new-token" in created.text
    found = help_links(created)
    assert {"twine", "uv-publish", "flit"} <= set(found)
    assert all(a in ids for a in found)

    # A user with TOTP, a security key and recovery codes: the screens that manage them,
    # and the second login step.
    app.reset()
    user = UserFactory(username="protected")
    totp = UserTOTPFactory(user=user)
    key = WebAuthnCredential(
        user_id=user.id, label="Blue key", credential_id="cred-help", public_key="pk"
    )
    db.add(key)
    TwoFactorService(db).generate_recovery_codes(user)
    db.flush()
    login(app, "protected")
    _check(app, "/account/two-factor/", ids, expect={"lost-device"})
    _check(app, "/account/recovery-code/", ids, expect={"lost-device"})
    app.reset()
    login_with_totp(app, clock, "protected", totp.secret)
    _check(app, "/manage/account/", ids, expect={"two-factor", "recovery-codes"})
    _check(app, "/manage/account/totp-delete", ids, expect={"lost-device"})
    _check(
        app, f"/manage/account/webauthn-provision/delete?id={key.id}", ids, expect={"lost-device"}
    )
    _check(app, "/manage/account/recovery-codes/generate", ids, expect={"recovery-codes"})


def test_header_links_to_help(app: Any) -> None:
    assert 'href="/help/"' in app.get("/").text
