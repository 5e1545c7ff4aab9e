"""An admin removes a project that was really uploaded: its files leave the index and the
storage, its filenames stay reserved, the journal and the owners' histories record it, and the
owners are emailed the reason."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, stored, upload
from tests.functional.admin.conftest import admin_actions, events
from tests.functional.conftest import form_for
from warehouse_lite.accounts.models import User
from warehouse_lite.packaging.models import FilenameRegistry, JournalEntry, Project

SIMPLE_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture
def uploaded(app: Any, db: Any, storage_dir: Any) -> Any:
    UserFactory(username="owner")
    dists = [make_wheel("Bad_Project", "1.0"), make_sdist("Bad_Project", "1.0")]
    for dist in dists:
        upload(app, dist, auth=basic_auth("owner"))
    assert stored(storage_dir)
    return dists


def remove(app: Any, reason: str, confirm: str = "Bad_Project") -> Any:
    page = app.get("/admin/project/bad-project/")
    form = form_for(page, "/admin/project/bad-project/remove")
    form["reason"] = reason
    form["confirm_project_name"] = confirm
    return form.submit(expect_errors=True)


def test_remove_project(app, db, admin, uploaded, storage_dir, outbox) -> None:
    assert app.get("/simple/bad-project/", headers=SIMPLE_JSON).status_code == 200
    page = app.get("/admin/project/bad-project/")
    assert "owner" in page.html.select_one("#collaborators").text

    response = remove(app, "Malware, reported by security team")
    assert response.status_code == 303
    assert "was removed (2 file(s))" in response.follow().text

    assert db.scalar(select(Project).where(Project.normalized_name == "bad-project")) is None
    assert stored(storage_dir) == set()
    assert app.get("/simple/bad-project/", expect_errors=True).status_code == 404
    assert "bad-project" not in app.get("/simple/").text
    reserved = set(db.scalars(select(FilenameRegistry.filename)))
    assert {d.filename for d in uploaded} <= reserved
    journal = db.scalars(
        select(JournalEntry).where(JournalEntry.name == "Bad_Project").order_by(JournalEntry.id)
    ).all()
    assert journal[-1].action == "remove project" and journal[-1].submitted_by_id == admin.id

    owner = db.scalar(select(User).where(User.username == "owner"))
    [event] = events(db, owner, "project:removed-by-admin")
    assert event.additional == {
        "admin": "root-admin",
        "reason": "Malware, reported by security team",
        "project_name": "Bad_Project",
    }
    [logged] = admin_actions(db)
    assert (logged.action, logged.target_kind, logged.target_name) == (
        "remove-project",
        "project",
        "bad-project",
    )
    assert logged.details["files"] == 2 and logged.details["owners"] == ["owner"]
    [mail] = [m for m in outbox() if "removed by an administrator" in m.subject]
    assert mail.to == "owner@example.com" and "Malware, reported" in mail.text

    # The filenames can never be uploaded again, even by a new project of the same name.
    again = upload(app, uploaded[1], auth=basic_auth("owner"), status=400)
    assert "has already been used by a file that was deleted" in again.status


def test_remove_needs_the_exact_name_typed(app, db, admin, uploaded, storage_dir) -> None:
    before = stored(storage_dir)
    response = remove(app, "spam", confirm="bad-project")
    assert response.status_code == 400
    assert "type &#39;Bad_Project&#39; exactly" in response.text
    assert db.scalar(select(Project).where(Project.normalized_name == "bad-project")) is not None
    assert stored(storage_dir) == before and admin_actions(db) == []
