"""A small populated site and every way of presenting credentials to it, for the security
suite and the hostile-request tests.

Sessions are written straight into the session store (exactly what a login leaves there),
one fresh session per request, so a request that logs out or rotates a session cannot change
what the next one presents. Tokens are minted by the real MacaroonService.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import webtest
from itsdangerous import Signer
from sqlalchemy.orm import Session
from webob import Request, Response

from tests.common.dists import make_wheel
from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.two_factor_factories import UserTOTPFactory
from tests.common.uploads import upload
from warehouse_lite.accounts.login import PENDING_LOGIN_KEY, SESSION_SECOND_FACTOR_KEY
from warehouse_lite.accounts.recent_auth import SESSION_REAUTH_KEY
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import File
from warehouse_lite.sessions import get_session_store
from warehouse_lite.sessions.keys import SESSION_PASSWORD_DATE_KEY, SESSION_USER_KEY
from warehouse_lite.sessions.session import COOKIE_NAME
from warehouse_lite.settings import get_settings

PROJECT = "alpha"
CSRF_PLACEHOLDER = b"@@csrf@@"
ENVIRON = {"REMOTE_ADDR": "192.0.2.10", "HTTP_HOST": "localhost"}
VERSION = "1.0"


@dataclass
class Credentials:
    """What one auth method puts on a request: headers, and a session to create per request."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    session: Callable[[], dict[str, Any]] | None = None


@dataclass
class World:
    app: webtest.TestApp
    db: Session
    owner: Any
    two_factor_user: Any
    admin: Any
    file_path: str
    credentials: dict[str, Credentials]
    store: Any
    signer: Signer
    tokens: dict[str, str]

    def new_session(self, data: dict[str, Any]) -> tuple[str, str]:
        """Store ``data`` under a new session id; (cookie value, CSRF token)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        self.store.save(session_id, {**data, "_csrft_": csrf, "_created": time.time()}, 3600)
        return self.signer.sign(session_id).decode(), csrf

    def request(
        self,
        method: str,
        url: str,
        auth: str,
        *,
        params: Any = None,
        upload_files: Any = None,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        """One request as ``auth`` (a key of ``credentials``), straight to the WSGI app (no
        cookie jar: hostile URLs must reach the app as sent). POSTs carry the session's CSRF
        token unless ``csrf`` is False (there is none without a session); a raw ``body`` gets
        it in place of the text CSRF_PLACEHOLDER."""
        credentials = self.credentials[auth]
        all_headers = {**credentials.headers, **(headers or {})}
        token = None
        if credentials.session is not None:
            cookie, token = self.new_session(credentials.session())
            all_headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
        request = Request.blank(url, method=method, environ=dict(ENVIRON))
        for key, value in all_headers.items():
            request.headers[key] = value
        if body is not None:
            request.body = body.replace(CSRF_PLACEHOLDER, (token or "").encode())
            request.content_type = content_type or "application/octet-stream"
        elif method != "GET":
            fields = list(params or [])
            if csrf and token is not None:
                fields.append(("csrf_token", token))
            request.content_type, request.body = self._body(fields, upload_files)
        response = request.get_response(self.app.app)
        # Read the body as a WSGI server writes it: that closes the body iterable, which runs
        # the work due after the response (warehouse_lite/web/after_response.py).
        response.body  # noqa: B018
        return response

    def _body(self, fields: list[tuple[str, str]], upload_files: Any) -> tuple[str, bytes]:
        if upload_files:
            files = [webtest.forms.Upload(name, content=data) for _, name, data in upload_files]
            fields = fields + [(f, u) for (f, _, _), u in zip(upload_files, files, strict=True)]
            content_type, body = self.app.encode_multipart(fields, [])
            return content_type, body
        return "application/x-www-form-urlencoded", urlencode(fields).encode()


def basic(username: str, password: str) -> dict[str, str]:
    value = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def build_world(app: webtest.TestApp, db: Session) -> World:
    """Users (owner without 2FA; a 2FA user; an admin with 2FA), the project 'alpha' with
    one uploaded wheel, and tokens of every kind for the owner."""
    owner = UserFactory(username="owner")
    two_factor_user = UserFactory(username="twofa")
    UserTOTPFactory(user=two_factor_user)
    admin = UserFactory(username="root", is_admin=True)
    UserTOTPFactory(user=admin)
    db.flush()

    dist = make_wheel(PROJECT, VERSION)
    upload(app, dist, auth=basic("owner", DEFAULT_PASSWORD))
    project_file = db.query(File).filter(File.filename == dist.filename).one()
    project = project_file.release.project

    user_token, _ = mint_token(db, owner, description="user-wide")
    project_token, _ = mint_token(db, owner, projects=[project], description="alpha only")
    past = int(time.time()) - 3600
    expired_token, _ = mint_token(
        db, owner, description="expired", extra=[cv.Expiration(past, past - 3600)]
    )
    revoked_token, revoked_row = mint_token(db, owner, description="revoked")
    MacaroonService(db).delete_macaroon(revoked_row)
    db.flush()

    registry = app.app.registry
    settings = get_settings(registry)
    store = get_session_store(registry)
    signer = Signer(settings.session_secret, salt="warehouse_lite.session")

    def logged_in(
        user: Any, second_factor: bool = False, password_age: float = 0
    ) -> Callable[[], dict[str, Any]]:
        # second_factor: the session logged in with password + 2FA (what complete_login keeps);
        # password_age: seconds since the password was given (sudo mode, recent_auth.py).
        return lambda: {
            SESSION_USER_KEY: str(user.id),
            SESSION_PASSWORD_DATE_KEY: user.password_date.isoformat(),
            SESSION_SECOND_FACTOR_KEY: second_factor,
            SESSION_REAUTH_KEY: time.time() - password_age,
        }

    def pending() -> dict[str, Any]:
        return {
            PENDING_LOGIN_KEY: {
                "userid": str(two_factor_user.id),
                "password_date": two_factor_user.password_date.isoformat(),
                "started": time.time(),
                "next": "/manage/account/",
            }
        }

    def token(value: str) -> dict[str, str]:
        return {"Authorization": f"token {value}"}

    credentials = {
        "anonymous": Credentials("anonymous", session=dict),
        "pending-2fa": Credentials("pending-2fa", session=pending),
        "session": Credentials("session", session=logged_in(owner)),
        "admin-session": Credentials("admin-session", session=logged_in(admin, second_factor=True)),
        # Not one of the matrix's methods: the owner's session, logged in a day ago.
        "stale-session": Credentials("stale-session", session=logged_in(owner, password_age=86400)),
        "basic-password": Credentials("basic-password", headers=basic("owner", DEFAULT_PASSWORD)),
        "user-token": Credentials("user-token", headers=token(user_token)),
        "project-token": Credentials("project-token", headers=token(project_token)),
        "expired-token": Credentials("expired-token", headers=token(expired_token)),
        "revoked-token": Credentials("revoked-token", headers=token(revoked_token)),
    }
    return World(
        app=app,
        db=db,
        owner=owner,
        two_factor_user=two_factor_user,
        admin=admin,
        file_path=project_file.path,
        credentials=credentials,
        store=store,
        signer=signer,
        tokens={
            "user": user_token,
            "project": project_token,
            "expired": expired_token,
            "revoked": revoked_token,
        },
    )
