"""Every view x every way of authenticating, against what it must allow or refuse.

The list of views comes from the running app (Pyramid's introspector), so a new route or a new
method on a route fails this test until it is given an access class below. The outcome of a
request is classified as:

- ``login``: sent to log in (or to finish the second step of a login);
- ``forbidden``: 401/403;
- ``csrf``: refused by the CSRF check (credentials without a session carry no CSRF token);
- ``redirect``: sent elsewhere by the view itself (e.g. an already logged-in user away from
  the login form);
- ``ok``: served (2xx, or a 4xx about the request itself: a form error, an unknown name ...).

ALLOW means ``ok`` or ``redirect``: the authentication checks let it through to the view.
DENY means ``login``, ``forbidden`` or ``csrf``; NOT_SERVED anything but ``ok``. Nothing may
ever answer 500.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import webtest

from tests.common.dists import make_wheel
from tests.security.routes import registered_views, url_for
from tests.security.world import PROJECT, World

AUTHS = [
    "anonymous",
    "pending-2fa",
    "session",
    "admin-session",
    "basic-password",
    "user-token",
    "project-token",
    "expired-token",
    "revoked-token",
]

ALLOW, DENY, NOT_SERVED, ANY = "allow", "deny", "not-served", "any"


def _only(*allowed: str) -> dict[str, str]:
    return {auth: ALLOW if auth in allowed else DENY for auth in AUTHS}


# Access classes: auth method -> expectation.
PUBLIC = dict.fromkeys(AUTHS, ANY)
# The second step of a login is served only to a browser with a pending login; the others are
# refused or sent away (to log in, or to their account page when already identified).
LOGIN_STEP = {**dict.fromkeys(AUTHS, NOT_SERVED), "pending-2fa": ALLOW}
ACCOUNT = _only("session", "admin-session")
# Project management: the owner's session; the admin flag gives nothing here.
PROJECT_OWNER = _only("session")
# Any collaborator's session (owners and maintainers: leaving a project); the world's session
# is the project's owner, maintainers are checked in tests/functional/manage/.
PROJECT_COLLABORATOR = _only("session")
ADMIN = _only("admin-session")
UPLOAD = _only("basic-password", "user-token", "project-token")

MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("index", "GET"): PUBLIC,
    ("index", "POST"): PUBLIC,
    ("help", "GET"): PUBLIC,
    ("help", "POST"): PUBLIC,
    ("accounts.register", "GET"): PUBLIC,
    ("accounts.register", "POST"): PUBLIC,
    ("accounts.login", "GET"): PUBLIC,
    ("accounts.login", "POST"): PUBLIC,
    ("accounts.logout", "GET"): PUBLIC,
    ("accounts.logout", "POST"): PUBLIC,
    ("accounts.two-factor", "GET"): LOGIN_STEP,
    ("accounts.two-factor", "POST"): LOGIN_STEP,
    ("accounts.recovery-code", "GET"): LOGIN_STEP,
    ("accounts.recovery-code", "POST"): LOGIN_STEP,
    # Without a pending login they answer 400 (no challenge): checked in their own tests.
    ("accounts.webauthn-authenticate.options", "GET"): PUBLIC,
    ("accounts.webauthn-authenticate.validate", "POST"): PUBLIC,
    ("accounts.verify-email", "GET"): PUBLIC,
    ("accounts.verify-email", "POST"): PUBLIC,
    ("accounts.request-password-reset", "GET"): PUBLIC,
    ("accounts.request-password-reset", "POST"): PUBLIC,
    ("accounts.reset-password", "GET"): PUBLIC,
    ("accounts.reset-password", "POST"): PUBLIC,
    ("manage.account", "GET"): ACCOUNT,
    ("manage.account.password", "POST"): ACCOUNT,
    ("manage.account.emails", "POST"): ACCOUNT,
    ("manage.account.totp-provision", "GET"): ACCOUNT,
    ("manage.account.totp-provision", "POST"): ACCOUNT,
    ("manage.account.totp-provision.image", "GET"): ACCOUNT,
    ("manage.account.totp-delete", "GET"): ACCOUNT,
    ("manage.account.totp-delete", "POST"): ACCOUNT,
    ("manage.account.webauthn-provision", "GET"): ACCOUNT,
    ("manage.account.webauthn-provision.options", "GET"): ACCOUNT,
    ("manage.account.webauthn-provision.validate", "POST"): ACCOUNT,
    ("manage.account.webauthn-provision.delete", "GET"): ACCOUNT,
    ("manage.account.webauthn-provision.delete", "POST"): ACCOUNT,
    ("manage.account.recovery-codes.generate", "GET"): ACCOUNT,
    ("manage.account.recovery-codes.generate", "POST"): ACCOUNT,
    ("manage.account.token", "GET"): ACCOUNT,
    ("manage.account.token", "POST"): ACCOUNT,
    ("manage.account.token.delete", "POST"): ACCOUNT,
    ("manage.projects", "GET"): ACCOUNT,
    ("manage.project.settings", "GET"): PROJECT_OWNER,
    ("manage.project.releases", "GET"): PROJECT_OWNER,
    ("manage.project.collaboration", "GET"): PROJECT_OWNER,
    ("manage.project.delete", "POST"): PROJECT_OWNER,
    ("manage.project.release", "GET"): PROJECT_OWNER,
    ("manage.project.release.yank", "POST"): PROJECT_OWNER,
    ("manage.project.release.unyank", "POST"): PROJECT_OWNER,
    ("manage.project.release.delete", "POST"): PROJECT_OWNER,
    ("manage.project.file.delete", "POST"): PROJECT_OWNER,
    ("manage.project.collaboration.invite", "POST"): PROJECT_OWNER,
    ("manage.project.collaboration.revoke", "POST"): PROJECT_OWNER,
    ("manage.project.collaboration.change", "POST"): PROJECT_OWNER,
    ("manage.project.collaboration.remove", "POST"): PROJECT_OWNER,
    ("manage.project.collaboration.leave", "POST"): PROJECT_COLLABORATOR,
    # The invitee's answer: the invitation's owner is checked in the view (404 for others).
    ("manage.projects.invitation.accept", "POST"): ACCOUNT,
    ("manage.projects.invitation.decline", "POST"): ACCOUNT,
    ("forklift.legacy", "POST"): UPLOAD,
    ("forklift.legacy.noslash", "GET"): PUBLIC,
    ("forklift.legacy.noslash", "POST"): PUBLIC,
    ("simple.index", "GET"): PUBLIC,
    ("simple.detail", "GET"): PUBLIC,
    ("simple.detail.noslash", "GET"): PUBLIC,
    ("json.project", "GET"): PUBLIC,
    ("json.release", "GET"): PUBLIC,
    ("packaging.project", "GET"): PUBLIC,
    ("packaging.release", "GET"): PUBLIC,
    ("packaging.file", "GET"): PUBLIC,
    ("search", "GET"): PUBLIC,
    ("admin.index", "GET"): ADMIN,
    ("admin.actions", "GET"): ADMIN,
    ("admin.user", "GET"): ADMIN,
    ("admin.user.disable", "POST"): ADMIN,
    ("admin.user.enable", "POST"): ADMIN,
    ("admin.user.reset-2fa", "POST"): ADMIN,
    ("admin.user.revoke-tokens", "POST"): ADMIN,
    ("admin.project", "GET"): ADMIN,
    ("admin.project.remove", "POST"): ADMIN,
    # Authenticated by the reporter's signature, not by a user (503: no keys configured here).
    ("secrets.disclose-token", "POST"): PUBLIC,
    # Development only: 404 in any other environment, for everyone.
    ("dev.mail", "GET"): PUBLIC,
    ("dev.mail", "POST"): PUBLIC,
    ("dev.mail.message", "GET"): PUBLIC,
    ("dev.mail.message", "POST"): PUBLIC,
}


def outcome(response: webtest.TestResponse) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        path = location.replace("http://localhost", "")
        if path.startswith(("/account/login/", "/account/two-factor/")):
            return "login"
        return "redirect"
    if response.status_code in (401, 403):
        return "forbidden"
    if response.status_code == 400 and "(CSRF)" in response.text:
        return "csrf"
    return "ok"


def _upload(world: World, auth: str, number: int) -> webtest.TestResponse:
    dist = make_wheel(PROJECT, f"2.{number}")
    return world.request(
        "POST",
        "/legacy/",
        auth,
        params=dist.fields,
        upload_files=[("content", dist.filename, dist.content)],
    )


def test_every_view_is_in_the_matrix(world: World):
    registered = registered_views(world.app.app.registry)
    missing = sorted(registered - set(MATRIX))
    stale = sorted(set(MATRIX) - registered)
    assert not missing, f"views without an entry in the security matrix: {missing}"
    assert not stale, f"matrix entries for views that no longer exist: {stale}"


def test_access_matrix(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    mismatches: list[str] = []
    errors: list[str] = []
    counts: Counter[str] = Counter()
    uploads = 0
    for route, method in sorted(registered_views(registry)):
        expected = MATRIX[(route, method)]
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        for auth in AUTHS:
            if route == "forklift.legacy":
                uploads += 1
                response = _upload(world, auth, uploads)
            else:
                response = world.request(method, url, auth)
            got = outcome(response)
            counts[expected[auth]] += 1
            if response.status_code >= 500 and response.status_code != 503:
                errors.append(f"{method} {url} as {auth}: {response.status}")
                continue
            want = expected[auth]
            if (
                (want == ALLOW and got not in ("ok", "redirect"))
                or (want == DENY and got not in ("login", "forbidden", "csrf"))
                or (want == NOT_SERVED and got == "ok")
            ):
                mismatches.append(
                    f"{method} {url} as {auth}: expected {want}, got {got} ({response.status})"
                )
    assert errors == []
    assert mismatches == []
    views = len(registered_views(registry))
    figure(
        f"access matrix: {views} views x {len(AUTHS)} auth methods = {views * len(AUTHS)} "
        f"requests ({counts[ALLOW]} must allow, {counts[DENY] + counts[NOT_SERVED]} must deny, "
        f"{counts[ANY]} public); "
        f"mismatches: {len(mismatches)}, 500s: {len(errors)}"
    )


def test_denials_explain_themselves(world: World):
    """A refused token says why (uploads only / expired / revoked), never an ACL dump."""
    messages: dict[str, Any] = {}
    for auth in ("user-token", "expired-token", "revoked-token", "basic-password"):
        messages[auth] = world.request("GET", "/manage/account/", auth)
    assert "can only be used to upload" in messages["user-token"].text
    assert "revoked" in messages["revoked-token"].text
    assert "only accepted for uploads" in messages["basic-password"].text
    expired = _upload(world, "expired-token", 99)
    assert expired.status_code == 403 and "expired" in expired.text
    for response in [*messages.values(), expired]:
        assert "principal" not in response.text.lower() and "ACLDenied" not in response.text
