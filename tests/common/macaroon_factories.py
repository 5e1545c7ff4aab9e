"""API tokens for tests: minted by the real MacaroonService (a token needs its signature)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from typing import Any

import factory

from tests.common.factories import Base, UserFactory, _register
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.models import Macaroon
from warehouse_lite.macaroons.services import MacaroonService


@_register
class MacaroonFactory(Base):
    """A token row without a usable plaintext; use ``mint_token`` when the token is needed."""

    class Meta:
        model = Macaroon

    user = factory.SubFactory(UserFactory)
    description = factory.Sequence(lambda n: f"token {n}")
    key = factory.LazyFunction(lambda: b"\x00" * 32)
    caveats: list[Any] = []
    project_names: list[str] = []


_numbers = itertools.count(1)


def mint_token(
    db: Any,
    user: Any,
    *,
    projects: Sequence[Any] = (),
    description: str | None = None,
    extra: Sequence[cv.Caveat] = (),
    expires: datetime.datetime | None = None,
    location: str = "localhost",
) -> tuple[str, Macaroon]:
    """A token as the token page would make it: user caveat, project caveats when ``projects``
    are given, then ``extra`` caveats."""
    caveats: list[cv.Caveat] = []
    if projects:
        caveats.append(cv.ProjectName(tuple(p.normalized_name for p in projects)))
        caveats.append(cv.ProjectID(tuple(str(p.id) for p in projects)))
    caveats.append(cv.RequestUser(str(user.id)))
    caveats.extend(extra)
    description = description or f"token {next(_numbers)}"
    return MacaroonService(db).create_macaroon(
        location, user, description, caveats, expires=expires, projects=projects
    )
