"""The embedded mode (SQLite, sessions in the database) as `make serve` runs it: the request's
transaction and the session store share one SQLite file, in one process.

Found by the HTTP fuzzer: a logged-in visitor's home page waited the whole busy timeout and
failed, because loading the session (a read, on its own connection) began with BEGIN
IMMEDIATE while the page's own transaction already held SQLite's write lock.

Issue 12: an upload held that lock from its first statement (the token look-up) to its
commit, through hashing, archive checks and rendering: readers of /simple/ got "database is
locked" after the busy timeout. An upload now checks everything with autocommit reads and
takes the lock only to write; the tests below park an upload inside its checks and show that
readers and a token revocation go through meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import webtest
from itsdangerous import Signer
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.common.dists import make_wheel
from tests.common.macaroon_factories import mint_token
from tests.common.uploads import basic_auth, upload
from warehouse_lite import migrations
from warehouse_lite.accounts.services import UserService
from warehouse_lite.config import make_wsgi_app
from warehouse_lite.db import make_engine
from warehouse_lite.forklift import archives
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import File
from warehouse_lite.sessions import get_session_store
from warehouse_lite.settings import Settings, load_settings


def _embedded_database(tmp_path: Path) -> tuple[Settings, Engine]:
    """The settings of `make serve` (SQLite and files under ``tmp_path``), migrated."""
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
    return settings, engine


def test_logged_in_pages_in_embedded_mode(tmp_path: Path, figure: Callable[[str], None]):
    settings, engine = _embedded_database(tmp_path)
    with Session(engine) as db, db.begin():
        user = UserService(db).create_user("embedded", "", "embedded password", "e@example.com")
        user_id, stamp = str(user.id), user.password_date.isoformat()
    app = make_wsgi_app(settings, engine=engine)
    store = get_session_store(app.registry)
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


def _embedded(tmp_path: Path) -> tuple[Any, Any, str, Any]:
    """(engine, browser, token, token id) of an embedded-mode site whose user may upload."""
    settings, engine = _embedded_database(tmp_path)
    with Session(engine) as db, db.begin():
        user = UserService(db).create_user(
            "uploader", "", "uploader password", "u@example.com", verified=True
        )
        token, macaroon = mint_token(db, user)
        token_id = macaroon.id
    app = make_wsgi_app(settings, engine=engine)
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    return engine, browser, token, token_id


def _files(engine: Engine) -> int:
    """How many files committed; the engine is done with after this."""
    with Session(engine) as db:
        count = db.scalar(select(func.count()).select_from(File)) or 0
    engine.dispose()
    return count


@contextmanager
def parked_upload(
    browser: Any, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """An upload of sample 2.0 stopped inside its archive check (after the hashing and the
    rendering) until the block ends; yields the dict where its response lands."""
    parked, release = threading.Event(), threading.Event()
    inspect_wheel = archives.inspect_wheel

    def parking(*args: Any) -> Any:
        parked.set()
        assert release.wait(120)
        return inspect_wheel(*args)

    monkeypatch.setattr(archives, "inspect_wheel", parking)
    result: dict[str, Any] = {}
    wheel = make_wheel("sample", "2.0")
    thread = threading.Thread(
        target=lambda: result.update(response=upload(browser, wheel, auth=auth, status="*"))
    )
    thread.start()
    try:
        assert parked.wait(120), "the upload never reached its archive check"
        yield result
    finally:
        release.set()
        thread.join(120)
        monkeypatch.undo()


def test_readers_do_not_wait_for_an_upload_in_its_checks(tmp_path, monkeypatch, figure):
    engine, browser, token, _ = _embedded(tmp_path)
    auth = {"Authorization": f"Bearer {token}"}
    upload(browser, make_wheel("sample", "1.0"), auth=auth)
    pages = ["/simple/", "/simple/sample/", "/project/sample/", "/pypi/sample/json"]
    with parked_upload(browser, auth, monkeypatch) as parked:
        for page in pages:
            # With the lock held, each would wait out SQLite's busy timeout and fail.
            assert browser.get(page, status="*").status_code == 200, page
    assert parked["response"].status_code == 200, parked["response"].status
    assert "sample-2.0-py3-none-any.whl" in browser.get("/simple/sample/").text
    engine.dispose()
    figure(
        f"embedded mode: {len(pages)}/{len(pages)} reads answered while an upload was parked "
        "in its archive check (none waited for the write lock); the upload then committed"
    )


def test_token_revoked_during_an_uploads_checks(tmp_path, monkeypatch, figure):
    engine, browser, token, token_id = _embedded(tmp_path)
    auth = {"Authorization": f"Bearer {token}"}
    with parked_upload(browser, auth, monkeypatch) as parked, Session(engine) as db, db.begin():
        MacaroonService(db).delete_macaroon(db.get(Macaroon, token_id))
    response = parked["response"]
    assert response.status_code == 403, response.status
    assert "revoked" in response.text
    assert _files(engine) == 0
    figure(
        "embedded mode: a token revoked while its upload was in its checks: revocation not "
        "blocked, upload refused (403) when it went to write, 0 files committed"
    )


def test_password_changed_during_an_uploads_checks(tmp_path, monkeypatch, figure):
    engine, browser, _, _ = _embedded(tmp_path)
    checks = []
    check_password = UserService.check_password

    def counting(self: UserService, user: Any, password: str) -> bool:
        checks.append(password)
        return bool(check_password(self, user, password))

    monkeypatch.setattr(UserService, "check_password", counting)
    auth = basic_auth("uploader", "uploader password")
    upload(browser, make_wheel("sample", "1.0"), auth=auth)
    # Read twice (before and under the write lock), the password is checked once (argon2).
    assert len(checks) == 1
    with parked_upload(browser, auth, monkeypatch) as parked, Session(engine) as db, db.begin():
        users = UserService(db)
        users.update_password(users.get_user_by_username("uploader"), "a new password 1")
    assert parked["response"].status_code in (401, 403), parked["response"].status
    assert _files(engine) == 1  # the first upload's
    figure(
        "embedded mode: a password upload checks the password once (argon2) though it reads "
        "its credentials twice; a password changed during its checks: upload refused, "
        "nothing committed"
    )
