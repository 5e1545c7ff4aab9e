"""Fixtures of the admin tests: an administrator with a TOTP application, logged in through
both login steps, and a second browser for the people the admin acts on."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
import webtest
from sqlalchemy import func, select

from tests.common.factories import UserFactory
from tests.common.two_factor_factories import UserTOTPFactory
from tests.common.uploads import override_settings, storage_dir
from tests.functional.conftest import login
from tests.functional.two_factor.conftest import clock
from tests.functional.two_factor.helpers import Clock, submit_totp
from warehouse_lite.admin.models import AdminAction
from warehouse_lite.events.models import UserEvent

__all__ = ["clock", "override_settings", "storage_dir"]  # fixtures


def login_with_totp(app: webtest.TestApp, clock: Clock, username: str, secret: str) -> None:
    """Both login steps: password, then the code the app shows now."""
    response = login(app, username)
    assert response.status_code == 303 and response.location.endswith("/account/two-factor/")
    done = submit_totp(app, pyotp.TOTP(secret).at(clock.at))
    assert done.status_code == 303, done.text
    clock.advance(30)  # the next login of anyone needs a fresh code


@pytest.fixture
def browser(wsgi_app: Any, app: webtest.TestApp) -> webtest.TestApp:
    """Another browser (its own cookies) on the same app, e.g. the user being administered."""
    return webtest.TestApp(
        wsgi_app, extra_environ={"REMOTE_ADDR": "192.0.2.20", "HTTP_HOST": "localhost"}
    )


@pytest.fixture
def admin(app: webtest.TestApp, db: Any, clock: Clock) -> Any:
    """An administrator with a TOTP application, logged in to ``app``."""
    user = UserFactory(username="root-admin", is_admin=True)
    totp = UserTOTPFactory(user=user)
    login_with_totp(app, clock, user.username, totp.secret)
    return user


def admin_actions(db: Any) -> list[AdminAction]:
    return list(db.scalars(select(AdminAction).order_by(AdminAction.time)))


def events(db: Any, user: Any, tag: str) -> list[UserEvent]:
    query = select(UserEvent).where(UserEvent.user_id == user.id, UserEvent.tag == tag)
    return list(db.scalars(query))


def count(db: Any, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)
