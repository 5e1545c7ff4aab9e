"""Tasks run only after commit; the development outbox viewer shows captured mail."""

from __future__ import annotations

import transaction
from pyramid.request import apply_request_extensions
from pyramid.testing import DummyRequest

from tests.common.factories import UserFactory
from warehouse_lite.email import Mailer


def _request(wsgi_app):  # type: ignore[no-untyped-def]
    request = DummyRequest()
    request.registry = wsgi_app.registry
    apply_request_extensions(request)  # request.settings, request.find_service ...
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    request.tm = manager
    from warehouse_lite.db import get_sessionmaker, get_tm_session

    request.db = get_tm_session(get_sessionmaker(wsgi_app.registry), manager)
    return request, manager


def test_email_is_sent_only_when_the_transaction_commits(app, db, outbox, wsgi_app):
    user = UserFactory(username="olga")
    request, manager = _request(wsgi_app)
    Mailer(request).send("password-change", user)
    manager.abort()
    assert outbox() == []
    request, manager = _request(wsgi_app)
    Mailer(request).send("password-change", user)
    manager.commit()
    [mail] = outbox()
    assert mail.to == "olga@example.com" and "password has changed" in mail.subject


def test_failed_registration_sends_no_email(app, db, outbox):
    UserFactory(username="paula")
    page = app.get("/account/register/")
    app.post(
        "/account/register/",
        {
            "csrf_token": page.forms[max(page.forms)].get("csrf_token").value,
            "username": "paula",
            "email": "new@example.com",
            "new_password": "long enough pw",
            "password_confirm": "long enough pw",
        },
        status=400,
    )
    assert outbox() == []


def test_dev_outbox_viewer(app, db, outbox, override_settings):
    page = app.get("/account/request-password-reset/")
    UserFactory(username="quinn")
    form = page.forms[max(page.forms)]
    form["username_or_email"] = "quinn"
    form.submit()
    # The viewer exists only in development mode.
    app.get("/_dev/mail/", status=404)
    override_settings(env="development")
    listing = app.get("/_dev/mail/")
    assert "Password reset" in listing.text
    message = listing.click(description="Password reset")
    assert "/account/reset-password/?token=" in message.text
    app.get("/_dev/mail/../../etc/passwd", status=404)
    app.get("/_dev/mail/nope.eml", status=404)
