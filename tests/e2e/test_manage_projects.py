"""Project management against gunicorn on PostgreSQL: an owner adds a maintainer and yanks a
release over HTTP; the emails reach the owners through the Celery worker and SMTP; the public
page and a second worker process see the change at once."""

from __future__ import annotations

import re
import uuid

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


def test_owner_adds_maintainer_and_yanks_release(live_server: LiveServer) -> None:
    suffix = uuid.uuid4().hex[:8]
    base = live_server.url
    for who in ("owner", "helper"):
        live_server.create_user(f"{who}-{suffix}", PASSWORD, f"{who}-{suffix}@example.org")
    name = _seed(live_server.db_url, suffix)
    browser = _login(base, f"owner-{suffix}")

    collab = browser.get(f"{base}/manage/project/{name}/collaboration/")
    assert collab.status_code == 200
    added = browser.post(
        f"{base}/manage/project/{name}/collaboration/add",
        data={
            "csrf_token": _csrf(collab.text),
            "username": f"helper-{suffix}",
            "role_name": "Maintainer",
        },
    )
    assert f"helper-{suffix} was added as Maintainer" in added.text
    welcome = live_server.mailbox.to(f"helper-{suffix}@example.org", "was added to")
    assert f"owner-{suffix} added helper-{suffix}" in text_of(welcome)
    live_server.mailbox.to(f"owner-{suffix}@example.org", "was added to")

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
        assert sorted(tags) == ["project:release:yank", "project:role:add"]
        last = db.scalar(
            select(JournalEntry)
            .where(JournalEntry.name == project.name)
            .order_by(JournalEntry.id.desc())
        )
        assert last.action == "yank release" and project.last_serial == last.id
    engine.dispose()
