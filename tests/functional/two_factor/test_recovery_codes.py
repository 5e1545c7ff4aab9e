"""Recovery codes: generated only with a second factor, shown once, each works once."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.common.factories import DEFAULT_PASSWORD, UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.functional.conftest import form_for, login
from tests.functional.two_factor.helpers import (
    code_at,
    logout,
    start_login,
    submit_recovery_code,
    submit_totp,
)
from warehouse_lite.accounts.two_factor.models import RecoveryCode
from warehouse_lite.events.models import UserEvent

CODE_RE = re.compile(r"^[0-9a-f]{4}(-[0-9a-f]{4}){4}$")


def _events(db, user, tag):
    db.expire_all()
    return [
        e.additional
        for e in db.scalars(
            select(UserEvent)
            .where(UserEvent.user_id == user.id, UserEvent.tag == tag)
            .order_by(UserEvent.time)
        )
    ]


def _generate(app, password=DEFAULT_PASSWORD):
    page = app.get("/manage/account/recovery-codes/generate")
    form = form_for(page, "/manage/account/recovery-codes/generate")
    form["password"] = password
    return form.submit(expect_errors=True)


def _codes(page):
    return [li.text.strip() for li in page.html.find(id="recovery-codes").find_all("li")]


@pytest.fixture
def totp_user(app, db, clock):
    """A user with a TOTP application, logged in through it."""
    user = UserFactory(username="rita")
    totp = UserTOTPFactory(user=user)
    start_login(app, "rita")
    assert submit_totp(app, code_at(totp.secret, clock)).status_code == 303
    clock.advance(30)
    return user


def test_generate_needs_a_second_factor(app, db):
    UserFactory(username="plain")
    login(app, "plain")
    response = app.get("/manage/account/recovery-codes/generate")
    assert response.status_code == 303
    assert "before recovery codes" in response.follow().text
    assert db.scalars(select(RecoveryCode)).all() == []


def test_generate_shows_eight_codes_once(app, db, totp_user, outbox):
    user = totp_user
    account = app.get("/manage/account/")
    assert "You have no recovery codes" in account.text
    refused = _generate(app, "wrong password")
    assert refused.status_code == 400 and "not correct" in refused.text
    assert db.scalars(select(RecoveryCode)).all() == []

    shown = _generate(app)
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    codes = _codes(shown)
    assert len(codes) == 8 and len(set(codes)) == 8
    assert all(CODE_RE.match(c) for c in codes)  # 80 random bits each
    rows = db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(rows) == 8
    stored = {r.code_hash for r in rows}
    assert not any(c.replace("-", "") in h or c in h for c in codes for h in stored)  # hashed
    assert _events(db, user, "account:recovery-codes:generated") == [{"count": 8}]
    assert "New recovery codes were generated" in outbox()[-1].subject
    # The account page counts them; the codes themselves are never shown again.
    account = app.get("/manage/account/")
    assert "8 recovery codes left" in account.text
    assert not any(c in account.text for c in codes)
    assert not any(c in app.get("/manage/account/recovery-codes/generate").text for c in codes)


def test_log_in_with_recovery_codes(app, db, totp_user, outbox):
    codes = _codes(_generate(app))
    logout(app)
    ref = totp_user

    page = start_login(app, "rita")
    assert "/account/recovery-code/" in page.text
    response = submit_recovery_code(app, codes[0].upper().replace("-", " "))  # as typed
    assert response.status_code == 303
    assert "7 left" in response.follow().text
    assert _events(db, ref, "account:recovery-codes:used") == [{"remaining": 7}]
    assert _events(db, ref, "account:login:success")[-1] == {"method": "recovery-code"}
    mail = outbox()[-1]
    assert "A recovery code was used" in mail.subject and "7 recovery codes remain" in mail.text
    assert "7 recovery codes left" in app.get("/manage/account/").text
    logout(app)

    # Each code works once.
    start_login(app, "rita")
    reused = submit_recovery_code(app, codes[0])
    assert reused.status_code == 400 and "already used" in reused.text
    for bad, message in [
        ("", "Enter one of your recovery codes"),
        ("not-a-code", "That is not a recovery code"),
        ("0000-0000-0000-0000-0000", "Invalid recovery code"),
        (codes[1][:-1], "That is not a recovery code"),
    ]:
        refused = submit_recovery_code(app, bad)
        assert refused.status_code == 400 and message in html.unescape(refused.text)
    failures = _events(db, ref, "account:login:failure")
    assert [f["method"] for f in failures] == ["recovery-code"] * 5
    assert submit_recovery_code(app, codes[1]).status_code == 303
    assert _events(db, ref, "account:recovery-codes:used")[-1] == {"remaining": 6}
    logout(app)


def test_running_low_warns_and_regenerating_voids_the_old_set(app, db, totp_user, outbox):
    old = _codes(_generate(app))
    logout(app)
    for code in old[:6]:
        start_login(app, "rita")
        done = submit_recovery_code(app, code)
        assert done.status_code == 303
        logout(app)
    start_login(app, "rita")
    low = submit_recovery_code(app, old[6]).follow()
    assert "1 left" in low.text and "Generate a new set" in low.text
    assert "Only 1 recovery code left" in low.text
    assert "Generate a new set soon" in outbox()[-1].text

    new = _codes(_generate(app))
    assert not set(new) & set(old)
    logout(app)
    start_login(app, "rita")
    voided = submit_recovery_code(app, old[7])
    assert voided.status_code == 400 and "Invalid recovery code" in voided.text
    assert submit_recovery_code(app, new[0]).status_code == 303


def test_removing_the_last_method_voids_the_codes(app, db, totp_user, outbox):
    _generate(app)
    page = app.get("/manage/account/totp-delete")
    form = form_for(page, "/manage/account/totp-delete")
    form["password"] = DEFAULT_PASSWORD
    done = form.submit().follow()
    assert "recovery codes were voided" in done.text
    assert db.scalars(select(RecoveryCode)).all() == []
    assert "Generate recovery codes" not in done.text


def test_recovery_code_page_needs_a_pending_login(app, db):
    response = app.get("/account/recovery-code/")
    assert response.status_code == 303 and response.location.endswith("/account/login/")
