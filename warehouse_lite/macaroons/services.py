"""MacaroonService: mint, find, verify, revoke API tokens and record their use.

A token is ``pypi-`` + the base64 (URL-safe, unpadded) V2 serialization of a pymacaroons
Macaroon whose location is the site's domain, whose identifier is the row's UUID and whose root
key is the row's 32 random bytes. Anyone holding a token may add caveats to it (attenuation,
as the `pypitoken` library does); those are covered by the signature and all must hold.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pymacaroons
from pymacaroons.exceptions import MacaroonInvalidSignatureException
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from warehouse_lite.accounts.models import User
from warehouse_lite.db import utcnow
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.models import Macaroon, MacaroonProject
from warehouse_lite.packaging.models import Project, Role

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.orm import Session, sessionmaker

TOKEN_PREFIX = "pypi-"
KEY_BYTES = 32
# last_used is rewritten at most this often per token, so a busy CI token costs one tiny UPDATE
# a minute instead of one per upload.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class InvalidMacaroon(Exception):
    """The token cannot be used; ``reason`` says why, in words for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DuplicateDescription(Exception):
    """The user already has a token with this description."""


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature checked out: its row and every caveat to enforce (the holder's
    ones from the token, then the stored ones)."""

    macaroon: Macaroon
    caveats: tuple[cv.Caveat, ...]

    def check(self, target: cv.Target) -> cv.Result:
        return cv.verify_all(self.caveats, target)


def target_for(user: User, context: Any, now: int | None = None) -> cv.Target:
    """The caveats' view of ``context``: a Project row, a NewProject (no id yet) or neither."""
    name = getattr(context, "normalized_name", None)
    project_id = getattr(context, "id", None) if name is not None else None
    return cv.Target(
        now=int(time.time()) if now is None else now,
        user_id=str(user.id),
        project_name=name,
        project_id=str(project_id) if project_id is not None else None,
    )


def _parse(raw: str) -> pymacaroons.Macaroon:
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX):
        raise InvalidMacaroon(f"API token does not start with the '{TOKEN_PREFIX}' prefix")
    body = raw[len(TOKEN_PREFIX) :].rstrip("=")
    try:
        decoded = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMacaroon("API token is not valid base64") from None
    if not decoded:
        raise InvalidMacaroon("API token is empty")
    try:
        macaroon = pymacaroons.Macaroon.deserialize(body)
        # pymacaroons ignores trailing bytes; a token that does not re-serialize to itself is
        # not one we (or pypitoken) produced.
        canonical = macaroon.serialize()
    except Exception:  # pymacaroons raises anything from IndexError to its own exceptions
        raise InvalidMacaroon("API token is malformed (not a macaroon)") from None
    if canonical != body.replace("+", "-").replace("/", "_"):
        raise InvalidMacaroon("API token is malformed (trailing data)")
    return macaroon


class MacaroonService:
    """Everything that reads or changes API tokens. Views and the security policy use it."""

    def __init__(self, db: Session) -> None:
        self.db = db

    # ---- lookups ---------------------------------------------------------------------------

    def get_macaroon(self, macaroon_id: uuid.UUID | str) -> Macaroon | None:
        try:
            key = macaroon_id if isinstance(macaroon_id, uuid.UUID) else uuid.UUID(macaroon_id)
        except ValueError:
            return None
        return self.db.get(Macaroon, key)

    def macaroons_for_user(self, user: User) -> list[Macaroon]:
        return list(
            self.db.scalars(
                select(Macaroon).where(Macaroon.user_id == user.id).order_by(Macaroon.created)
            )
        )

    def macaroons_for_project(self, project: Project) -> list[Macaroon]:
        return list(
            self.db.scalars(
                select(Macaroon)
                .join(MacaroonProject, MacaroonProject.macaroon_id == Macaroon.id)
                .where(MacaroonProject.project_id == project.id)
                .order_by(Macaroon.created)
            )
        )

    def token_scopes(self, user: User) -> list[Project]:
        """Projects ``user`` may upload to (Owner or Maintainer): what a token of theirs may be
        scoped to."""
        query = (
            select(Project)
            .join(Role, Role.project_id == Project.id)
            .where(Role.user_id == user.id)
            .order_by(Project.normalized_name)
        )
        return list(self.db.scalars(query))

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
        macaroon = pymacaroons.Macaroon(
            location=location,
            identifier=str(row.id),
            key=row.key,
            version=pymacaroons.MACAROON_V2,
        )
        for caveat in caveats:
            macaroon.add_first_party_caveat(cv.serialize(caveat))
        return TOKEN_PREFIX + macaroon.serialize(), row

    def create_upload_token(
        self,
        location: str,
        user: User,
        description: str,
        projects: Sequence[Project] = (),
        expires: datetime.datetime | None = None,
    ) -> tuple[str, Macaroon]:
        """Mint an upload token for ``user``, for the whole account or for ``projects``, valid
        until ``expires`` if given: the token page and `warehouse-lite token create` both make
        theirs here (the caveats are described in docs/decisions.md, "API tokens").

        Raises DuplicateDescription when ``user`` already has a token so described.
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
        return self.create_macaroon(
            location=location,
            user=user,
            description=description,
            caveats=caveats,
            expires=expires,
            projects=projects,
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

    def delete_macaroon(self, macaroon: Macaroon) -> None:
        """Revoke: delete the row, once every request using the token has finished."""
        self._lock(macaroon.id, exclusive=True)
        self.db.delete(macaroon)
        self.db.flush()

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
        macaroon = _parse(raw)
        row = self._find(macaroon)
        if any(not c.first_party() for c in macaroon.caveats):
            raise InvalidMacaroon("API token has third-party caveats, which are not supported")
        predicates: list[str] = []

        def collect(predicate: str) -> bool:
            # Accept every caveat here so that the signature over all of them is computed;
            # each one is evaluated afterwards (VerifiedToken.check), where failures are kept.
            predicates.append(predicate)
            return True

        verifier = pymacaroons.Verifier()
        verifier.satisfy_general(collect)
        try:
            verifier.verify(macaroon, row.key)
        except MacaroonInvalidSignatureException:
            raise InvalidMacaroon(
                "API token signature is invalid (the token was altered or was not issued by "
                "this site)"
            ) from None
        except Exception:
            raise InvalidMacaroon("API token is malformed (unreadable caveats)") from None
        parsed: list[cv.Caveat] = []
        try:
            parsed.extend(cv.deserialize(p) for p in predicates)
            # The stored copy: what we minted is enforced even if the token somehow lacks it.
            parsed.extend(cv.from_json(c) for c in row.caveats)
        except cv.CaveatError as exc:
            raise InvalidMacaroon(f"API token cannot be used: {exc}") from None
        return VerifiedToken(macaroon=row, caveats=tuple(parsed))


def record_use(factory: sessionmaker[Session], macaroon_id: uuid.UUID) -> None:
    """Set last_used in a short transaction of its own (called after the request committed).

    The UPDATE only touches the row when last_used is older than LAST_USED_RESOLUTION, so
    concurrent uploads with one token rarely write at all, and never hold the row lock for
    longer than this statement: the upload's own transaction never locks the token row.
    """
    now = utcnow()
    session = factory()
    try:
        session.execute(
            update(Macaroon)
            .where(
                Macaroon.id == macaroon_id,
                or_(Macaroon.last_used.is_(None), Macaroon.last_used < now - LAST_USED_RESOLUTION),
            )
            .values(last_used=now)
        )
        session.commit()
    finally:
        session.close()


def macaroon_service_factory(context: object, request: Any) -> MacaroonService:
    return MacaroonService(request.db)
