"""MultiSecurityPolicy: the identity is computed once per request attempt."""

from __future__ import annotations

from pyramid.request import Request

from warehouse_lite.authnz import AuthMethod
from warehouse_lite.security_policy import (
    MultiSecurityPolicy,
    UserIdentity,
    auth_failure,
    forget_cached_identity,
    set_auth_failure,
)


class CountingPolicy:
    def __init__(self) -> None:
        self.calls = 0

    def identity(self, request: Request) -> UserIdentity | None:
        self.calls += 1
        return UserIdentity(user=f"user-{self.calls}", method=AuthMethod.SESSION)  # type: ignore[arg-type]

    def extra_checks(self, *args: object) -> None:
        return None

    def remember(self, *args: object, **kw: object) -> list[tuple[str, str]]:
        return []

    def forget(self, *args: object, **kw: object) -> list[tuple[str, str]]:
        return []


def test_identity_is_cached_per_attempt_not_across_retries() -> None:
    counting = CountingPolicy()
    policy = MultiSecurityPolicy([counting])
    environ = Request.blank("/legacy/").environ
    first = Request(environ)
    assert policy.identity(first).user == "user-1"
    assert policy.identity(first).user == "user-1"
    set_auth_failure(first, "bad token")
    # pyramid_retry builds a new request over the same environ for the next attempt: objects
    # from the failed attempt's (rolled back) session must not be reused.
    environ["retry.attempt"] = 1
    second = Request(environ)
    assert policy.identity(second).user == "user-2"
    assert auth_failure(second) is None
    forget_cached_identity(second)
    assert policy.identity(second).user == "user-3"
    assert counting.calls == 3
