"""The password-reset form answers before it looks for the account: the answer is the same
page whatever the lookup finds, and the lookup, the signed link and the email come after it
(see after_response.py; tests/reliability/test_reset_timing.py measures the timing)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import webtest

from tests.common.factories import UserFactory
from tests.functional.conftest import form_for
from warehouse_lite.accounts.services import UserService


def _request_reset(app: webtest.TestApp, value: str) -> webtest.TestResponse:
    page = app.get("/account/request-password-reset/")
    form = form_for(page, "/account/request-password-reset/")
    form["username_or_email"] = value
    return form.submit()


def test_the_answer_is_ready_before_the_account_is_looked_up(
    app: webtest.TestApp, db: Any, outbox: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    UserFactory(username="resetter")
    answers = {name: _request_reset(app, name).text for name in ("resetter", "nobody")}
    assert answers["resetter"] == answers["nobody"]
    assert [m.to for m in outbox()] == ["resetter@example.com"]

    # The answer does not wait for the lookup: a lookup that fails cannot change it.
    looked_up: list[str] = []

    def failing_lookup(self: UserService, username: str) -> None:
        looked_up.append(username)
        raise RuntimeError("the account lookup failed")

    monkeypatch.setattr(UserService, "get_user_by_username", failing_lookup)
    with caplog.at_level(logging.ERROR, logger="warehouse_lite.web.after_response"):
        answer = _request_reset(app, "resetter")
    assert answer.status_code == 200 and answer.text == answers["nobody"]
    assert looked_up == ["resetter"]  # it did run, after the answer was complete
    assert "work after the response failed" in caplog.text
    assert len(outbox()) == 1
