"""Sudo mode across the whole app. Which views need a recent password is read from the
registry (the views wrapped by ``require_recent_auth``) and must be exactly the list below and
in docs/security.md; with a session whose password is a day old each of them asks for it and
changes nothing, no other view asks, and API tokens never reach any of them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyramid.interfaces import IRoutesMapper

from tests.security.routes import registered_views, url_for
from tests.security.test_csrf import snapshot
from tests.security.test_matrix import ACCOUNT, MATRIX, PROJECT_OWNER
from tests.security.world import World
from warehouse_lite.accounts.recent_auth import is_guarded

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"

# (route, method, request_param): the sensitive changes of the design (second factors,
# recovery codes, API tokens, email addresses, collaborators) and the pages that lead to them.
GUARDED = {
    ("manage.account.totp-provision", "GET", ""),
    ("manage.account.totp-provision", "POST", ""),
    ("manage.account.totp-provision.image", "GET", ""),
    ("manage.account.totp-delete", "GET", ""),
    ("manage.account.totp-delete", "POST", ""),
    ("manage.account.webauthn-provision", "GET", ""),
    ("manage.account.webauthn-provision.options", "GET", ""),
    ("manage.account.webauthn-provision.validate", "POST", ""),
    ("manage.account.webauthn-provision.delete", "GET", ""),
    ("manage.account.webauthn-provision.delete", "POST", ""),
    ("manage.account.recovery-codes.generate", "GET", ""),
    ("manage.account.recovery-codes.generate", "POST", ""),
    ("manage.account.token", "GET", ""),
    ("manage.account.token", "POST", ""),
    ("manage.account.token.delete", "POST", ""),
    ("manage.account.emails", "POST", "action=add"),
    ("manage.project.collaboration.invite", "POST", ""),
    ("manage.project.collaboration.revoke", "POST", ""),
    ("manage.project.collaboration.change", "POST", ""),
    ("manage.project.collaboration.remove", "POST", ""),
    ("manage.project.delete", "POST", ""),
}


def guarded_views(registry: Any) -> set[tuple[str, str, str]]:
    found = set()
    for item in registry.introspector.get_category("views"):
        view = item["introspectable"]
        if view["route_name"] is None or not is_guarded(view["callable"], view["attr"]):
            continue
        methods = view["request_methods"]
        for method in (methods,) if isinstance(methods, str) else methods:
            if method != "HEAD":
                found.add((view["route_name"], method, view["request_param"] or ""))
    return found


def _params(request_param: str) -> list[tuple[str, str]]:
    if not request_param:
        return []
    name, _, value = request_param.partition("=")
    return [(name, value)]


def _asks(response: Any) -> bool:
    return response.status_code == 303 and "/account/confirm-password/" in response.location


def test_guarded_views_are_the_documented_ones(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    assert guarded_views(registry) == GUARDED
    # docs/security.md lists each one by its URL.
    mapper = registry.getUtility(IRoutesMapper)
    text = DOCS.read_text()
    section = text[text.index("## Sudo mode") :]
    missing = []
    for route, _, param in sorted(GUARDED):
        path = mapper.get_route(route).pattern.replace("{project_name}", "<name>")
        if f"`{path}`" not in section or (param and param not in section):
            missing.append(f"{route} ({path} {param})")
    assert missing == [], "guarded views not listed in docs/security.md's Sudo mode section"
    figure(f"sudo mode: {len(GUARDED)} guarded views in the registry = the documented list")


def test_stale_sessions_are_asked_and_nothing_changes(world: World, figure: Callable[[str], None]):
    registry = world.app.app.registry
    guarded = guarded_views(registry)
    assert guarded == GUARDED
    before = snapshot(world)
    asked = refused_tokens = 0
    problems = []
    for route, method, param in sorted(guarded):
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        response = world.request(method, url, "stale-session", params=_params(param))
        if _asks(response):
            asked += 1
        else:
            problems.append(f"{method} {url} ({param}) served a stale session: {response.status}")
        for token in ("user-token", "project-token"):
            response = world.request(method, url, token, params=_params(param))
            if response.status_code == 403:
                refused_tokens += 1
            else:
                problems.append(f"{method} {url} with a {token}: {response.status}")
    assert problems == []
    assert snapshot(world) == before, "a guarded view changed something for a stale session"
    # Every other view of a logged-in user serves the stale session as before.
    others = sorted(
        (route, method)
        for route, method in registered_views(registry)
        if MATRIX[(route, method)] in (ACCOUNT, PROJECT_OWNER)
        and not any(g[0] == route and g[1] == method and not g[2] for g in guarded)
    )
    for route, method in others:
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        response = world.request(method, url, "stale-session")
        if _asks(response):
            problems.append(f"{method} {url} is not in the guarded list but asked")
    assert problems == []
    figure(
        f"sudo mode: {len(guarded)} guarded views x a day-old session: asked {asked}/"
        f"{len(guarded)}, state changed: no; API tokens refused {refused_tokens}/"
        f"{2 * len(guarded)}; other account views asking: 0/{len(others)}"
    )


def test_stale_session_is_sent_back_to_the_page_it_was_on(world: World):
    registry = world.app.app.registry
    url = url_for(
        registry, "manage.project.collaboration.invite", username="owner", file_path=world.file_path
    )
    response = world.request(
        "POST",
        url,
        "stale-session",
        params=[("username", "twofa"), ("role_name", "Maintainer")],
        headers={"Referer": "http://localhost/manage/project/alpha/collaboration/"},
    )
    assert _asks(response)
    assert re.search(r"next=%2Fmanage%2Fproject%2Falpha%2Fcollaboration%2F$", response.location)
