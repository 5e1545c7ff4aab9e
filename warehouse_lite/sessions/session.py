"""An ISession whose data lives in a SessionStore."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, Signer
from pyramid.interfaces import ISession
from zope.interface import implementer

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

    from warehouse_lite.sessions.stores import SessionStore
    from warehouse_lite.settings import Settings

COOKIE_NAME = "session_id"


@implementer(ISession)
class ServerSideSession(dict[str, Any]):
    """Dict-like session data plus the session id, CSRF token and flash queues.

    Changes are written back once, in a response callback, when anything changed: as an
    update of the stored entry while the id is the one it was loaded under (``stored_id``),
    else as a new entry (a new session, or a new id after ``rotate``/``invalidate``).
    """

    def __init__(self, session_id: str | None, data: dict[str, Any] | None) -> None:
        super().__init__(data or {})
        self.new = data is None
        self.session_id = session_id or secrets.token_urlsafe(32)
        # The id whose stored entry this data came from (None: nothing stored yet).
        self.stored_id = None if data is None else self.session_id
        self.created: float = self.pop("_created", time.time())
        self._changed = self.new
        self._invalidated = False
        self.previous_ids: list[str] = []

    # ---- change tracking -------------------------------------------------------------------

    def changed(self) -> None:
        self._changed = True

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed = True

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed = True

    def pop(self, key: str, *default: Any) -> Any:
        had = key in self
        value = super().pop(key, *default)
        if had and key != "_created":
            self._changed = True
        return value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed = True

    def clear(self) -> None:
        super().clear()
        self._changed = True

    # ---- identity --------------------------------------------------------------------------

    def invalidate(self) -> None:
        """Forget everything and start a new session with a new id."""
        self.previous_ids.append(self.session_id)
        super().clear()
        self.session_id = secrets.token_urlsafe(32)
        self.created = time.time()
        self.new = True
        self._changed = True
        self._invalidated = True

    def rotate(self) -> None:
        """Keep the data under a new id (defeats session fixation at login)."""
        self.previous_ids.append(self.session_id)
        self.session_id = secrets.token_urlsafe(32)
        self._changed = True

    # ---- flash messages --------------------------------------------------------------------

    def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
        messages = self.setdefault(f"_flash_{queue}", [])
        if allow_duplicate or msg not in messages:
            messages.append(msg)
            self._changed = True

    def pop_flash(self, queue: str = "") -> list[Any]:
        return list(self.pop(f"_flash_{queue}", []))

    def peek_flash(self, queue: str = "") -> list[Any]:
        return list(self.get(f"_flash_{queue}", []))

    # ---- CSRF ------------------------------------------------------------------------------

    def new_csrf_token(self) -> str:
        token = secrets.token_urlsafe(32)
        self["_csrft_"] = token
        return token

    def get_csrf_token(self) -> str:
        token = self.get("_csrft_")
        return token if token else self.new_csrf_token()

    def to_store(self) -> dict[str, Any]:
        return {**self, "_created": self.created}


def session_factory_for(settings: Settings, store: SessionStore):
    """A Pyramid session factory using ``store`` and a cookie signed with SESSION_SECRET."""
    signer = Signer(settings.session_secret, salt="warehouse_lite.session")
    max_age = settings.session_max_age

    def factory(request: Request) -> ServerSideSession:
        raw = request.cookies.get(COOKIE_NAME)
        session_id: str | None = None
        data = None
        if raw:
            try:
                session_id = signer.unsign(raw).decode()
            except BadSignature:
                session_id = None
            if session_id:
                data = store.load(session_id)
                if data is None:
                    session_id = None
        session = ServerSideSession(session_id if data is not None else None, data)
        if data is not None and time.time() - session.created > max_age:
            session.invalidate()

        def save(request: Request, response: Response) -> None:
            for old_id in session.previous_ids:
                store.delete(old_id)
            if not session._changed:
                return
            if not session and session.new and not session._invalidated:
                return  # nothing worth a cookie yet
            if session.session_id != session.stored_id:
                store.create(session.session_id, session.to_store(), max_age)
            elif not store.update(session.session_id, session.to_store(), max_age):
                # The session ended while this request ran (another request with the same
                # cookie logged out, or rotated the id): it stays ended.
                return
            response.set_cookie(
                COOKIE_NAME,
                signer.sign(session.session_id).decode(),
                max_age=max_age,
                httponly=True,
                samesite="Lax",
                secure=settings.cookies_secure,
                path="/",
            )

        request.add_response_callback(save)
        return session

    return factory
