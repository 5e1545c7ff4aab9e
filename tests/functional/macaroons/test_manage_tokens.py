"""/manage/account/token/: create (every scope, every bad input), show once, list, remove."""

from __future__ import annotations

import datetime
import re

from sqlalchemy import func, select

from tests.common.factories import DEFAULT_PASSWORD, EmailFactory, UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.functional.conftest import csrf_of, login
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.macaroons.forms import MAX_EXPIRY_DAYS
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import RoleName

TOKEN_RE = re.compile(r"pypi-[A-Za-z0-9_-]{40,}")
URL = "/manage/account/token/"


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(Macaroon))


def _tags(db, user) -> list[str]:
    return [e.tag for e in db.scalars(select(UserEvent).where(UserEvent.user_id == user.id))]


def _create(app, *scopes: str, description: str = "CI", expires: str = "", csrf: bool = True):
    page = app.get(URL)
    params = [("description", description), ("expires", expires)]
    params += [("token_scope", s) for s in scopes]
    if csrf:
        params.append(("csrf_token", csrf_of(page)))
    return app.post(URL, params=params, expect_errors=True)


def _logged_in(app, **kw):
    user = UserFactory(**kw)
    assert login(app, user.username).status_code == 303
    return user


def test_token_page_requires_login(app) -> None:
    response = app.get(URL)
    assert response.status_code == 303
    assert "/account/login/" in response.location


def test_create_user_token_shown_once(app, db, outbox) -> None:
    user = _logged_in(app)
    response = _create(app, "scope:user", description="my laptop")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [token] = set(TOKEN_RE.findall(response.text))
    assert "shown only once" in response.text
    # Ready-to-paste snippets carry the token and the upload URL.
    assert "username = __token__" in response.text
    assert f"TWINE_PASSWORD={token}" in response.text
    assert f"uv publish --publish-url http://localhost/legacy/ --token {token}" in response.text
    assert 'data-copy-target="new-token"' in response.text
    assert "static/copy.js" in response.text

    row = db.scalar(select(Macaroon).where(Macaroon.user_id == user.id))
    assert row.description == "my laptop"
    assert row.project_names == [] and row.expires is None
    assert row.caveats == [[3, str(user.id)]]
    assert token.encode() not in repr(row.__dict__).encode()

    again = app.get(URL)
    assert "my laptop" in again.text
    assert not TOKEN_RE.search(again.text)
    account = app.get("/manage/account/")
    assert "my laptop" in account.text and not TOKEN_RE.search(account.text)

    assert "account:api_token:added" in _tags(db, user)
    [mail] = outbox()
    assert mail.to == user.primary_email.email
    assert "my laptop" in mail.subject and "added" in mail.subject
    assert token not in mail.text and token not in mail.html
    assert "Entire account" in mail.text


def test_create_project_tokens(app, db) -> None:
    user = _logged_in(app)
    foo = ProjectFactory(name="Foo_Lib")
    bar = ProjectFactory(name="bar")
    RoleFactory(user=user, project=foo, role_name=RoleName.OWNER)
    RoleFactory(user=user, project=bar, role_name=RoleName.MAINTAINER)
    page = app.get(URL)
    assert 'value="scope:project:foo-lib"' in page.text and 'value="scope:project:bar"' in page.text

    response = _create(app, "scope:project:Foo_Lib", description="foo only")
    assert response.status_code == 200
    row = db.scalar(select(Macaroon).where(Macaroon.description == "foo only"))
    assert row.project_names == ["foo-lib"]
    assert row.caveats == [[1, ["foo-lib"]], [2, [str(foo.id)]], [3, str(user.id)]]

    response = _create(app, "scope:project:foo-lib", "scope:project:bar", description="both")
    assert response.status_code == 200
    row = db.scalar(select(Macaroon).where(Macaroon.description == "both"))
    assert sorted(row.project_names) == ["bar", "foo-lib"]
    assert "Project: " in response.text

    tags = [
        (e.project_id, e.tag)
        for e in db.scalars(select(ProjectEvent).where(ProjectEvent.tag.like("%api_token%")))
    ]
    assert sorted(tags, key=str) == sorted(
        [
            (foo.id, "project:api_token:added"),
            (foo.id, "project:api_token:added"),
            (bar.id, "project:api_token:added"),
        ],
        key=str,
    )


