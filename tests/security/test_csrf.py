"""CSRF: every POST view refuses a request without the session's token (and with a wrong one),
even from a user it would otherwise serve; every form the site renders carries the token; and
only the header-authenticated API endpoints are exempt."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select

from tests.security.routes import registered_views, url_for
from tests.security.test_matrix import ADMIN, ALLOW, LOGIN_STEP, MATRIX, PROJECT_OWNER, UPLOAD
from tests.security.world import World
from warehouse_lite.accounts.models import User
from warehouse_lite.events.models import UserEvent
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.packaging.models import (
    JournalEntry,
    Project,
    Release,
    Role,
    RoleInvitation,
)

# Authenticated by HTTP headers (Basic/token) or a signature, never by the browser's cookie.
EXEMPT = {"forklift.legacy", "forklift.legacy.noslash", "secrets.disclose-token"}


def entitled(route: str, method: str) -> str:
    """Who the view serves: the refusal must then come from the CSRF check alone."""
    access = MATRIX[(route, method)]
    if access is ADMIN:
        return "admin-session"
    if access is LOGIN_STEP:
        return "pending-2fa"
    if access is PROJECT_OWNER or access.get("session") == ALLOW:
        return "session"
    return "anonymous"


def snapshot(world: World) -> dict[str, int]:
    world.db.expire_all()
    return {
        model.__name__: world.db.scalar(select(func.count()).select_from(model)) or 0
        for model in (
            User,
            UserEvent,
            Macaroon,
            Project,
            Release,
            Role,
            RoleInvitation,
            JournalEntry,
        )
    }


def test_csrf_exemptions(world: World):
    exempt = set()
    for item in world.app.app.registry.introspector.get_category("views"):
        view = item["introspectable"]
        if view["route_name"] and view["require_csrf"] is False:
            exempt.add(view["route_name"])
    assert exempt == EXEMPT
    # The exemption is safe only because uploads never accept the browser's session.
    assert MATRIX[("forklift.legacy", "POST")] is UPLOAD
    assert UPLOAD["session"] != ALLOW and UPLOAD["admin-session"] != ALLOW


def test_every_post_view_refuses_missing_or_wrong_token(
    world: World, figure: Callable[[str], None]
):
    registry = world.app.app.registry
    posts = sorted(
        (route, method)
        for route, method in registered_views(registry)
        if method == "POST" and route not in EXEMPT
    )
    before = snapshot(world)
    refused = 0
    problems = []
    for route, method in posts:
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        auth = entitled(route, method)
        for params in ([], [("csrf_token", "not-the-token")]):
            response = world.request(method, url, auth, params=params, csrf=False)
            if response.status_code == 400 and "(CSRF)" in response.text:
                refused += 1
            else:
                problems.append(f"{url} as {auth} with {params}: {response.status}")
    assert problems == []
    assert snapshot(world) == before, "a refused POST changed something"
    figure(
        f"CSRF: {len(posts)} POST views x (no token, wrong token) = {refused} requests from "
        f"users they serve, refused: {refused}, state changed: no; exempt (header-auth APIs): "
        f"{len(EXEMPT)}"
    )


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def test_every_rendered_post_form_carries_the_token(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    forms = pages = 0
    missing = []
    for route, method in sorted(registered_views(registry)):
        if method != "GET":
            continue
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        for auth in {entitled(route, method), "anonymous", "admin-session"}:
            response = world.request("GET", url, auth)
            if "text/html" not in response.headers.get("Content-Type", ""):
                continue
            pages += 1
            for form in FORM.findall(response.text):
                if not re.search(r'method="post"', form, re.I):
                    continue
                forms += 1
                if not re.search(r'name="csrf_token" value="[^"]{20,}"', form):
                    missing.append(f"{url} as {auth}: {form[:200]}")
    assert missing == []
    figure(f"CSRF: {forms} POST forms on {pages} rendered pages, without csrf_token: 0")
