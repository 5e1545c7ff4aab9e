"""ProjectService.delete with a reason: an administrator's removal, called without a web view
(as admin/ and the command line do), records it in each owner's history and emails them."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.scripting import prepare
from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import FileFactory, RoleFactory
from warehouse_lite.events.actor import Actor
from warehouse_lite.events.models import UserEvent
from warehouse_lite.packaging.models import FilenameRegistry, JournalEntry, Project
from warehouse_lite.packaging.services import ProjectService


def test_an_administrators_removal(app: Any, wsgi_app: Any, db: Any, outbox: Any) -> None:
    owner = UserFactory(username="owner")
    file = FileFactory(release__project__name="Bad_Project")
    RoleFactory(user=owner, project=file.release.project)
    admin = UserFactory(username="root-admin", is_admin=True)
    db.flush()
    filename, admin_id = file.filename, admin.id

    env = prepare(
        request=Request.blank("/", base_url="http://localhost"), registry=wsgi_app.registry
    )
    request = env["request"]
    try:
        request.tm.begin()
        project = request.db.scalar(select(Project).where(Project.name == "Bad_Project"))
        actor = Actor.operator("root-admin", request.db.get(type(admin), admin_id))
        summary = request.find_service(ProjectService).delete(project, actor, reason="malware")
        request.tm.commit()
    finally:
        env["closer"]()

    assert summary == {"name": "Bad_Project", "releases": 1, "files": 1, "owners": ["owner"]}
    db.expire_all()
    assert db.scalar(select(Project).where(Project.name == "Bad_Project")) is None
    assert filename in set(db.scalars(select(FilenameRegistry.filename)))
    [entry] = db.scalars(select(JournalEntry).where(JournalEntry.action == "remove project"))
    assert (entry.name, entry.submitted_by_id) == ("Bad_Project", admin_id)
    [event] = db.scalars(select(UserEvent).where(UserEvent.user_id == owner.id))
    assert (event.tag, event.additional) == (
        "project:removed-by-admin",
        {"admin": "root-admin", "reason": "malware", "project_name": "Bad_Project"},
    )
    [mail] = outbox()
    assert mail.to == owner.primary_email.email and "malware" in mail.text