def test_create_with_expiry(app, db) -> None:
    _logged_in(app)
    day = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30)
    response = _create(app, "scope:user", description="short", expires=day.isoformat())
    assert response.status_code == 200
    row = db.scalar(select(Macaroon).where(Macaroon.description == "short"))
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
    assert row.expires == end
    [expiry] = [c for c in row.caveats if c[0] == 0]
    assert expiry[1] == int(end.timestamp())
    assert expiry[2] <= int(datetime.datetime.now(datetime.UTC).timestamp())
    assert end.strftime("%Y-%m-%d") in app.get(URL).text


def test_the_latest_allowed_expiry_date_works(app, db) -> None:
    _logged_in(app)
    day = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=MAX_EXPIRY_DAYS)
    response = _create(app, "scope:user", description="long", expires=day.isoformat())
    assert response.status_code == 200
    row = db.scalar(select(Macaroon).where(Macaroon.description == "long"))
    assert row.expires.date() == day + datetime.timedelta(days=1)


def test_bad_create_input_creates_nothing(app, db) -> None:
    user = _logged_in(app)
    mine = ProjectFactory(name="mine")
    RoleFactory(user=user, project=mine)
    ProjectFactory(name="theirs")
    mint_token(db, user, description="taken")
    before = _count(db)
    yesterday = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
    too_late = yesterday + datetime.timedelta(days=MAX_EXPIRY_DAYS + 2)
    cases = [
        ((), {}, "Choose the token"),
        (("scope:user", "scope:project:mine"), {}, "not both"),
        (("scope:project:theirs",), {}, "cannot scope a token to &#39;theirs&#39;"),
        (("scope:project:nope",), {}, "cannot scope a token to &#39;nope&#39;"),
        (("scope:everything",), {}, "Unknown scope"),
        (("scope:user",), {"description": ""}, "Give the token a name"),
        (("scope:user",), {"description": "   "}, "Give the token a name"),
        (("scope:user",), {"description": "x" * 101}, "at most 100"),
        (("scope:user",), {"description": "taken"}, "already have a token with this name"),
        (("scope:user",), {"expires": yesterday.isoformat()}, "cannot be in the past"),
        (("scope:user",), {"expires": "soon"}, "Not a valid date"),
        (("scope:user",), {"expires": "9999-12-31"}, "at most 3650 days"),
        (("scope:user",), {"expires": too_late.isoformat()}, "at most 3650 days"),
    ]
    for scopes, overrides, message in cases:
        response = _create(app, *scopes, **overrides)
        assert response.status_code == 400, (scopes, overrides)
        assert message in response.text, (scopes, overrides, message)
        assert not TOKEN_RE.search(response.text)
        assert _count(db) == before


