"""POST /_/secrets/disclose-token with a real ECDSA P-256 key, as GitHub secret scanning sends."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator

import pymacaroons
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory
from tests.common.services import replaced
from warehouse_lite.events.models import ProjectEvent, UserEvent
from warehouse_lite.macaroons.disclosure import KeySource
from warehouse_lite.macaroons.models import Macaroon

URL = "/_/secrets/disclose-token"


@pytest.fixture
def github_key(app) -> Iterator[ec.EllipticCurvePrivateKey]:
    """A freshly generated key, configured as the reporter's key for this test only."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    keys = json.dumps({"public_keys": [{"key_identifier": "gh-1", "key": pem.decode()}]})
    with replaced(app.app, KeySource, KeySource(keys)):
        yield key


def _post(app, body: bytes, key: ec.EllipticCurvePrivateKey | None, key_id: str = "gh-1"):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        signature = key.sign(body, ec.ECDSA(hashes.SHA256()))
        headers["GITHUB-PUBLIC-KEY-IDENTIFIER"] = key_id
        headers["GITHUB-PUBLIC-KEY-SIGNATURE"] = base64.b64encode(signature).decode()
    return app.post(URL, body, headers=headers, expect_errors=True)


def _report(*tokens: str) -> bytes:
    return json.dumps(
        [
            {
                "token": t,
                "type": "pypi_api_token",
                "url": "https://github.com/someone/repo/blob/main/ci.yml",
                "source": "content",
            }
            for t in tokens
        ]
    ).encode()


def test_verified_report_revokes_emails_and_records(app, db, outbox, github_key) -> None:
    user = UserFactory()
    project = ProjectFactory(name="leaky")
    raw, row = mint_token(db, user, projects=[project], description="leaked one")
    row_id = row.id
    other_raw, other = mint_token(db, user, description="kept")
    forged = "pypi-" + base64.urlsafe_b64encode(b"nothing of ours").decode()

    response = _post(app, _report(raw, forged), github_key)
    assert response.status_code == 200
    assert response.json == [
        {
            "token_hash": hashlib.sha256(raw.encode()).hexdigest(),
            "token_type": "pypi_api_token",
            "label": "true_positive",
        },
        {
            "token_hash": hashlib.sha256(forged.encode()).hexdigest(),
            "token_type": "pypi_api_token",
            "label": "false_positive",
        },
    ]
    db.expire_all()
    assert db.get(Macaroon, row_id) is None
    assert db.get(Macaroon, other.id) is not None
    event = db.scalar(select(UserEvent).where(UserEvent.tag == "account:api_token:removed_leak"))
    assert event.user_id == user.id
    assert event.additional["public_url"].startswith("https://github.com/someone/")
    assert db.scalar(
        select(ProjectEvent).where(ProjectEvent.tag == "project:api_token:removed_leak")
    )
    [mail] = outbox()
    assert mail.to == user.primary_email.email
    assert "leaked one" in mail.subject and "revoked" in mail.subject
    assert "https://github.com/someone/repo/blob/main/ci.yml" in mail.text
    # The revoked token no longer opens anything.
    response = app.get(
        "/manage/account/", headers={"Authorization": f"Bearer {raw}"}, expect_errors=True
    )
    assert "revoked" in response.status
    assert other_raw != raw


def test_a_forged_token_with_a_real_identifier_is_not_revoked(app, db, github_key) -> None:
    _, row = mint_token(db, UserFactory())
    forged = pymacaroons.Macaroon(
        location="localhost", identifier=str(row.id), key=b"z" * 32, version=2
    )
    response = _post(app, _report("pypi-" + forged.serialize()), github_key)
    assert response.status_code == 200
    assert response.json[0]["label"] == "false_positive"
    assert db.get(Macaroon, row.id) is not None


def test_bad_signatures_are_refused_and_change_nothing(app, db, outbox, github_key) -> None:
    raw, row = mint_token(db, UserFactory())
    body = _report(raw)
    cases = [
        (_post(app, body, None), 400, "Missing GITHUB-PUBLIC-KEY-IDENTIFIER"),
        (_post(app, body, github_key, key_id="gh-2"), 403, "Unknown public key identifier"),
        (_post(app, body, ec.generate_private_key(ec.SECP256R1())), 403, "does not match"),
    ]
    tampered_headers = {
        "GITHUB-PUBLIC-KEY-IDENTIFIER": "gh-1",
        "GITHUB-PUBLIC-KEY-SIGNATURE": base64.b64encode(
            github_key.sign(body, ec.ECDSA(hashes.SHA256()))
        ).decode(),
    }
    cases.append(
        (app.post(URL, body + b" ", headers=tampered_headers, expect_errors=True), 403, "match")
    )
    bad_b64 = {**tampered_headers, "GITHUB-PUBLIC-KEY-SIGNATURE": "not base64!"}
    cases.append((app.post(URL, body, headers=bad_b64, expect_errors=True), 400, "base64"))
    for response, status, message in cases:
        assert response.status_code == status, response
        assert message in response.status
    assert db.get(Macaroon, row.id) is not None
    assert outbox() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b'{"token": "pypi-x"}', "JSON list"),
        (b'[{"type": "x"}]', "no string 'token'"),
    ],
)
def test_signed_but_malformed_reports_are_400(app, github_key, body: bytes, message: str) -> None:
    response = _post(app, body, github_key)
    assert response.status_code == 400
    assert message in response.status


def test_oversized_report(app, github_key) -> None:
    response = _post(app, b"[" + b" " * (1024 * 1024) + b"]", github_key)
    assert response.status_code == 413


def test_not_configured_and_wrong_method(app, db) -> None:
    before = db.scalar(select(func.count()).select_from(Macaroon))
    response = app.post(
        URL, b"[]", headers={"GITHUB-PUBLIC-KEY-IDENTIFIER": "x"}, expect_errors=True
    )
    assert response.status_code == 503
    assert "not enabled" in response.status
    assert app.get(URL, expect_errors=True).status_code == 405
    assert db.scalar(select(func.count()).select_from(Macaroon)) == before
