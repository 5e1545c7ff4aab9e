"""Who makes a state change, and from where.

Service methods that change state take an ``Actor`` instead of a request: the events, journal
entries, admin-log rows and emails they write name the actor, and the same method serves a web
view, an API-token request, the admin pages and the operator's command line alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

# How the actor reached the index: a browser session (or Basic auth with a password), an API
# token, the operator's shell, or the index itself (scheduled jobs).
Channel = Literal["web", "token", "cli", "system"]

# What the request columns of the event tables hold at most.
USER_AGENT_LENGTH = 512


@dataclass(frozen=True)
class Actor:
    """The account (if any) acting, a display name, the channel and the client's address."""

    user: User | None
    name: str
    via: Channel
    ip_address: str | None = None
    user_agent: str | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.user.id if self.user is not None else None

    @classmethod
    def from_request(cls, request: Request) -> Actor:
        """The authenticated user of ``request`` (or an anonymous client) and its origin."""
        from warehouse_lite.authnz import AuthMethod

        identity = request.identity
        user = identity.user if identity is not None else None
        via: Channel = "web"
        if identity is not None and identity.method is AuthMethod.MACAROON:
            via = "token"
        agent = request.user_agent
        return cls(
            user=user,
            name=user.username if user is not None else "anonymous",
            via=via,
            ip_address=request.client_addr,
            user_agent=agent[:USER_AGENT_LENGTH] if agent else None,
        )

    @classmethod
    def operator(cls, name: str, user: User | None = None) -> Actor:
        """Someone at the server's command line; ``user`` when ``name`` is their account."""
        return cls(user=user, name=user.username if user is not None else name, via="cli")

    @classmethod
    def system(cls) -> Actor:
        """The index itself (a scheduled job)."""
        return cls(user=None, name="system", via="system")
