"""ProjectService: every change made to a project after its uploads, in one place each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from warehouse_lite.accounts.models import User
from warehouse_lite.email import Mailer
from warehouse_lite.events import add_project_event, add_user_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.packaging import deletion
from warehouse_lite.packaging.emails import send_invitation, send_to_each
from warehouse_lite.packaging.invitations import InvitationExpired, InvitationService
from warehouse_lite.packaging.journal import record_journal
from warehouse_lite.packaging.models import Role, RoleName

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pyramid.request import Request

    from warehouse_lite.events.actor import Actor
    from warehouse_lite.packaging.models import File, Project, Release, RoleInvitation


class ProjectService:
    """Deleting a project, yanking and deleting releases and files, and the collaborators'
    roles and invitations.

    Each method makes one change for ``actor`` and records what it leaves behind: a project
    event, a journal entry when the public index shows the change (it bumps the project's
    serial), an event in the security history of the person a role change is about, and an
    email to the project's owners (and to that person). The caller has locked the project's
    row first (manage's ``changes_project``; ``lock_project``) and checked the confirmations;
    the invitation methods raise InvitationService's refusals (``InvitationError.status``).
    """

    def __init__(self, request: Request) -> None:
        # The request is needed for what still lives on it: the journal's page withdrawal,
        # the links in emails and the after-commit removal of stored files.
        self.request = request
        self.db = request.db
        self.invitations: InvitationService = request.find_service(InvitationService)
        self.mailer: Mailer = request.find_service(Mailer)

    def owners(self, project: Project) -> list[User]:
        """The users who own ``project`` now (pending changes of this transaction included)."""
        query = (
            select(User)
            .join(Role, Role.user_id == User.id)
            .where(Role.project_id == project.id, Role.role_name == RoleName.OWNER)
            .order_by(User.username)
        )
        return list(self.db.scalars(query))

    # ---- the project ---------------------------------------------------------------------

    def delete(
        self, project: Project, actor: Actor, *, reason: str | None = None
    ) -> dict[str, Any]:
        """Delete ``project`` with its releases, files, roles and events; its filenames stay
        reserved and the journal (keyed by name) keeps "remove project" for mirrors.

        Project events go with the project, so the deletion is kept in personal histories:
        an owner's deletion (``reason`` None) in the actor's, as ``project:destroy``, and
        emailed to the owners as "project-deleted"; an administrator's removal (``reason``
        given) in each owner's, as ``project:removed-by-admin``, and emailed to them with the
        reason. Returns a summary: name, releases, files, owners (usernames).
        """
        name, owners = project.name, self.owners(project)
        summary: dict[str, Any] = {
            "name": name,
            "releases": len(project.releases),
            "files": sum(len(release.files) for release in project.releases),
            "owners": [owner.username for owner in owners],
        }
        record_journal(self.request, project, "remove project", actor=actor)
        context: dict[str, Any]
        if reason is None:  # the owners' own decision
            if actor.user is not None:
                add_user_event(
                    self.db, actor, actor.user, EventTag.PROJECT_DESTROY, project_name=name
                )
            email, context = "project-deleted", {"project_name": name, "actor": actor.name}
        else:  # an administrator's
            for owner in owners:
                tag = EventTag.PROJECT_REMOVED_BY_ADMIN
                details = {"admin": actor.name, "reason": reason, "project_name": name}
                add_user_event(self.db, actor, owner, tag, **details)
            email = "project-removed-by-admin"
            context = {"project_name": name, "reason": reason, **summary}
        send_to_each(self.mailer, owners, email, context, actor=actor)
        deletion.delete_project(self.request, project)
        return summary

    # ---- releases and files ----------------------------------------------------------------

    def yank(self, release: Release, actor: Actor, reason: str) -> None:
        """Hide ``release`` from installers that do not pin it (PEP 592), saying why."""
        self._set_yanked(release, actor, True, reason.strip())

    def unyank(self, release: Release, actor: Actor) -> None:
        self._set_yanked(release, actor, False, "")

    def _set_yanked(self, release: Release, actor: Actor, yanked: bool, reason: str) -> None:
        release.yanked, release.yanked_reason = yanked, reason
        change = "yank" if yanked else "unyank"
        details: dict[str, Any] = {"yanked_reason": reason} if yanked else {}
        self._record(
            release.project,
            actor,
            tag=EventTag(f"project:release:{change}"),
            journal=f"{change} release",
            email=f"release-{change}ed",
            version=release.version,
            **details,
        )

    def delete_release(self, release: Release, actor: Actor) -> None:
        """Delete ``release`` and its files (rows now, stored bytes after the commit)."""
        project, version = release.project, release.version
        filenames = sorted(f.filename for f in release.files)
        deletion.delete_release(self.request, release)
        self._record(
            project,
            actor,
            tag=EventTag.PROJECT_RELEASE_REMOVE,
            journal="remove release",
            email="release-deleted",
            version=version,
            filenames=filenames,
        )

    def delete_file(self, file: File, actor: Actor) -> None:
        """Delete one file of a release (row now, stored bytes after the commit)."""
        release, filename = file.release, file.filename
        deletion.delete_file(self.request, file)
        self._record(
            release.project,
            actor,
            tag=EventTag.PROJECT_RELEASE_FILE_REMOVE,
            journal=f"remove file {filename}",
            email="file-deleted",
            version=release.version,
            filename=filename,
        )

    # ---- collaborators -------------------------------------------------------------------

    def change_role(self, role: Role, new_role: RoleName, actor: Actor) -> None:
        """Make ``role``'s user a ``new_role`` (an owner's decision)."""
        self._set_role(
            role, new_role, actor, tag=EventTag.PROJECT_ROLE_CHANGE, email="role-changed"
        )

    def remove_role(self, role: Role, actor: Actor) -> None:
        """Remove a collaborator (an owner's decision); see leave() for one's own role."""
        self._set_role(
            role, None, actor, tag=EventTag.PROJECT_ROLE_REMOVE, email="collaborator-removed"
        )

    def leave(self, role: Role, actor: Actor) -> None:
        """``actor`` gives up their own ``role``."""
        self._set_role(
            role, None, actor, tag=EventTag.PROJECT_ROLE_LEAVE, email="collaborator-left"
        )

    def _set_role(
        self, role: Role, new_role: RoleName | None, actor: Actor, *, tag: EventTag, email: str
    ) -> None:
        """Give ``role`` the name ``new_role``, or delete it (None)."""
        project, user, old_role = role.project, role.user, role.role_name
        details: dict[str, Any]
        if new_role is None:
            project.roles.remove(role)
            journal = f"remove {old_role} {user.username}"
            details = {"role_name": str(old_role)}
        else:
            role.role_name = new_role
            journal = f"change {old_role} {user.username} to {new_role}"
            details = {"role_name": str(new_role), "old_role_name": str(old_role)}
        if new_role != RoleName.OWNER:
            # Whoever stops being an owner (removed, leaving, demoted) loses the invitations
            # they sent: they must not bring themselves or an accomplice back.
            self.invitations.void_sent_by(project, user)
        self.db.flush()
        self._record_about(project, actor, user, tag=tag, journal=journal, email=email, **details)

    # ---- invitations ---------------------------------------------------------------------

    def invite(
        self, project: Project, user: User, role_name: RoleName, actor: Actor
    ) -> RoleInvitation:
        """Invite ``user`` and email them the invitation; InvitationService's refusals."""
        assert actor.user is not None  # only a logged-in owner invites
        invitation = self.invitations.invite(project, user, role_name, actor.user)
        context = {
            **self._context(project, actor),
            "role_name": str(role_name),
            "expires": invitation.expires,
            "link": self.request.route_url("manage.projects", _anchor="invitations"),
        }
        send_invitation(self.mailer, user, context, actor=actor)
        self._record_about(
            project,
            actor,
            user,
            tag=EventTag.PROJECT_ROLE_INVITE,
            journal=None,
            email="project-invitation-sent",
            role_name=str(role_name),
            email_person=False,  # they got the invitation itself
        )
        return invitation

    def revoke_invitation(
        self, project: Project, invitation_id: object, actor: Actor
    ) -> RoleInvitation:
        """Withdraw one of ``project``'s invitations; InvitationNotFound if it has none such."""
        invitation = self.invitations.revoke(project, invitation_id)
        self._record_about(
            project,
            actor,
            invitation.user,
            tag=EventTag.PROJECT_ROLE_INVITE_REVOKE,
            journal=None,
            email="project-invitation-revoked",
            role_name=str(invitation.role_name),
        )
        return invitation

    def accept_invitation(self, invitation_id: object, actor: Actor) -> Role:
        """``actor`` accepts their invitation and becomes a collaborator.

        InvitationService's refusals; an expired invitation is deleted, and its owners told
        that the invitee wanted to join (so they can invite again), before InvitationExpired
        is raised again.
        """
        user = actor.user
        assert user is not None  # only a logged-in invitee answers
        try:
            role = self.invitations.accept(invitation_id, user)
        except InvitationExpired as exc:
            self._answered(exc.invitation, actor, "expired", "project-invitation-expired")
            raise
        # accept() took the project's lock, so the journal entry's serial is taken under it.
        self._record_about(
            role.project,
            actor,
            user,
            tag=EventTag.PROJECT_ROLE_ADD,
            journal=f"add {role.role_name} {user.username}",
            email="project-invitation-accepted",
            role_name=str(role.role_name),
        )
        return role

    def decline_invitation(self, invitation_id: object, actor: Actor) -> RoleInvitation:
        """``actor`` declines their invitation; InvitationNotFound if they have none such."""
        assert actor.user is not None
        invitation = self.invitations.decline(invitation_id, actor.user)
        self._answered(invitation, actor, "decline", "project-invitation-declined")
        return invitation

    def _answered(self, invitation: RoleInvitation, actor: Actor, answer: str, email: str) -> None:
        """Record the invitee's ``answer`` (decline; or expired, found on accepting)."""
        assert actor.user is not None
        self._record_about(
            invitation.project,
            actor,
            actor.user,
            tag=EventTag(f"project:role:invite:{answer}"),
            journal=None,
            email=email,
            role_name=str(invitation.role_name),
            email_person=False,
        )

    # ---- what every change leaves behind -------------------------------------------------

    def _context(self, project: Project, actor: Actor) -> dict[str, Any]:
        return {
            "project_name": project.name,
            "project_url": self.request.route_url(
                "packaging.project", name=project.normalized_name
            ),
            "actor": actor.name,
        }

    def _record(
        self,
        project: Project,
        actor: Actor,
        *,
        tag: EventTag,
        journal: str | None,
        email: str,
        version: str | None = None,
        also_email: Iterable[User] = (),
        **details: Any,
    ) -> None:
        """A project event, a journal entry (None for what the public index does not show:
        invitations) and the email to the owners (and ``also_email``). ``details`` go into
        the event's ``additional`` and the email's context."""
        if version is not None:
            details = {"version": version, **details}
        add_project_event(self.db, actor, project, tag, submitted_by=actor.name, **details)
        if journal is not None:
            record_journal(self.request, project, journal, version=version, actor=actor)
        context = {**self._context(project, actor), **details}
        people = [*self.owners(project), *also_email]
        send_to_each(self.mailer, people, email, context, actor=actor)

    def _record_about(
        self,
        project: Project,
        actor: Actor,
        person: User,
        *,
        tag: EventTag,
        journal: str | None,
        email: str,
        role_name: str,
        email_person: bool = True,
        **details: Any,
    ) -> None:
        """_record for a change about one person (a collaborator or an invitee): also kept in
        their own security history (``account:`` + the tag after ``project:``) and emailed
        to them unless ``email_person`` is False."""
        self._record(
            project,
            actor,
            tag=tag,
            journal=journal,
            email=email,
            also_email=[person] if email_person else [],
            target_user=person.username,
            role_name=role_name,
            **details,
        )
        add_user_event(
            self.db,
            actor,
            person,
            EventTag("account:" + tag.removeprefix("project:")),
            project_name=project.name,
            role_name=role_name,
            submitted_by=actor.name,
            **details,
        )


def project_service_factory(context: Any, request: Request) -> ProjectService:
    return ProjectService(request)
