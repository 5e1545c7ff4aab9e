"""A real app (all of config.py) driven through WebTest; each test rolls back."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webtest
from limits.storage import Storage
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from tests.common.clock import FrozenClock
from tests.common.factories import DEFAULT_PASSWORD
from tests.common.services import replaced, singleton
from tests.common.uploads import override_settings  # noqa: F401  (a fixture for every test)
from warehouse_lite.clock import Clock
from warehouse_lite.config import configure
from warehouse_lite.db import get_sessionmaker
from warehouse_lite.sessions import get_session_store
from warehouse_lite.sessions.stores import SqlSessionStore
from warehouse_lite.settings import Settings


@pytest.fixture(scope="session")
def wsgi_app(settings: Settings, engine: Engine) -> Any:
    store = SqlSessionStore(engine)
    config = configure(settings, engine=engine, session_store=store)
    return config.make_wsgi_app()


@pytest.fixture
def app(
    wsgi_app: Any, connection: Connection, db: Session, settings: Settings
) -> Iterator[webtest.TestApp]:
    registry = wsgi_app.registry
    get_sessionmaker(registry).configure(bind=connection, join_transaction_mode="create_savepoint")
    get_session_store(registry).engine = connection  # type: ignore[attr-defined]
    singleton(wsgi_app, Storage).reset()  # the rate limiters' counters
    shutil.rmtree(settings.outbox_dir, ignore_errors=True)
    testapp = webtest.TestApp(
        wsgi_app, extra_environ={"REMOTE_ADDR": "192.0.2.10", "HTTP_HOST": "localhost"}
    )
    yield testapp


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str

    def link(self) -> str:
        match = re.search(r"http://localhost(/\S+)", self.text)
        assert match, self.text
        return match.group(1)


@pytest.fixture
def outbox(settings: Settings) -> Any:
    """Reads the emails the app sent (the outbox sender writes real .eml files)."""

    def read() -> list[Mail]:
        folder: Path = settings.outbox_dir
        if not folder.exists():
            return []
        mails = []
        for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
            mails.append(
                Mail(
                    message["To"],
                    message["Subject"],
                    text.get_content() if text else "",
                    html.get_content() if html else "",
                )
            )
        return mails

    return read


def csrf_of(response: webtest.TestResponse) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(
    app: webtest.TestApp, username: str, password: str = DEFAULT_PASSWORD
) -> webtest.TestResponse:
    page = app.get("/account/login/")
    form = form_for(page, "/account/login/")
    form["username"] = username
    form["password"] = password
    return form.submit(expect_errors=True)


def form_for(page: webtest.TestResponse, action: str, **fields: str) -> Any:
    """The form on ``page`` that posts to ``action`` (a path), optionally by hidden field values."""
    for form in page.forms.values():
        if form.action.split("?")[0] != action:
            continue
        if all(k in form.fields and form.get(k, index=0).value == v for k, v in fields.items()):
            return form
    raise AssertionError(f"no form posting to {action} with {fields}")


# What sudo mode sees as "now" (installed as the app's Clock service).
ReauthClock = FrozenClock


@pytest.fixture
def reauth_clock(app: webtest.TestApp) -> Iterator[ReauthClock]:
    """Ages the session's last password entry (login or confirmation) without waiting."""
    import time

    with replaced(app.app, Clock, ReauthClock(time.time())) as clock:
        yield clock


CONFIRM_PATH = "/account/confirm-password/"


def asks_for_password(response: webtest.TestResponse) -> bool:
    """True when sudo mode sent the browser to confirm its password."""
    return response.status_code == 303 and CONFIRM_PATH in (response.location or "")


def confirm_password(
    app: webtest.TestApp, asked: webtest.TestResponse, password: str = DEFAULT_PASSWORD
) -> webtest.TestResponse:
    """Follow sudo mode's redirect to the confirmation page and give ``password``."""
    assert asks_for_password(asked), f"{asked.status}: {asked.location}"
    form = form_for(asked.follow(), CONFIRM_PATH)
    form["password"] = password
    return form.submit(expect_errors=True)
