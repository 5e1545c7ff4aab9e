"""A forged Host header never reaches an emailed link; X-Forwarded-For is not trusted blindly."""

from __future__ import annotations

from sqlalchemy import select

from tests.common.factories import UserFactory
from tests.functional.conftest import form_for
from warehouse_lite.events.models import UserEvent


def test_a_forged_host_header_is_refused_and_mails_nothing(app, db, outbox):
    UserFactory(username="victim")
    page = app.get("/account/request-password-reset/")
    csrf = form_for(page, "/account/request-password-reset/")["csrf_token"].value
    # WebTest files cookies by host, so the forged-host request carries the cookie by hand.
    refused = app.post(
        "/account/request-password-reset/",
        {"csrf_token": csrf, "username_or_email": "victim"},
        headers={"Host": "evil.example", "Cookie": f"session_id={app.cookies['session_id']}"},
        status=421,
    )
    assert "This server answers for http://localhost (its SITE_URL), not for evil.example" in (
        refused.text
    )
    assert outbox() == []
    # The same request for the site's own name sends the link, built from SITE_URL.
    app.post(
        "/account/request-password-reset/",
        {"csrf_token": csrf, "username_or_email": "victim"},
        headers={"Host": "LOCALHOST:80"},
    )
    [mail] = outbox()
    assert "http://localhost/account/reset-password/?token=" in mail.text


def test_forwarded_for_is_ignored_without_trusted_proxies(app, db):
    user = UserFactory(username="target")
    page = app.get("/account/login/")
    form = form_for(page, "/account/login/")
    form["username"] = "target"
    form["password"] = "wrong"
    form.submit(headers={"X-Forwarded-For": "198.51.100.7"}, expect_errors=True)
    event = db.scalar(select(UserEvent).where(UserEvent.user_id == user.id))
    assert event.tag == "account:login:failure"
    assert event.ip_address == "192.0.2.10"  # the TCP peer, not the forged header
