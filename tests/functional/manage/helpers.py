"""Shared set-up for the project management tests."""

from __future__ import annotations

from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.functional.conftest import login
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.packaging.models import JournalEntry, RoleName


def owned_project(app, db, *, username="owner", name="Managed_Project"):
    """A project owned by a new user who is then logged in to ``app``."""
    owner = UserFactory(username=username)
    project = ProjectFactory(name=name)
    RoleFactory(project=project, user=owner, role_name=RoleName.OWNER)
    assert login(app, username).status_code == 303
    return owner, project


def event_tags(db, project):
    query = select(ProjectEvent).where(ProjectEvent.project_id == project.id)
    return [(e.tag, e.additional) for e in db.scalars(query.order_by(ProjectEvent.time))]


def user_event_tags(db, user, prefix="account:role:"):
    """Tags of ``user``'s security events about roles and invitations, oldest first."""
    query = select(UserEvent).where(UserEvent.user_id == user.id, UserEvent.tag.startswith(prefix))
    return [e.tag for e in db.scalars(query.order_by(UserEvent.time))]


def journal(db, name):
    query = select(JournalEntry).where(JournalEntry.name == name).order_by(JournalEntry.id)
    return [(j.action, j.version) for j in db.scalars(query)]


def last_journal_id(db):
    return db.scalar(select(JournalEntry.id).order_by(JournalEntry.id.desc()).limit(1))
