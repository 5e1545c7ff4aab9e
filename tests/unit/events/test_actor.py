"""Actor: who makes a state change; the events it records carry its origin."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from tests.common.factories import UserFactory
from warehouse_lite.authnz import AuthMethod
from warehouse_lite.events import add_user_event
from warehouse_lite.events.actor import USER_AGENT_LENGTH, Actor
from warehouse_lite.events.models import UserEvent


def _request(identity: Any, agent: str | None = "Mozilla/5.0") -> Any:
    return SimpleNamespace(identity=identity, user_agent=agent, client_addr="203.0.113.9")


def test_from_request_names_the_session_user_and_origin(db: Any) -> None:
    user = UserFactory(username="alice")
    actor = Actor.from_request(_request(SimpleNamespace(user=user, method=AuthMethod.SESSION)))
    assert (actor.user, actor.name, actor.via) == (user, "alice", "web")
    assert (actor.ip_address, actor.user_agent) == ("203.0.113.9", "Mozilla/5.0")
    assert actor.user_id == user.id


def test_from_request_with_a_token_is_via_token(db: Any) -> None:
    user = UserFactory()
    identity = SimpleNamespace(user=user, method=AuthMethod.MACAROON)
    assert Actor.from_request(_request(identity)).via == "token"


def test_anonymous_request_and_long_user_agent() -> None:
    actor = Actor.from_request(_request(None, agent="x" * 2000))
    assert (actor.user, actor.user_id, actor.name) == (None, None, "anonymous")
    assert actor.user_agent == "x" * USER_AGENT_LENGTH


def test_operator_and_system(db: Any) -> None:
    admin = UserFactory(username="root-admin")
    assert Actor.operator("ops").name == "ops"
    assert Actor.operator("ignored", user=admin).name == "root-admin"
    assert Actor.operator("ops").via == "cli"
    assert Actor.system().via == "system"


def test_add_user_event_keeps_the_actors_origin(db: Any) -> None:
    user = UserFactory()
    actor = Actor(user=None, name="ops", via="cli", ip_address="192.0.2.1", user_agent="cli")
    add_user_event(db, actor, user, "account:test", reason="because")
    db.flush()
    event = db.scalars(select(UserEvent).where(UserEvent.user_id == user.id)).one()
    assert (event.tag, event.ip_address, event.user_agent) == ("account:test", "192.0.2.1", "cli")
    assert event.additional == {"reason": "because"}


def test_operator_and_system_emails_are_not_charged_to_a_budget() -> None:
    from warehouse_lite.email import throttle

    request: Any = SimpleNamespace(matched_route=SimpleNamespace(name="manage.project"))
    assert throttle._actor(request, True, Actor.operator("ops")) is None
    assert throttle._actor(request, True, Actor.system()) is None
