"""The collaboration pages in headless Chromium (Debian's): an owner invites through the form,
the invitee accepts on their projects page, then leaves through the confirmation page. Every
page on the way passes axe (axe-core, no violations) and fits a 390px-wide phone screen."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.servers import LiveServer
from warehouse_lite.accounts.models import User
from warehouse_lite.packaging.models import Project, Role, RoleName

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSWORD = "a browser e2e password"
PHONE = {"width": 390, "height": 844}


def _seed(live: LiveServer, suffix: str) -> str:
    for who in ("owner", "guest"):
        live.create_user(f"{who}-{suffix}", PASSWORD, f"{who}-{suffix}@example.org")
    engine = create_engine(live.db_url)
    with Session(engine) as db, db.begin():
        owner = db.scalar(select(User).where(User.username == f"owner-{suffix}"))
        project = Project(
            name=f"Browser_Collab_{suffix}", normalized_name=f"browser-collab-{suffix}"
        )
        project.roles.append(Role(user=owner, role_name=RoleName.OWNER))
        db.add(project)
    engine.dispose()
    return f"browser-collab-{suffix}"


def _check(page: Any, what: str) -> None:
    """axe finds no violation, and nothing is wider than the phone's screen."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]
    assert violations == [], f"{what}: {violations}"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = page.evaluate(
        "[...document.querySelectorAll('body, body *')].filter(e => e.scrollWidth > e.clientWidth"
        " + 1).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + e.scrollWidth + '/'"
        " + e.clientWidth + ' ' + Math.round(e.getBoundingClientRect().left)).slice(0, 12)"
    )
    assert overflow <= 0, f"{what} is {overflow}px wider than a {PHONE['width']}px screen: {wide}"


def _log_in(context: Any, base: str, username: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/account/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/manage/account/")
    return page


def test_invite_accept_and_leave_in_a_browser(live_server: LiveServer, browser: Any) -> None:
    suffix = uuid.uuid4().hex[:8]
    base = live_server.url
    name = _seed(live_server, suffix)
    # axe is injected with page.evaluate, which the site's CSP would otherwise refuse.
    owner_context = browser.new_context(viewport=PHONE, bypass_csp=True)
    guest_context = browser.new_context(viewport=PHONE, bypass_csp=True)
    try:
        owner = _log_in(owner_context, base, f"owner-{suffix}")
        owner.goto(f"{base}/manage/project/{name}/collaboration/")
        owner.fill("#username", f"guest-{suffix}")
        owner.select_option("#role_name", "Maintainer")
        owner.get_by_role("button", name="Send invitation").click()
        owner.wait_for_load_state()
        assert f"guest-{suffix} was invited to join" in owner.content()
        _check(owner, "the collaboration page with a pending invitation")

        guest = _log_in(guest_context, base, f"guest-{suffix}")
        guest.goto(f"{base}/manage/projects/")
        _check(guest, "the projects page with a pending invitation")
        guest.get_by_role(
            "button", name=f"Accept the invitation to Browser_Collab_{suffix}"
        ).click()
        guest.wait_for_load_state()
        assert f"You are now a Maintainer of Browser_Collab_{suffix}." in guest.content()
        _check(guest, "the projects page of a maintainer")

        guest.get_by_role("button", name=f"Leave Browser_Collab_{suffix}").click()
        guest.wait_for_load_state()
        _check(guest, "the confirmation page")
        guest.fill("#confirm_project_name", f"Browser_Collab_{suffix}")
        guest.get_by_role("button", name="Leave project").click()
        guest.wait_for_load_state()
        assert f"You left Browser_Collab_{suffix}." in guest.content()

        owner.goto(f"{base}/manage/project/{name}/collaboration/")
        assert f"guest-{suffix}" not in owner.content()
    finally:
        owner_context.close()
        guest_context.close()
