"""Emails about projects: a change told to the project's owners (and to the person it is
about), and the invitation itself. ProjectService sends them; each goes through the Mailer,
so it counts toward the actor's email rate limit (email/throttle.py): over it, the whole
change is refused."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User
    from warehouse_lite.email import Mailer
    from warehouse_lite.events.actor import Actor


def send_to_each(
    mailer: Mailer,
    people: Iterable[User],
    name: str,
    context: dict[str, Any],
    *,
    actor: Actor | None = None,
) -> None:
    """Send the email ``name`` to each of ``people``, once per person (an owner who is also
    the collaborator a change is about gets one copy)."""
    seen: set[Any] = set()
    for user in people:
        if user.id in seen:
            continue
        seen.add(user.id)
        mailer.send(name, user, context=context, actor=actor)


def send_invitation(
    mailer: Mailer, invitee: User, context: dict[str, Any], *, actor: Actor
) -> None:
    """The invitation itself, to the invitee's (verified) primary address; requested by an
    owner, so it counts as an email someone asked to reach this address."""
    mailer.send("project-invitation", invitee, context=context, requested=True, actor=actor)
