"""MacaroonService: find, issue, verify and revoke API tokens (the token string itself, and
how its signature and caveats are checked: tokens.py)."""

from __future__ import annotations

import datetime
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pymacaroons
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from warehouse_lite.accounts.models import User
from warehouse_lite.db import utcnow
from warehouse_lite.email import Mailer
from warehouse_lite.events import add_project_event, add_user_event
from warehouse_lite.events.tags import EventTag
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons import emails
from warehouse_lite.macaroons.models import Macaroon, MacaroonProject
from warehouse_lite.macaroons.tokens import (
    InvalidMacaroon,
    VerifiedToken,
    parse_token,
    serialize_token,
    verify_token,
)
from warehouse_lite.packaging.models import Project, Role

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy.orm import Session

    from warehouse_lite.events.actor import Actor

KEY_BYTES = 32


class DuplicateDescription(Exception):
    """The user already has a token with this description."""


@dataclass(frozen=True)
class RemovedByOwner:
    """Why a token is revoked: its owner removed it (token page, `warehouse-lite token revoke`)."""


@dataclass(frozen=True)
class LeakReported:
    """Why a token is revoked: it was found in public (POST /_/secrets/disclose-token)."""

    public_url: str
    source: str


RevocationCause = RemovedByOwner | LeakReported


@dataclass(frozen=True)
class Site:
    """What issuing and revoking tokens need of the site: the domain a token names as its
    location, the mailer that tells the owner, and the URLs those emails link to."""

    domain: str
    mailer: Mailer
    route_url: Callable[..., str]


