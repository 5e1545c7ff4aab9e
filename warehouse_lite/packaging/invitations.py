"""Invitations to collaborate on a project: an owner invites, the invitee accepts or declines.

Nobody becomes a collaborator without consent: an invitation gives no access and is not shown
publicly; accepting it creates the Role. An invitation expires (``INVITATION_MAX_AGE``) and
is deleted when accepted, declined or revoked, so that at most one is ever pending per user and
project. Every method that consumes an invitation first locks its row (SELECT ... FOR UPDATE;
SQLite's BEGIN IMMEDIATE serialises writers anyway), so two concurrent accepts of the same
invitation make one role, and the second finds nothing left to accept.

The service changes rows only; ProjectService (packaging/services.py) wraps each change with
its events, emails and journal entry.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from warehouse_lite.db import utcnow
from warehouse_lite.packaging.models import Role, RoleInvitation, RoleName
from warehouse_lite.packaging.presenters import with_article
from warehouse_lite.packaging.project_lock import lock_project

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import Project


class InvitationError(Exception):
    """An invitation cannot be made or used; ``str()`` says why, to the person who tried, and
    ``status`` is the HTTP status that answers it."""

    status = 400


class AlreadyCollaborator(InvitationError):
    status = 409


class AlreadyInvited(InvitationError):
    status = 409


class InvitationNotFound(InvitationError):
    status = 404


class InvitationVoided(InvitationError):
    """Raised by accept() when whoever sent the invitation is no longer an owner of the
    project (removed, demoted, left): an owner on the way out must not be able to bring
    themselves or an accomplice back. The invitation was deleted."""


class InvitationExpired(InvitationError):
    """Raised by accept(); the expired invitation was deleted (and is kept here)."""

    def __init__(self, message: str, invitation: RoleInvitation) -> None:
        super().__init__(message)
        self.invitation = invitation


def _parse_id(invitation_id: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(invitation_id))
    except ValueError:
        return None


class InvitationService:
    """Invite, accept, decline and revoke; ``max_age`` is the life of an invitation (seconds)."""

    def __init__(self, db: Session, max_age: int) -> None:
        self.db = db
        self.max_age = datetime.timedelta(seconds=max_age)

    # ---- reading ---------------------------------------------------------------------------

    def for_project(self, project: Project) -> list[RoleInvitation]:
        """The project's invitations, expired ones included, oldest first."""
        return self._listed(RoleInvitation.project_id == project.id, RoleInvitation.user)

    def for_user(self, user: User) -> list[RoleInvitation]:
        """The invitations ``user`` has received, expired ones included, oldest first."""
        return self._listed(RoleInvitation.user_id == user.id, RoleInvitation.project)

    def _listed(self, condition: Any, shown: Any) -> list[RoleInvitation]:
        # ``shown``: the other side of the invitation, which the page names (with its sender).
        query = (
            select(RoleInvitation)
            .where(condition)
            .options(selectinload(shown), selectinload(RoleInvitation.invited_by))
            .order_by(RoleInvitation.created)
        )
        return list(self.db.scalars(query))

    def role_of(self, project: Project, user: User) -> Role | None:
        return self.db.scalar(
            select(Role).where(Role.project_id == project.id, Role.user_id == user.id)
        )

    # ---- changes ---------------------------------------------------------------------------

    def invite(
        self,
        project: Project,
        user: User,
        role_name: RoleName,
        invited_by: User,
        *,
        now: datetime.datetime | None = None,
    ) -> RoleInvitation:
        """Invite ``user``; AlreadyCollaborator, or AlreadyInvited while one is pending (an
        expired one is replaced)."""
        now = now or utcnow()
        role = self.role_of(project, user)
        if role is not None:
            raise AlreadyCollaborator(
                f"{user.username} is already {with_article(role.role_name)} of "
                f"{project.name}; change their role instead."
            )
        existing = self._locked(
            RoleInvitation.project_id == project.id, RoleInvitation.user_id == user.id
        )
        if existing is not None:
            if not existing.expired(now):
                raise AlreadyInvited(
                    f"{user.username} already has a pending invitation to {project.name} "
                    f"(until {existing.expires:%Y-%m-%d %H:%M} UTC); revoke it first to "
                    "invite them again."
                )
            self.db.delete(existing)
            self.db.flush()
        invitation = RoleInvitation(
            project=project,
            user=user,
            role_name=role_name,
            invited_by=invited_by,
            created=now,
            expires=now + self.max_age,
        )
        try:
            # A savepoint: an owner inviting the same user at the same moment makes the
            # unique constraint fail here, as a refusal rather than a 500 at commit.
            with self.db.begin_nested():
                self.db.add(invitation)
        except IntegrityError:
            raise AlreadyInvited(
                f"{user.username} was just invited to {project.name} by someone else."
            ) from None
        return invitation

    def accept(
        self, invitation_id: object, user: User, *, now: datetime.datetime | None = None
    ) -> Role:
        """Make ``user`` a collaborator as their invitation says, and delete it.

        InvitationNotFound unless a pending invitation with this id is addressed to ``user``
        (someone else's invitation is "not found" too); InvitationExpired past its expiry.
        """
        now = now or utcnow()
        # The project's lock first, as every change to its roles takes it (removing the
        # sender while this accept runs then waits, or sees the new role), then the row.
        wanted = _parse_id(invitation_id)
        pending = self.db.get(RoleInvitation, wanted) if wanted is not None else None
        if pending is not None:
            lock_project(self.db, pending.project)
        invitation = self._claim(invitation_id, user)
        project = invitation.project
        if not self._sent_by_an_owner(invitation):
            self.db.delete(invitation)
            self.db.flush()
            raise InvitationVoided(
                f"Your invitation to {project.name} is no longer valid: whoever sent it is no "
                "longer an owner of the project. Ask a current owner to invite you again."
            )
        if invitation.expired(now):
            self.db.delete(invitation)
            self.db.flush()
            raise InvitationExpired(
                f"Your invitation to {project.name} expired on "
                f"{invitation.expires:%Y-%m-%d %H:%M} UTC; ask an owner to invite you again.",
                invitation,
            )
        self.db.delete(invitation)
        existing = self.role_of(project, user)
        if existing is not None:
            self.db.flush()
            raise AlreadyCollaborator(
                f"You are already {with_article(existing.role_name)} of {project.name}."
            )
        role = Role(user=user, project=project, role_name=invitation.role_name)
        self.db.add(role)
        self.db.flush()
        return role

    def void_sent_by(self, project: Project, sender: User) -> int:
        """Delete the invitations to ``project`` that ``sender`` made (call it when they stop
        being an owner); returns how many."""
        invitations = self.db.scalars(
            select(RoleInvitation).where(
                RoleInvitation.project_id == project.id,
                RoleInvitation.invited_by_id == sender.id,
            )
        ).all()
        for invitation in invitations:
            self.db.delete(invitation)
        self.db.flush()
        return len(invitations)

    def _sent_by_an_owner(self, invitation: RoleInvitation) -> bool:
        sender = invitation.invited_by
        if sender is None:  # the account was deleted
            return False
        role = self.role_of(invitation.project, sender)
        return role is not None and role.role_name == RoleName.OWNER

    def decline(self, invitation_id: object, user: User) -> RoleInvitation:
        """Delete ``user``'s invitation (expired or not); InvitationNotFound as for accept."""
        invitation = self._claim(invitation_id, user)
        self.db.delete(invitation)
        self.db.flush()
        return invitation

    def revoke(self, project: Project, invitation_id: object) -> RoleInvitation:
        """Delete one of ``project``'s invitations; InvitationNotFound if it has no such one."""
        invitation = self._locked_by_id(invitation_id, RoleInvitation.project_id == project.id)
        if invitation is None:
            raise InvitationNotFound(
                f"There is no pending invitation to {project.name} with that id (it may have "
                "been accepted, declined or revoked meanwhile)."
            )
        self.db.delete(invitation)
        self.db.flush()
        return invitation

    # ---- helpers ---------------------------------------------------------------------------

    def _locked(self, *conditions: Any) -> RoleInvitation | None:
        query = (
            select(RoleInvitation)
            .where(*conditions)
            .with_for_update()
            # After waiting for a lock, read the row as it is now, not as this session saw it.
            .execution_options(populate_existing=True)
        )
        return self.db.scalar(query)

    def _locked_by_id(self, invitation_id: object, *conditions: Any) -> RoleInvitation | None:
        """The invitation ``invitation_id`` (None for an id that is not a UUID), locked, if
        it meets ``conditions``."""
        wanted = _parse_id(invitation_id)
        if wanted is None:
            return None
        return self._locked(RoleInvitation.id == wanted, *conditions)

    def _claim(self, invitation_id: object, user: User) -> RoleInvitation:
        invitation = self._locked_by_id(invitation_id, RoleInvitation.user_id == user.id)
        if invitation is None:
            raise InvitationNotFound(
                "You have no pending invitation with that id: it may have been accepted, "
                "declined or revoked already."
            )
        return invitation


def invitation_service_factory(context: Any, request: Request) -> InvitationService:
    return InvitationService(request.db, request.settings.invitation_max_age)
