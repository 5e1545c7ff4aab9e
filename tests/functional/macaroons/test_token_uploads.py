"""Tokens through /legacy/: each scope, each denial (a 403 that says why, nothing written),
attenuation with pypitoken, last_used, and password uploads (2FA users and the setting)."""

from __future__ import annotations

import datetime
import time

import pymacaroons
import pytest
from pypitoken import Token
from sqlalchemy import func, select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory, RoleFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.macaroons.uploads import basic, upload
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService
from warehouse_lite.packaging.models import File, Project, Release, RoleName


def token(raw: str) -> dict[str, str]:
    return basic("__token__", raw)


def _snapshot(db) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.scalar(select(func.count()).select_from(model)) for model in (Project, Release, File)
    )


@pytest.fixture
def owner(db):
    user = UserFactory(username="owner")
    for name in ("alpha", "beta"):
        RoleFactory(user=user, project=ProjectFactory(name=name), role_name=RoleName.OWNER)
    return user


def _project(db, name: str) -> Project:
    return db.scalar(select(Project).where(Project.normalized_name == name))


def test_user_token_uploads_anywhere_and_creates_projects(app, db, owner) -> None:
    raw, row = mint_token(db, owner)
    for name in ("alpha", "beta", "brand-new"):
        response = upload(app, name, token(raw))
        assert response.status_code == 200, response.status
    assert _project(db, "brand-new") is not None
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used is not None


@pytest.mark.parametrize(
    "header",
    [lambda t: {"Authorization": f"Bearer {t}"}, lambda t: {"Authorization": f"token {t}"}],
    ids=["bearer", "token"],
)
def test_other_authorization_schemes(app, db, owner, header) -> None:
    raw, _ = mint_token(db, owner)
    assert upload(app, "alpha", header(raw)).status_code == 200


def test_project_token_is_limited_to_its_projects(app, db, owner) -> None:
    alpha, beta = _project(db, "alpha"), _project(db, "beta")
    raw, _ = mint_token(db, owner, projects=[alpha])
    assert upload(app, "alpha", token(raw)).status_code == 200
    before = _snapshot(db)
    response = upload(app, "beta", token(raw))
    assert response.status_code == 403
    assert "not valid for project 'beta'" in response.status
    response = upload(app, "gamma", token(raw))
    assert response.status_code == 403
    assert "not valid for project 'gamma'" in response.status
    assert _snapshot(db) == before
    assert _project(db, "gamma") is None
    # Several projects at once.
    both, _ = mint_token(db, owner, projects=[alpha, beta])
    assert upload(app, "beta", token(both), version="2.0").status_code == 200


def test_token_cannot_exceed_the_owners_rights(app, db, owner) -> None:
    ProjectFactory(name="someone-elses")
    raw, _ = mint_token(db, owner)
    before = _snapshot(db)
    response = upload(app, "someone-elses", token(raw))
    assert response.status_code == 403
    assert "isn't allowed to upload" in response.status
    assert _snapshot(db) == before


def _forged(row: Macaroon) -> str:
    forged = pymacaroons.Macaroon(
        location="localhost", identifier=str(row.id), key=b"f" * 32, version=2
    )
    return "pypi-" + forged.serialize()


def _with_caveat(raw: str, predicate: str) -> str:
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.add_first_party_caveat(predicate)
    return "pypi-" + macaroon.serialize()


def _tampered(raw: str) -> str:
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.caveats[0]._caveat_id = b'[1,["alpha","beta"]]'
    return "pypi-" + macaroon.serialize()


