"""factory_boy factories for the models; bound to the test's session by the `db` fixture."""

from __future__ import annotations

from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from warehouse_lite.accounts.models import Email, User
from warehouse_lite.accounts.passwords import PasswordCost, password_hasher
from warehouse_lite.events.models import UserEvent

DEFAULT_PASSWORD = "correct horse battery staple"
# The cheap argon2 cost of every test app (tests/conftest.py's settings): each login verifies
# a hash, and at the production cost that takes a few hundred milliseconds.
TEST_PASSWORD_COST = PasswordCost(time_cost=1, memory_cost=8, parallelism=1)
_PASSWORD_HASH = password_hasher(TEST_PASSWORD_COST).hash(DEFAULT_PASSWORD)

_FACTORIES: list[type[SQLAlchemyModelFactory]] = []


def bind(session: Any) -> None:
    for f in _FACTORIES:
        f._meta.sqlalchemy_session = session


def _register(cls: Any) -> Any:
    _FACTORIES.append(cls)
    return cls


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


@_register
class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name")
    password = _PASSWORD_HASH
    is_active = True

    @factory.post_generation
    def with_email(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted is False:
            return
        EmailFactory(user=obj, email=f"{obj.username}@example.com", primary=True, verified=True)


@_register
class EmailFactory(Base):
    class Meta:
        model = Email

    user = factory.SubFactory(UserFactory, with_email=False)
    email = factory.Sequence(lambda n: f"email{n}@example.com")
    primary = False
    verified = False


@_register
class UserEventFactory(Base):
    class Meta:
        model = UserEvent

    user = factory.SubFactory(UserFactory)
    tag = "account:login:success"
    additional: dict[str, Any] = {}