def test_create_requires_csrf(app, db) -> None:
    _logged_in(app)
    response = _create(app, "scope:user", csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert _count(db) == 0


def _delete(app, macaroon_id: str, password: str | None, csrf: bool = True):
    page = app.get(URL)
    params = {"macaroon_id": macaroon_id}
    if password is not None:
        params["password"] = password
    if csrf:
        params["csrf_token"] = csrf_of(page)
    return app.post("/manage/account/token/delete", params=params, expect_errors=True)


def test_delete_needs_the_password(app, db, outbox) -> None:
    user = _logged_in(app)
    project = ProjectFactory(name="proj")
    RoleFactory(user=user, project=project)
    _, row = mint_token(db, user, projects=[project], description="to remove")

    for password, message in [(None, "Enter your password"), ("wrong", "password is invalid")]:
        response = _delete(app, str(row.id), password)
        assert response.status_code == 400
        assert message in response.text
        assert db.get(Macaroon, row.id) is not None
    assert _delete(app, str(row.id), DEFAULT_PASSWORD, csrf=False).status_code == 400
    assert db.get(Macaroon, row.id) is not None
    assert outbox() == []

    row_id = row.id
    response = _delete(app, str(row_id), DEFAULT_PASSWORD)
    assert response.status_code == 303
    assert "removed" in response.follow().text
    db.expire_all()
    assert db.get(Macaroon, row_id) is None
    assert "account:api_token:removed" in _tags(db, user)
    assert db.scalar(
        select(ProjectEvent).where(
            ProjectEvent.project_id == project.id, ProjectEvent.tag == "project:api_token:removed"
        )
    )
    [mail] = outbox()
    assert "to remove" in mail.subject and "removed" in mail.subject


def test_cannot_delete_someone_elses_token(app, db) -> None:
    _logged_in(app)
    _, theirs = mint_token(db, UserFactory())
    response = _delete(app, str(theirs.id), DEFAULT_PASSWORD)
    assert response.status_code == 404
    assert db.get(Macaroon, theirs.id) is not None
    assert _delete(app, "not-a-uuid", DEFAULT_PASSWORD).status_code == 404


def test_delete_password_attempts_are_rate_limited(app, db) -> None:
    user = _logged_in(app)
    _, row = mint_token(db, user)
    statuses = [_delete(app, str(row.id), "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    assert _delete(app, str(row.id), DEFAULT_PASSWORD).status_code == 429
    assert db.get(Macaroon, row.id) is not None


def test_account_page_lists_tokens(app, db) -> None:
    user = _logged_in(app)
    mint_token(db, user, description="listed token")
    page = app.get("/manage/account/")
    assert 'id="api-tokens"' in page.text
    assert "listed token" in page.text
    assert "Entire account" in page.text


def test_project_settings_page_lists_its_tokens_for_owners(app, db) -> None:
    user = _logged_in(app)
    project = ProjectFactory(name="shown")
    RoleFactory(user=user, project=project, role_name=RoleName.OWNER)
    maintainer = UserFactory()
    RoleFactory(user=maintainer, project=project, role_name=RoleName.MAINTAINER)
    mint_token(db, user, projects=[project], description="mine for shown")
    mint_token(db, maintainer, projects=[project], description="maintainer's token")
    mint_token(db, user, description="account-wide")
    page = app.get("/manage/project/shown/settings/")
    assert 'id="project-api-tokens"' in page.text
    assert "mine for shown" in page.text and "maintainer&#39;s token" in page.text
    assert "account-wide" not in page.text
    assert maintainer.username in page.text


def test_concurrent_duplicate_description_is_a_form_error(app, db, monkeypatch) -> None:
    user = _logged_in(app)
    mint_token(db, user, description="racing")
    # The other request's insert lands between our check and our insert.
    monkeypatch.setattr(MacaroonService, "description_taken", lambda self, user, d: False)
    response = _create(app, "scope:user", description="racing")
    assert response.status_code == 400
    assert "already have a token with this name" in response.text
    assert _count(db) == 1


def _unverified_user(app, db, *, with_address: bool = True):
    user = UserFactory(with_email=False)
    if with_address:
        EmailFactory(user=user, email=f"{user.username}@example.com", primary=True)
    db.flush()
    assert login(app, user.username).status_code == 303
    return user


def test_no_tokens_until_the_primary_email_is_verified(app, db, outbox) -> None:
    user = _unverified_user(app, db)
    page = app.get(URL)
    notice = page.html.find(id="verify-email-first")
    assert "Verify your primary email address before you create an API token" in notice.text
    assert notice.find("a")["href"] == "/manage/account/#emails"
    assert page.html.find("form", action=URL) is None  # no create form to fill in
    # A POST anyway (an old page, a script) is refused and creates nothing.
    before = _count(db)
    refused = app.post(
        URL,
        [("description", "CI"), ("token_scope", "scope:user"), ("csrf_token", csrf_of(page))],
        expect_errors=True,
    )
    assert refused.status_code == 403
    assert "Verify your primary email address" in refused.text
    assert not TOKEN_RE.search(refused.text)
    assert _count(db) == before and "account:api_token:added" not in _tags(db, user)
    # Once verified, the same request works.
    user.primary_email.verified = True
    db.flush()
    assert _create(app, "scope:user").status_code == 200
    assert _count(db) == before + 1


def test_an_account_without_any_email_gets_no_token(app, db) -> None:
    _unverified_user(app, db, with_address=False)
    before = _count(db)
    page = app.get(URL)
    refused = app.post(
        URL,
        [("description", "CI"), ("token_scope", "scope:user"), ("csrf_token", csrf_of(page))],
        expect_errors=True,
    )
    assert refused.status_code == 403 and "Verify your primary email" in refused.text
    assert _count(db) == before