def test_every_denial_is_a_403_that_says_why_and_writes_nothing(app, db, owner) -> None:
    alpha = _project(db, "alpha")
    now = int(time.time())
    raw, row = mint_token(db, owner)
    alpha_only, _ = mint_token(db, owner, projects=[alpha])
    deleted, deleted_row = mint_token(db, owner)
    MacaroonService(db).delete_macaroon(deleted_row)
    disabled, _ = mint_token(db, UserFactory(is_active=False))
    expired, _ = mint_token(db, owner, extra=[cv.Expiration(now - 10, now - 100)])
    early, _ = mint_token(db, owner, extra=[cv.Expiration(now + 200, now + 100)])
    cases = [
        ("github_pat_" + raw.removeprefix("pypi-"), "does not start with the 'pypi-' prefix"),
        ("pypi-@@@@", "not valid base64"),
        ("pypi-AAAA", "malformed"),
        (_forged(row), "signature is invalid"),
        (deleted, "unknown or has been revoked"),
        (disabled, "belongs to is disabled"),
        (expired, "token has expired"),
        (early, "token is not valid yet"),
        (_tampered(alpha_only), "signature is invalid"),
        (_with_caveat(raw, '[77,"future caveat"]'), "unknown caveat tag 77"),
        (_with_caveat(raw, '{"version":1,"permissions":"all"}'), "permissions must be"),
    ]
    before = _snapshot(db)
    for value, reason in cases:
        response = upload(app, "beta", token(value), version="9.9")
        assert response.status_code == 403, (reason, response.status)
        assert reason in response.status, (reason, response.status)
        assert reason in response.text
    assert upload(app, "beta", token(alpha_only)).status_code == 403
    assert _snapshot(db) == before
    db.expire_all()
    assert all(m.last_used is None for m in db.scalars(select(Macaroon)))


def test_missing_credentials_ask_for_a_token(app) -> None:
    response = upload(app, "alpha", {})
    assert response.status_code == 401
    assert "__token__" in response.status
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_pypitoken_restrictions_are_honoured(app, db, owner) -> None:
    raw, _ = mint_token(db, owner)
    to_alpha = Token.load(raw).restrict(project_names=["alpha"]).dump()
    assert upload(app, "alpha", token(to_alpha)).status_code == 200
    response = upload(app, "beta", token(to_alpha))
    assert response.status_code == 403 and "not valid for project 'beta'" in response.status
    # A name restriction added by the holder may create that one project (see decisions.md).
    assert (
        upload(
            app, "alpha-two", token(Token.load(raw).restrict(project_names=["alpha-two"]).dump())
        ).status_code
        == 200
    )

    past = datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC)
    expired = Token.load(raw).restrict(not_before=past, not_after=past.replace(month=2)).dump()
    response = upload(app, "alpha", token(expired), version="3.0")
    assert response.status_code == 403 and "expired" in response.status


def test_last_used_is_only_recorded_for_successful_uploads(app, db, owner) -> None:
    raw, row = mint_token(db, owner)
    # Refused after authentication (the file's metadata is bad): no use recorded.
    response = app.post(
        "/legacy/",
        params={":action": "file_upload", "name": "alpha"},
        headers=token(raw),
        expect_errors=True,
    )
    assert response.status_code == 400
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used is None
    assert upload(app, "alpha", token(raw)).status_code == 200
    db.expire_all()
    first = db.get(Macaroon, row.id).last_used
    assert first is not None
    assert upload(app, "alpha", token(raw), version="1.1").status_code == 200
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used == first  # throttled to once a minute


# ---- passwords over HTTP Basic --------------------------------------------------------------


def test_password_upload_without_2fa_is_allowed_by_default(app, db, owner) -> None:
    assert upload(app, "alpha", basic("owner", DEFAULT_PASSWORD)).status_code == 200


def test_2fa_user_password_upload_is_refused_with_the_token_url(app, db, owner) -> None:
    UserTOTPFactory(user=owner)
    before = _snapshot(db)
    response = upload(app, "alpha", basic("owner", DEFAULT_PASSWORD))
    assert response.status_code == 403
    assert "two-factor authentication enabled" in response.status
    assert "http://localhost/manage/account/token/" in response.status
    assert _snapshot(db) == before
    # A token still works for them.
    raw, _ = mint_token(db, owner)
    assert upload(app, "alpha", token(raw)).status_code == 200


def test_setting_can_make_tokens_mandatory(app, db, owner, override_settings) -> None:
    override_settings(allow_password_uploads=False)
    response = upload(app, "alpha", basic("owner", DEFAULT_PASSWORD))
    assert response.status_code == 403
    assert "Uploads with a password are disabled" in response.status
    assert "/manage/account/token/" in response.status
    raw, _ = mint_token(db, owner)
    assert upload(app, "alpha", token(raw)).status_code == 200


def test_wrong_password_upload(app, db, owner) -> None:
    response = upload(app, "alpha", basic("owner", "not the password"))
    assert response.status_code == 403
    assert "Invalid or non-existent authentication information" in response.status
