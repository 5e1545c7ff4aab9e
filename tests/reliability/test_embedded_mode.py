"""The embedded mode (SQLite, sessions in the database) as `make serve` runs it: the request's
transaction and the session store share one SQLite file, in one process.

Found by the HTTP fuzzer: a logged-in visitor's home page waited the whole busy timeout and
failed, because loading the session (a read, on its own connection) began with BEGIN
IMMEDIATE while the page's own transaction already held SQLite's write lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import webtest
from itsdangerous import Signer
from sqlalchemy.orm import Session

from warehouse_lite import migrations
from warehouse_lite.accounts.services import UserService
from warehouse_lite.config import make_wsgi_app
from warehouse_lite.db import make_engine
from warehouse_lite.settings import load_settings


def test_logged_in_pages_in_embedded_mode(tmp_path: Path, figure: Callable[[str], None]):
    settings = load_settings(
        {},
        env="test",
        var_dir=tmp_path,
        session_secret="e" * 40,
        token_secret="m" * 40,
        site_url="http://localhost",
        celery_eager=True,
        mail_backend="outbox",
    )
    engine = make_engine(settings)
    migrations.upgrade(engine)
    with Session(engine) as db, db.begin():
        user = UserService(db).create_user("embedded", "", "embedded password", "e@example.com")
        user_id, stamp = str(user.id), user.password_date.isoformat()
    app = make_wsgi_app(settings, **{"db.engine": engine})
    store = app.registry["sessions.store"]
    store.save(
        "s1", {"auth.userid": user_id, "auth.password_date": stamp, "_created": time.time()}, 600
    )
    cookie = Signer(settings.session_secret, salt="warehouse_lite.session").sign("s1").decode()
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    browser.set_cookie("session_id", cookie)
    pages = ["/", "/help/", "/search/?q=embedded", "/manage/account/", "/manage/projects/"]
    started = time.monotonic()
    for page in pages:
        response = browser.get(page)
        assert response.status_code == 200, page
        assert "Log out (embedded)" in response.text, page
    elapsed = time.monotonic() - started
    engine.dispose()
    figure(
        f"embedded mode (SQLite, sessions in the database): logged-in pages {len(pages)}/"
        f"{len(pages)} served, none waited on the write lock ({elapsed:.1f} s in all)"
    )
