"""Outstanding WebAuthn challenges: kept in the database, each one answered at most once.

A challenge belongs to the browser session that asked for it and to a purpose (log in, or
register a key); a newer one for the same session and purpose replaces it. The first answer
takes it out of the table with one conditional DELETE (``DELETE ... RETURNING``) in the
request's transaction, and may use it; answers racing with that one find nothing, whatever
their number: PostgreSQL makes a DELETE that waited on another DELETE of the same row find
it gone, SQLite runs one writer at a time. This is the single use the TOTP and recovery-code
checks get from their conditional UPDATEs. (In the session, a challenge was only removed by
each request from its own copy of the session, so simultaneous answers all found it.)
"""

from __future__ import annotations

import datetime
import enum
import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warehouse_lite.accounts.two_factor.models import WebAuthnChallenge
from warehouse_lite.db import utcnow

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User
    from warehouse_lite.accounts.two_factor.security_keys import Ceremony

# How long a challenge can be answered: the browser's prompt times out sooner (security_keys.
# CEREMONY_TIMEOUT_MS), and a login waits at most PENDING_LOGIN_MAX_AGE for its second step.
CHALLENGE_MAX_AGE = 300


class Purpose(enum.StrEnum):
    LOGIN = "login"
    REGISTER = "register"


def _session_hash(request: Request) -> str:
    return hashlib.sha256(request.session.session_id.encode()).hexdigest()


def keep(request: Request, purpose: Purpose, user: User, challenge: str) -> None:
    """Remember ``challenge`` (base64url) as this session's outstanding one for ``purpose``."""
    db = request.db
    now = utcnow()
    db.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires < now))
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {
        "user_id": user.id,
        "challenge": challenge,
        "expires": now + datetime.timedelta(seconds=CHALLENGE_MAX_AGE),
    }
    db.execute(
        insert(WebAuthnChallenge)
        .values(session_hash=_session_hash(request), purpose=str(purpose), **values)
        .on_conflict_do_update(index_elements=["session_hash", "purpose"], set_=values)
    )


def take(request: Request, purpose: Purpose, user: User) -> str | None:
    """This session's outstanding challenge for ``purpose``, removed whatever comes next; None
    if there is none (never issued, expired, already taken by another answer) or it was
    issued to another user."""
    row = request.db.execute(
        delete(WebAuthnChallenge)
        .where(
            WebAuthnChallenge.session_hash == _session_hash(request),
            WebAuthnChallenge.purpose == str(purpose),
            WebAuthnChallenge.expires >= utcnow(),
        )
        .returning(WebAuthnChallenge.challenge, WebAuthnChallenge.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None or row.user_id != user.id:
        return None
    return str(row.challenge)


def offer(request: Request, purpose: Purpose, user: User, ceremony: Ceremony) -> dict[str, Any]:
    """Keep ``ceremony``'s challenge for this session and return its options for the
    browser (never cached: a challenge is single-use)."""
    keep(request, purpose, user, ceremony.challenge)
    request.response.headers["Cache-Control"] = "no-store"
    return ceremony.options
