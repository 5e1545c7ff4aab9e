"""A token on web and manage views: identified, but refused with a message; bad tokens say why."""

from __future__ import annotations

import base64

import pymacaroons
import pytest
from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService

DENIAL = "API tokens can only be used to upload packages"


def basic(token: str, username: str = "__token__") -> dict[str, str]:
    value = base64.b64encode(f"{username}:{token}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: basic(t),
        lambda t: {"Authorization": f"token {t}"},
        lambda t: {"Authorization": f"Bearer {t}"},
        lambda t: {"Authorization": f"bearer   {t}"},
    ],
    ids=["basic", "token", "bearer", "bearer-lowercase"],
)
def test_a_valid_token_cannot_open_manage_pages(app, db, headers) -> None:
    user = UserFactory()
    raw, row = mint_token(db, user)
    for url in ("/manage/account/", "/manage/account/token/", "/manage/projects/"):
        response = app.get(url, headers=headers(raw), expect_errors=True)
        assert response.status_code == 403, url
        assert DENIAL in response.status, url
        assert DENIAL in response.text
    # A state-changing POST is refused the same way (no CSRF token needed to be told no).
    response = app.post(
        "/manage/account/token/",
        params={"description": "x", "token_scope": "scope:user"},
        headers=headers(raw),
        expect_errors=True,
    )
    assert response.status_code == 403
    assert DENIAL in response.status
    assert db.scalar(select(Macaroon).where(Macaroon.description == "x")) is None
    # Nothing about the token changed.
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used is None


def test_a_token_on_a_public_page_is_harmless(app, db) -> None:
    raw, _ = mint_token(db, UserFactory())
    assert app.get("/", headers=basic(raw)).status_code == 200


def test_json_clients_get_the_reason_in_json(app, db) -> None:
    raw, _ = mint_token(db, UserFactory())
    response = app.get(
        "/manage/account/",
        headers={**basic(raw), "Accept": "application/json"},
        expect_errors=True,
    )
    assert response.status_code == 403
    assert DENIAL in response.json["message"]


def _forged(row: Macaroon) -> str:
    forged = pymacaroons.Macaroon(
        location="localhost", identifier=str(row.id), key=b"f" * 32, version=2
    )
    return "pypi-" + forged.serialize()


def test_bad_tokens_say_why(app, db) -> None:
    user = UserFactory()
    raw, row = mint_token(db, user)
    deleted_raw, deleted = mint_token(db, user)
    MacaroonService(db).delete_macaroon(deleted)
    disabled_user = UserFactory(is_active=False)
    disabled_raw, _ = mint_token(db, disabled_user)
    cases = [
        ("ghp_" + raw.removeprefix("pypi-"), "does not start with the 'pypi-' prefix"),
        ("pypi-%%%%", "not valid base64"),
        ("pypi-" + base64.urlsafe_b64encode(b"garbage!").decode(), "malformed"),
        (_forged(row), "signature is invalid"),
        (deleted_raw, "unknown or has been revoked"),
        (disabled_raw, "account this API token belongs to is disabled"),
    ]
    for token, reason in cases:
        for headers in (basic(token), {"Authorization": f"Bearer {token}"}):
            response = app.get("/manage/account/", headers=headers, expect_errors=True)
            assert response.status_code == 403, (token, reason)
            assert reason in response.status, (response.status, reason)
            assert reason in response.text