class MacaroonService:
    """Everything that reads or changes API tokens. Views, the CLI, the admin area and the
    security policy use it.

    Issuing and revoking (issue_upload_token, revoke, revoke_all) record the security-history
    events and email the owner in the caller's transaction; they need ``site``, which the
    request's factory gives. Without it the service can still find, mint, verify and delete.
    """

    def __init__(self, db: Session, site: Site | None = None) -> None:
        self.db = db
        self._site = site

    @property
    def site(self) -> Site:
        if self._site is None:
            raise RuntimeError("this MacaroonService was made without a site: use find_service")
        return self._site

    # ---- lookups ---------------------------------------------------------------------------

    def get_macaroon(self, macaroon_id: uuid.UUID | str) -> Macaroon | None:
        try:
            key = macaroon_id if isinstance(macaroon_id, uuid.UUID) else uuid.UUID(macaroon_id)
        except ValueError:
            return None
        return self.db.get(Macaroon, key)

    def macaroons_for_user(self, user: User) -> list[Macaroon]:
        query = select(Macaroon).where(Macaroon.user_id == user.id).order_by(Macaroon.created)
        return list(self.db.scalars(query))

    def macaroons_for_project(self, project: Project) -> list[Macaroon]:
        query = (
            select(Macaroon)
            .join(MacaroonProject, MacaroonProject.macaroon_id == Macaroon.id)
            .where(MacaroonProject.project_id == project.id)
            .order_by(Macaroon.created)
        )
        return list(self.db.scalars(query))

    def token_scopes(self, user: User) -> list[Project]:
        """Projects ``user`` may upload to (Owner or Maintainer): what a token of theirs may be
        scoped to."""
        has_role = Project.roles.any(Role.user_id == user.id)
        return list(
            self.db.scalars(select(Project).where(has_role).order_by(Project.normalized_name))
        )

    @staticmethod
    def can_hold_tokens(user: User) -> bool:
        """Tokens are only for accounts whose primary address is verified: an upload or a
        leaked token must be able to reach a person who actually reads that address."""
        email = user.primary_email
        return email is not None and email.verified

    def description_taken(self, user: User, description: str) -> bool:
        return (
            self.db.scalar(
                select(Macaroon.id).where(
                    Macaroon.user_id == user.id, Macaroon.description == description
                )
            )
            is not None
        )

    # ---- minting and revoking --------------------------------------------------------------

    def create_macaroon(
        self,
        location: str,
        user: User,
        description: str,
        caveats: Sequence[cv.Caveat],
        expires: datetime.datetime | None = None,
        projects: Iterable[Project] = (),
    ) -> tuple[str, Macaroon]:
        """Mint a token; returns (plaintext token, row). The plaintext is never stored.

        Raises DuplicateDescription when ``user`` already has a token so described.
        """
        projects = list(projects)
        row = Macaroon(
            id=uuid.uuid4(),
            user=user,
            description=description,
            key=secrets.token_bytes(KEY_BYTES),
            caveats=[c.to_json() for c in caveats],
            expires=expires,
            project_names=[p.normalized_name for p in projects],
            created=utcnow(),
        )
        row.projects = projects
        try:
            # A savepoint: a concurrent request that took the same description first costs
            # this insert only, not the request's transaction.
            with self.db.begin_nested():
                self.db.add(row)
                self.db.flush()
        except IntegrityError:
            raise DuplicateDescription(description) from None
        return serialize_token(location, row, caveats), row

    def issue_upload_token(
        self,
        user: User,
        description: str,
        actor: Actor,
        *,
        projects: Sequence[Project] = (),
        expires: datetime.datetime | None = None,
    ) -> tuple[str, Macaroon]:
        """Mint an upload token for ``user``, for the whole account or for ``projects``, valid
        until ``expires`` if given (the caveats are described in docs/decisions.md, "API
        tokens"); record it in the user's and each project's security history and email the
        user. The token page and `warehouse-lite token create` both issue theirs here.

        Returns (plaintext token, row). Raises DuplicateDescription when ``user`` already has
        a token so described.
        """
        caveats: list[cv.Caveat] = []
        if expires is not None:
            caveats.append(
                cv.Expiration(expires_at=int(expires.timestamp()), not_before=int(time.time()))
            )
        if projects:
            caveats.append(cv.ProjectName(tuple(p.normalized_name for p in projects)))
            caveats.append(cv.ProjectID(tuple(str(p.id) for p in projects)))
        caveats.append(cv.RequestUser(str(user.id)))
        raw, macaroon = self.create_macaroon(
            location=self.site.domain,
            user=user,
            description=description,
            caveats=caveats,
            expires=expires,
            projects=projects,
        )
        details = _details(macaroon)
        if macaroon.expires is not None:
            details["expires"] = macaroon.expires.isoformat()
        self._record(macaroon, actor, "api_token:added", "created_by", details)
        emails.send_token_created_email(
            self.site.mailer, macaroon, manage_url=self._manage_url(), actor=actor
        )
        return raw, macaroon

    def revoke(self, macaroon: Macaroon, cause: RevocationCause, actor: Actor) -> bool:
        """Revoke one token: the row is deleted once every request using the token has
        finished, then the owner's and its projects' security histories record why
        (``cause``) and the owner is emailed. False, and nothing recorded, when a concurrent
        revocation deleted it first."""
        details = _details(macaroon)
        # Load what the records name while the row exists: a deleted row's relationships
        # can no longer be loaded.
        _ = (macaroon.user, macaroon.projects)
        manage_url = self._manage_url()
        mailer = self.site.mailer
        if not self.delete_macaroon(macaroon):
            return False
        if isinstance(cause, LeakReported):
            leak = {"public_url": cause.public_url, "source": cause.source}
            self._record(macaroon, actor, "api_token:removed_leak", "owner", details | leak)
            emails.send_token_leaked_email(
                mailer, macaroon, leak, manage_url=manage_url, actor=actor
            )
        else:
            self._record(macaroon, actor, "api_token:removed", "owner", details)
            emails.send_token_removed_email(mailer, macaroon, manage_url=manage_url, actor=actor)
        return True

    def revoke_all(self, user: User, reason: str, actor: Actor) -> list[str]:
        """An administrator's revocation of every token of ``user``, for ``reason``: each
        project a token was scoped to records it, the user's history records it once (with
        the tokens' names), and one email lists them. Returns the names; does nothing when
        the user has no token."""
        tokens = self.macaroons_for_user(user)
        names = [token.description for token in tokens]
        why = {"admin": actor.name, "reason": reason}
        for token in list(tokens):
            projects = list(token.projects)
            if not self.delete_macaroon(token):
                names.remove(token.description)  # revoked meanwhile by its owner
                continue
            for project in projects:
                add_project_event(
                    self.db,
                    actor,
                    project,
                    EventTag.PROJECT_API_TOKEN_REMOVED,
                    owner=user.username,
                    description=token.description,
                    **why,
                )
        if not names:
            return names
        add_user_event(
            self.db, actor, user, EventTag.ACCOUNT_API_TOKEN_REVOKED_ALL, **why, tokens=names
        )
        urls = {
            "manage_url": self._manage_url(),
            "help_url": self.site.route_url("help", _anchor="revoke-token"),
        }
        emails.send_tokens_revoked_email(
            self.site.mailer, user, names, reason, urls=urls, actor=actor
        )
        return names

    def _manage_url(self) -> str:
        return self.site.route_url("manage.account.token")

    def _record(
        self, macaroon: Macaroon, actor: Actor, what: str, owner_key: str, details: dict[str, Any]
    ) -> None:
        """The events of a change to ``macaroon``: ``account:<what>`` for its owner and
        ``project:<what>`` (naming the owner under ``owner_key``) for each of its projects."""
        owner = macaroon.user
        add_user_event(self.db, actor, owner, EventTag(f"account:{what}"), **details)
        for project in macaroon.projects:
            add_project_event(
                self.db,
                actor,
                project,
                EventTag(f"project:{what}"),
                **{owner_key: owner.username},
                **details,
            )

    def _lock(self, macaroon_id: uuid.UUID, *, exclusive: bool) -> None:
        """Order uses of a token against its revocation (PostgreSQL; SQLite serialises every
        transaction anyway): a transaction-scoped advisory lock on the token's id, shared by
        every request that reads the token, exclusive for the one that deletes it.

        A revocation so waits for the requests already using the token to commit, and those
        that come after it wait for the revocation and then find no row: nothing done with a
        token commits after its revocation did. Advisory locks queue in order, so a token in
        constant use can still be revoked (shared row locks would starve the DELETE); they
        never make two uses of one token wait for each other.
        """
        if self.db.get_bind().dialect.name != "postgresql":
            return
        key = int.from_bytes(macaroon_id.bytes[:8], "big", signed=True)
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        with self.db.no_autoflush:
            self.db.execute(select(lock(key)))

    def delete_macaroon(self, macaroon: Macaroon) -> bool:
        """Revoke: delete the row, once every request using the token has finished. False
        when another transaction deleted it while this one waited for the lock."""
        self._lock(macaroon.id, exclusive=True)
        # A fresh statement sees what committed while we waited (READ COMMITTED).
        if self.db.scalar(select(Macaroon.id).where(Macaroon.id == macaroon.id)) is None:
            return False
        self.db.delete(macaroon)
        self.db.flush()
        return True

    # ---- verification ----------------------------------------------------------------------

    def _find(self, macaroon: pymacaroons.Macaroon) -> Macaroon:
        try:
            identifier = uuid.UUID(macaroon.identifier_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidMacaroon("API token has an invalid identifier") from None
        self._lock(identifier, exclusive=False)
        # The owner and their email addresses come in the same statement: every use of a
        # token needs the user, and an upload checks the primary address.
        row = self.db.get(
            Macaroon, identifier, options=[joinedload(Macaroon.user).joinedload(User.emails)]
        )
        if row is None:
            raise InvalidMacaroon("API token is unknown or has been revoked")
        return row

    def authenticate(self, raw: str) -> VerifiedToken:
        """Parse, find and signature-check a token; parse every caveat (unknown ones fail).

        Does not evaluate the caveats: that needs the request's context (``VerifiedToken.check``).
        """
        macaroon = parse_token(raw)
        row = self._find(macaroon)
        return verify_token(macaroon, row)


def _details(macaroon: Macaroon) -> dict[str, Any]:
    """What every event about a token says of it."""
    return {
        "macaroon_id": str(macaroon.id),
        "description": macaroon.description,
        "scope": macaroon.scope_summary,
    }


def macaroon_service_factory(context: object, request: Any) -> MacaroonService:
    site = Site(
        domain=request.settings.domain,
        mailer=request.find_service(Mailer),
        route_url=request.route_url,
    )
    return MacaroonService(request.db, site)
