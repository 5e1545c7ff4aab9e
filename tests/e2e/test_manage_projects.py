"""Project management against gunicorn on PostgreSQL: an owner invites a maintainer, who
follows the emailed link and accepts (twice at once, from two sessions: one role); the owner
yanks a release; the emails reach everyone through the Celery worker and SMTP; the public page
and a second worker process see the change at once."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.e2e.servers import LiveServer, text_of
from warehouse_lite.accounts.models import User
from warehouse_lite.packaging.models import (
    JournalEntry,
    Project,
    ProjectEvent,
    Release,
    Role,
    RoleName,
)

PASSWORD = "an e2e project password"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _seed(db_url: str, suffix: str) -> str:
    """A project with one release owned by owner-<suffix> (rows only: uploads are not the
    subject here)."""
    engine = create_engine(db_url)
    with Session(engine) as db, db.begin():
        owner = db.scalar(select(User).where(User.username == f"owner-{suffix}"))
        project = Project(name=f"E2E_Managed_{suffix}", normalized_name=f"e2e-managed-{suffix}")
        project.roles.append(Role(user=owner, role_name=RoleName.OWNER))
        project.releases.append(
            Release(version="1.0", canonical_version="1", metadata_version="2.4", summary="x")
        )
        db.add(project)
    engine.dispose()
    return f"e2e-managed-{suffix}"


def _login(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/account/login/")
    response = browser.post(
        f"{base}/account/login/",
        data={"csrf_token": _csrf(page.text), "username": username, "password": PASSWORD},
    )
    assert response.status_code == 200 and "/account/login/" not in response.url, response.url
    return browser


def _follow_link_and_log_in(link: str, username: str) -> tuple[requests.Session, str]:
    """A new browser opens the emailed link, is sent to log in, and lands on the link's page."""
    browser = requests.Session()
    login_page = browser.get(link)
    assert "/account/login/" in login_page.url, login_page.url
    page = browser.post(
        login_page.url,
        data={"csrf_token": _csrf(login_page.text), "username": username, "password": PASSWORD},
    )
    assert page.status_code == 200 and "/manage/projects/" in page.url, page.url
    return browser, page.text


def _accept_twice_at_once(base: str, username: str, link: str) -> list[requests.Response]:
    """The invitee, logged in twice, accepts from both sessions at the same moment."""
    logged_in = [_follow_link_and_log_in(link, username) for _ in range(2)]
    sessions = [browser for browser, _ in logged_in]
    pages = [page for _, page in logged_in]
    assert "Pending invitations" in pages[0]
    invitation_id = re.search(r'name="invitation_id" value="([^"]+)"', pages[0])
    assert invitation_id, pages[0][:3000]
    barrier = threading.Barrier(2)

    def accept(index: int) -> requests.Response:
        data = {"csrf_token": _csrf(pages[index]), "invitation_id": invitation_id.group(1)}
        barrier.wait()
        return sessions[index].post(f"{base}/manage/projects/invitation/accept", data=data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(accept, range(2)))


def test_owner_invites_maintainer_and_yanks_release(live_server: LiveServer) -> None:
    suffix = uuid.uuid4().hex[:8]
    base = live_server.url
    for who in ("owner", "helper"):
        live_server.create_user(f"{who}-{suffix}", PASSWORD, f"{who}-{suffix}@example.org")
    name = _seed(live_server.db_url, suffix)
    browser = _login(base, f"owner-{suffix}")

    collab = browser.get(f"{base}/manage/project/{name}/collaboration/")
    assert collab.status_code == 200
    invited = browser.post(
        f"{base}/manage/project/{name}/collaboration/invite",
        data={
            "csrf_token": _csrf(collab.text),
            "username": f"helper-{suffix}",
            "role_name": "Maintainer",
        },
    )
    assert f"helper-{suffix} was invited to join" in invited.text
    invitation = live_server.mailbox.to(f"helper-{suffix}@example.org", "invited you to join")
    assert f"owner-{suffix} invited you to join the project" in text_of(invitation)
    live_server.mailbox.to(f"owner-{suffix}@example.org", "was invited to")
    link = re.search(r"(http://\S+/manage/projects/\S*)", text_of(invitation))
    assert link and link.group(1).startswith(base), text_of(invitation)
    # Not a collaborator yet: not on the public page.
    assert f"helper-{suffix}" not in requests.get(f"{base}/project/{name}/", timeout=30).text

    answers = _accept_twice_at_once(base, f"helper-{suffix}", link.group(1))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200, 404], [(r.status_code, r.url) for r in answers]
    winner = next(r for r in answers if r.status_code == 200)
    assert "You are now a Maintainer" in winner.text
    loser = next(r for r in answers if r.status_code == 404)
    assert "You have no pending invitation with that id" in loser.text
    live_server.mailbox.to(f"owner-{suffix}@example.org", f"helper-{suffix} is now Maintainer")
    assert f"helper-{suffix}" in requests.get(f"{base}/project/{name}/", timeout=30).text

    release_page = browser.get(f"{base}/manage/project/{name}/release/1.0/")
    yanked = browser.post(
        f"{base}/manage/project/{name}/release/1.0/yank",
        data={"csrf_token": _csrf(release_page.text), "yanked_reason": "e2e says no"},
    )
    assert "Release 1.0 was yanked." in yanked.text
    mail = live_server.mailbox.to(f"owner-{suffix}@example.org", "1.0 was yanked")
    assert "e2e says no" in text_of(mail)
    # Maintainers are not told about release changes.
    assert not any(
        f"helper-{suffix}" in str(m["To"]) and "yanked" in str(m["Subject"])
        for m in live_server.mailbox.messages
    )

    # Every worker serves the new state (no per-process cache of pages).
    for _ in range(4):
        public = requests.get(f"{base}/project/{name}/1.0/", timeout=30)
        assert "This release has been yanked" in public.text and "e2e says no" in public.text

    # The maintainer may not manage it.
    helper = _login(base, f"helper-{suffix}")
    denied = helper.get(f"{base}/manage/project/{name}/releases/")
    assert denied.status_code == 403 and "Only owners" in denied.text

    engine = create_engine(live_server.db_url)
    with Session(engine) as db:
        project = db.scalar(select(Project).where(Project.normalized_name == name))
        tags = [
            e.tag
            for e in db.scalars(select(ProjectEvent).where(ProjectEvent.project_id == project.id))
        ]
        assert sorted(tags) == ["project:release:yank", "project:role:add", "project:role:invite"]
        roles = db.scalars(select(Role).where(Role.project_id == project.id))
        assert sorted((r.user.username, r.role_name) for r in roles) == [
            (f"helper-{suffix}", RoleName.MAINTAINER),
            (f"owner-{suffix}", RoleName.OWNER),
        ]
        last = db.scalar(
            select(JournalEntry)
            .where(JournalEntry.name == project.name)
            .order_by(JournalEntry.id.desc())
        )
        assert last.action == "yank release" and project.last_serial == last.id
    engine.dispose()
