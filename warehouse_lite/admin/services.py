"""AdminService: what administrators can do to accounts and projects. The web admin
(admin/views.py) and `warehouse-lite admin ...` (cli/admin.py) each make one call per action.

Every action takes the ``Actor`` who performs it (the logged-in admin on the web, the
operator's ``--admin`` name in the CLI) and a reason, and records both three ways: a user event
in the subject's security history (``additional`` carries ``admin`` and ``reason``), a row in
AdminAction (the operators' log) and, where a person is affected, an email to them. Nothing is
written when an action is refused (AdminError).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from sqlalchemy import func, or_, select

from warehouse_lite.accounts.models import Email, User
from warehouse_lite.accounts.two_factor.security_keys import WebAuthnService
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.admin.models import AdminAction
from warehouse_lite.events import add_user_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import Project
from warehouse_lite.packaging.project_lock import lock_project
from warehouse_lite.packaging.queries import escape_like
from warehouse_lite.packaging.services import ProjectService

if TYPE_CHECKING:
    import uuid

    from pyramid.request import Request

    from warehouse_lite.events.actor import Actor

REASON_MAX_LENGTH = 500
SEARCH_LIMIT = 50
# users.disabled_reason is shorter than a reason may be; the full text is in the log.
DISABLED_REASON_LENGTH = 200


class AdminError(ValueError):
    """An administrative action that cannot be done; ``str(exc)`` is a message for a person."""


class NotFound(AdminError):
    """The user or project named does not exist."""


class AdminService:
    """Look-ups and actions of the admin area; found with ``request.find_service``."""

    def __init__(self, request: Request) -> None:
        self.db = request.db
        # Only reset_two_factor and remove_project use the request itself: the helpers they
        # call (rate limits, emails, the journal, project deletion) still take one.
        self._request = request

    @staticmethod
    def clean_reason(reason: str | None) -> str:
        """The reason as it will be recorded (whitespace collapsed); AdminError if unusable."""
        text = " ".join((reason or "").split())
        if not text:
            raise AdminError("Give a reason: it is recorded with the action.")
        if len(text) > REASON_MAX_LENGTH:
            raise AdminError(f"Keep the reason under {REASON_MAX_LENGTH} characters.")
        return text

    # ---- lookups ---------------------------------------------------------------------------

    def find_users(self, query: str, limit: int = SEARCH_LIMIT) -> list[User]:
        """Users whose username or any email address contains ``query`` (case-insensitive)."""
        query = query.strip()
        if not query:
            return []
        pattern = f"%{escape_like(query)}%"
        by_email = (
            select(Email.id)
            .where(Email.user_id == User.id, Email.email.ilike(pattern, escape="\\"))
            .exists()
        )
        exact = func.lower(User.username) == query.lower()
        return list(
            self.db.scalars(
                select(User)
                .where(or_(User.username.ilike(pattern, escape="\\"), by_email))
                .order_by(exact.desc(), func.lower(User.username))
                .limit(limit)
            )
        )

    def find_projects(self, query: str, limit: int = SEARCH_LIMIT) -> list[Project]:
        """Projects whose name or normalized name contains ``query``."""
        query = query.strip()
        if not query:
            return []
        pattern = f"%{escape_like(query)}%"
        normalized = f"%{escape_like(canonicalize_name(query))}%"
        return list(
            self.db.scalars(
                select(Project)
                .where(
                    or_(
                        Project.name.ilike(pattern, escape="\\"),
                        Project.normalized_name.like(normalized, escape="\\"),
                    )
                )
                .order_by(Project.normalized_name)
                .limit(limit)
            )
        )

    def get_user(self, username: str) -> User:
        """The user called ``username`` (any case); NotFound otherwise."""
        wanted = username.strip().lower()
        user = self.db.scalar(select(User).where(func.lower(User.username) == wanted))
        if user is None:
            raise NotFound(f"There is no user named '{username}'.")
        return user

    def get_project(self, name: str) -> Project:
        """The project ``name`` (any spelling of it); NotFound otherwise."""
        wanted = canonicalize_name(name)
        project = self.db.scalar(select(Project).where(Project.normalized_name == wanted))
        if project is None:
            raise NotFound(f"There is no project named '{name}'.")
        return project

    def recent_actions(
        self, *, kind: str | None = None, name: str | None = None, limit: int = 100
    ) -> list[AdminAction]:
        """The newest admin actions, optionally only those about one user or project."""
        query = select(AdminAction).order_by(AdminAction.time.desc()).limit(limit)
        if kind is not None and name is not None:
            query = query.where(AdminAction.target_kind == kind, AdminAction.target_name == name)
        return list(self.db.scalars(query))

    def two_factor_methods(self, user: User) -> dict[str, Any]:
        """The second factors of ``user``: TOTP row, security keys, recovery codes left."""
        two_factor = self._request.find_service(TwoFactorService)
        return {
            "totp": two_factor.get_totp(user),
            "keys": self._request.find_service(WebAuthnService).credentials(user),
            "recovery_generated": two_factor.has_recovery_codes(user),
            "recovery_remaining": two_factor.remaining_recovery_codes(user),
        }

    # ---- recording -------------------------------------------------------------------------

    def _log(
        self,
        actor: Actor,
        action: str,
        *,
        kind: str,
        name: str,
        target_id: uuid.UUID | None,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """A row in the operators' log (AdminAction)."""
        self.db.add(
            AdminAction(
                admin_username=actor.name,
                admin_id=actor.user_id,
                via=actor.via,
                action=action,
                target_kind=kind,
                target_name=name,
                target_id=target_id,
                reason=reason,
                details=details or {},
            )
        )
        self.db.flush()

    def _log_user_action(
        self, actor: Actor, user: User, action: str, reason: str, **details: Any
    ) -> None:
        self._log(
            actor,
            action,
            kind="user",
            name=user.username,
            target_id=user.id,
            reason=reason,
            details=details or None,
        )

    def _record_user_action(
        self, actor: Actor, user: User, tag: EventTag, action: str, reason: str, **details: Any
    ) -> None:
        """An action on a user goes both into their security history (``tag``) and the log."""
        add_user_event(self.db, actor, user, tag, admin=actor.name, reason=reason, **details)
        self._log_user_action(actor, user, action, reason, **details)

    # ---- actions on users ------------------------------------------------------------------

    def disable_user(self, user: User, actor: Actor, reason: str) -> None:
        """Disable the account: its sessions end at their next request (the session policy
        drops inactive users), its API tokens and password stop working at once, and it
        cannot log in."""
        reason = self.clean_reason(reason)
        if actor.user_id == user.id:
            raise AdminError("You cannot disable your own account.")
        if not user.is_active:
            raise AdminError(f"The account '{user.username}' is already disabled.")
        user.is_active = False
        user.disabled_reason = reason[:DISABLED_REASON_LENGTH]
        self._record_user_action(actor, user, EventTag.ACCOUNT_DISABLED, "disable-user", reason)

    def enable_user(self, user: User, actor: Actor, reason: str) -> None:
        """Re-enable a disabled account (its tokens, if it still has any, work again)."""
        reason = self.clean_reason(reason)
        if user.is_active:
            raise AdminError(f"The account '{user.username}' is not disabled.")
        user.is_active = True
        user.disabled_reason = None
        self._record_user_action(actor, user, EventTag.ACCOUNT_ENABLED, "enable-user", reason)

    def reset_two_factor(self, user: User, actor: Actor, reason: str) -> list[str]:
        """Remove every second factor of a locked-out user (TOTP, security keys, recovery
        codes), so that their password alone logs them in and they can enroll new ones.
        Returns what was removed. Emails the user. Only do this after checking who is asking
        (see /help/)."""
        reason = self.clean_reason(reason)
        if actor.user_id == user.id:
            # It would leave the admin area open to a session of an account without a second
            # factor; one's own methods are removed on one's account page.
            raise AdminError("You cannot reset your own two-factor methods here.")
        two_factor = self._request.find_service(TwoFactorService)
        # reset() records the user event and sends the email; the admin log is ours.
        removed = two_factor.reset(user, actor, reason)
        if not removed:
            raise AdminError(f"'{user.username}' has no two-factor methods or recovery codes.")
        self._log_user_action(actor, user, "reset-2fa", reason, removed=removed)
        return removed

    def revoke_tokens(self, user: User, actor: Actor, reason: str) -> list[str]:
        """Delete every API token of ``user`` (they stop working at once); returns their
        names. MacaroonService.revoke_all records it and emails the user one list of them."""
        reason = self.clean_reason(reason)
        names = self._request.find_service(MacaroonService).revoke_all(user, reason, actor)
        if not names:
            raise AdminError(f"'{user.username}' has no API tokens.")
        self._log_user_action(actor, user, "revoke-tokens", reason, tokens=names)
        return names

    # ---- actions on projects ---------------------------------------------------------------

    def remove_project(self, project: Project, actor: Actor, reason: str) -> dict[str, Any]:
        """Remove a project: its files leave the index now and the storage after the commit;
        their filenames stay reserved. ProjectService.delete journals "remove project",
        records the removal in each owner's security history (project events go with the
        project) and emails the owners. Returns a summary (name, releases, files, owners)."""
        reason = self.clean_reason(reason)
        # As every change to a project: after the changes in flight, before anything is read.
        if lock_project(self.db, project) is None:
            raise AdminError(f"The project {project.name!r} was removed meanwhile.")
        normalized_name, project_id = project.normalized_name, project.id
        summary = self._request.find_service(ProjectService).delete(project, actor, reason=reason)
        self._log(
            actor,
            "remove-project",
            kind="project",
            name=normalized_name,
            target_id=project_id,
            reason=reason,
            details=summary,
        )
        return summary
