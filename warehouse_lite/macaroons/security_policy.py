"""The API-token sub-policy: identifies requests carrying a token, on every route.

Tokens are read from ``Authorization: Basic`` with username ``__token__`` (twine, uv, flit,
pip's keyring ...), ``Authorization: token <t>`` and ``Authorization: Bearer <t>``. A valid token
identifies its owner everywhere, so that a web or manage view answers "tokens are only for
uploads" (MultiSecurityPolicy's table) rather than redirecting to a login page. The caveats are
evaluated in ``extra_checks`` against the context the view asks about (the Project or
NewProject of an upload).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any

from pyramid.security import Denied
from sqlalchemy import or_, update

from warehouse_lite.accounts.security_policy import parse_basic_auth
from warehouse_lite.authnz import AuthMethod
from warehouse_lite.db import get_sessionmaker, utcnow
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.macaroons.tokens import InvalidMacaroon, VerifiedToken
from warehouse_lite.security_policy import UserIdentity, set_auth_failure

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

TOKEN_USERNAME = "__token__"
_RECORD_KEY = "warehouse_lite.macaroon.record_use"
# last_used is rewritten at most this often per token, so a busy CI token costs one tiny UPDATE
# a minute instead of one per upload.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_from_request(request: Request) -> str | None:
    """The API token the request carries, or None when it offers none."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme in {"token", "bearer"}:
        return value.strip() or None
    if scheme == "basic":
        credentials = parse_basic_auth(request)
        if credentials is not None and credentials[0] == TOKEN_USERNAME:
            return credentials[1]
    return None


class MacaroonSecurityPolicy:
    """Identity from an API token; its caveats checked per permission request."""

    def identity(self, request: Request) -> UserIdentity | None:
        raw = token_from_request(request)
        if raw is None:
            return None
        try:
            verified = request.find_service(MacaroonService).authenticate(raw)
        except InvalidMacaroon as exc:
            set_auth_failure(request, exc.reason)
            return None
        user = verified.macaroon.user
        if not user.is_active:
            set_auth_failure(request, "The account this API token belongs to is disabled.")
            return None
        return UserIdentity(user=user, method=AuthMethod.MACAROON, macaroon=verified)

    def extra_checks(
        self, request: Request, identity: UserIdentity, context: Any, permission: str
    ) -> Denied | None:
        verified: VerifiedToken = identity.macaroon
        result = verified.check(cv.target_for(identity.user, context))
        if isinstance(result, cv.Failure):
            return Denied(f"Invalid API token: {result.reason}")
        self._record_use_on_success(request, verified)
        return None

    @staticmethod
    def _record_use_on_success(request: Request, verified: VerifiedToken) -> None:
        if request.environ.get(_RECORD_KEY):
            return
        request.environ[_RECORD_KEY] = True
        last_used = verified.macaroon.last_used
        if last_used is not None and utcnow() - last_used < LAST_USED_RESOLUTION:
            # record_use() would match no row: skip its transaction (a pool checkout and
            # three round trips on every upload of a busy token).
            return
        macaroon_id = verified.macaroon.id

        def record(request: Request, response: Response) -> None:
            # Response callbacks run after pyramid_tm has committed (or aborted) the request's
            # transaction: only a successful request counts as a use, and the upload's own
            # transaction never held a lock on the token row.
            if response.status_code >= 400:
                return
            try:
                record_use(get_sessionmaker(request.registry), macaroon_id)
            except Exception:
                # Bookkeeping must never turn a completed upload into an error.
                log.exception("could not record last use of API token %s", macaroon_id)

        request.add_response_callback(record)

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        return []


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
