"""Typed caveats: what a token may be used for, in the JSON forms Warehouse and `pypitoken` use.

Every caveat is a small frozen dataclass with ``verify(target) -> Success | Failure``. A caveat
that cannot be parsed, or whose kind is unknown, raises CaveatError from ``deserialize``: a token
carrying it is refused (fail closed), because we cannot know what its holder meant to forbid.

Wire forms (first element of a list is the tag):

    [0, expires_at, not_before]            Expiration (Unix seconds; valid in [nbf, exp))
    [1, ["normalized-name", ...]]          ProjectName
    [2, ["project-uuid", ...]]             ProjectID
    [3, "user-uuid"]                       RequestUser
    {"version": 1, "permissions": "user"}                  LegacyPermissions (whole account)
    {"version": 1, "permissions": {"projects": [...]}}     LegacyPermissions (projects)
    {"nbf": int, "exp": int}                                LegacyExpiration
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Success:
    """The caveat is satisfied."""


@dataclass(frozen=True)
class Failure:
    """The caveat is not satisfied; ``reason`` is shown to the client."""

    reason: str


Result = Success | Failure


class CaveatError(ValueError):
    """A caveat that is malformed or of an unknown kind."""


@dataclass(frozen=True)
class Target:
    """What a token is being used for, as the caveats see it.

    ``project_name`` is the PEP 503 normalized name (None outside a project); ``project_id`` is
    None for a project that does not exist yet (its first upload creates it).
    """

    now: int
    user_id: str
    project_name: str | None = None
    project_id: str | None = None


def _when(timestamp: int) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _is_int(value: Any) -> bool:
    # JSON true/false load as bool, which is an int subclass: not a timestamp.
    return isinstance(value, int) and not isinstance(value, bool)


def _string_list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaveatError(f"malformed caveat: {what} must be a list of strings")
    return tuple(value)


def _check_window(not_before: int, expires_at: int, now: int) -> Result:
    if now < not_before:
        return Failure(f"token is not valid yet (not before {_when(not_before)})")
    if now >= expires_at:
        return Failure(f"token has expired (at {_when(expires_at)})")
    return Success()


def _check_project_names(names: Sequence[str], target: Target) -> Result:
    allowed = {canonicalize_name(n) for n in names}
    listed = ", ".join(sorted(allowed)) or "no project"
    if target.project_name is None:
        return Failure(
            f"token is scoped to project(s) {listed} and cannot be used outside a project"
        )
    if target.project_name not in allowed:
        return Failure(
            f"token is not valid for project '{target.project_name}' (it is scoped to: {listed})"
        )
    return Success()


@dataclass(frozen=True)
class Expiration:
    tag: ClassVar[int] = 0
    expires_at: int
    not_before: int

    def verify(self, target: Target) -> Result:
        return _check_window(self.not_before, self.expires_at, target.now)

    def to_json(self) -> Any:
        return [self.tag, self.expires_at, self.not_before]


@dataclass(frozen=True)
class ProjectName:
    tag: ClassVar[int] = 1
    normalized_names: tuple[str, ...]

    def verify(self, target: Target) -> Result:
        return _check_project_names(self.normalized_names, target)

    def to_json(self) -> Any:
        return [self.tag, list(self.normalized_names)]


@dataclass(frozen=True)
class ProjectID:
    tag: ClassVar[int] = 2
    project_ids: tuple[str, ...]

    def verify(self, target: Target) -> Result:
        if target.project_name is None:
            return Failure("token is scoped to projects and cannot be used outside a project")
        if target.project_id is None:
            # Ids exist only once a project does: such a token can never create one.
            return Failure(
                f"token is scoped to existing projects and cannot create the new project "
                f"'{target.project_name}'"
            )
        if target.project_id not in self.project_ids:
            return Failure(f"token is not valid for project '{target.project_name}'")
        return Success()

    def to_json(self) -> Any:
        return [self.tag, list(self.project_ids)]


@dataclass(frozen=True)
class RequestUser:
    tag: ClassVar[int] = 3
    user_id: str

    def verify(self, target: Target) -> Result:
        if target.user_id != self.user_id:
            return Failure("token is restricted to another user")
        return Success()

    def to_json(self) -> Any:
        return [self.tag, self.user_id]


@dataclass(frozen=True)
class LegacyPermissions:
    """``{"version": 1, "permissions": "user" | {"projects": [...]}}``; projects None = user."""

    projects: tuple[str, ...] | None

    def verify(self, target: Target) -> Result:
        if self.projects is None:
            return Success()
        return _check_project_names(self.projects, target)

    def to_json(self) -> Any:
        permissions: Any = "user" if self.projects is None else {"projects": list(self.projects)}
        return {"version": 1, "permissions": permissions}


@dataclass(frozen=True)
class LegacyExpiration:
    not_before: int
    expires_at: int

    def verify(self, target: Target) -> Result:
        return _check_window(self.not_before, self.expires_at, target.now)

    def to_json(self) -> Any:
        return {"nbf": self.not_before, "exp": self.expires_at}


Caveat = Expiration | ProjectName | ProjectID | RequestUser | LegacyPermissions | LegacyExpiration


def _from_list(value: list[Any]) -> Caveat:
    if not value or not _is_int(value[0]):
        raise CaveatError("malformed caveat: a list caveat must start with an integer tag")
    tag, args = value[0], value[1:]
    if tag == Expiration.tag:
        if len(args) != 2 or not all(_is_int(a) for a in args):
            raise CaveatError("malformed caveat: expiry must be [0, expires_at, not_before]")
        return Expiration(expires_at=args[0], not_before=args[1])
    if tag == ProjectName.tag:
        if len(args) != 1:
            raise CaveatError("malformed caveat: project names must be [1, [names]]")
        return ProjectName(_string_list(args[0], "project names"))
    if tag == ProjectID.tag:
        if len(args) != 1:
            raise CaveatError("malformed caveat: project ids must be [2, [ids]]")
        return ProjectID(_string_list(args[0], "project ids"))
    if tag == RequestUser.tag:
        if len(args) != 1 or not isinstance(args[0], str):
            raise CaveatError('malformed caveat: user restriction must be [3, "user-id"]')
        return RequestUser(args[0])
    raise CaveatError(f"unknown caveat tag {tag}")


def _from_dict(value: dict[str, Any]) -> Caveat:
    keys = set(value)
    if keys == {"version", "permissions"}:
        if value["version"] != 1 or not _is_int(value["version"]):
            raise CaveatError(f"unknown caveat version {value['version']!r}")
        permissions = value["permissions"]
        if permissions == "user":
            return LegacyPermissions(None)
        if isinstance(permissions, dict) and set(permissions) == {"projects"}:
            return LegacyPermissions(_string_list(permissions["projects"], "projects"))
        raise CaveatError('malformed caveat: permissions must be "user" or {"projects": [...]}')
    if keys == {"nbf", "exp"}:
        if not (_is_int(value["nbf"]) and _is_int(value["exp"])):
            raise CaveatError("malformed caveat: nbf and exp must be integers")
        return LegacyExpiration(not_before=value["nbf"], expires_at=value["exp"])
    raise CaveatError(f"unknown caveat with keys {', '.join(sorted(keys)) or '(none)'}")


def deserialize(predicate: str | bytes) -> Caveat:
    """The caveat a macaroon predicate encodes; CaveatError if malformed or unknown."""
    try:
        value = json.loads(predicate)
    except (ValueError, UnicodeDecodeError):
        raise CaveatError("malformed caveat: not JSON") from None
    except RecursionError:  # a holder can append any caveat, e.g. "[" * 100_000
        raise CaveatError("malformed caveat: nested too deeply") from None
    return from_json(value)


def from_json(value: Any) -> Caveat:
    """The caveat an already-decoded JSON value encodes (e.g. the copy stored in the row)."""
    if isinstance(value, list):
        return _from_list(value)
    if isinstance(value, dict):
        return _from_dict(value)
    raise CaveatError("malformed caveat: must be a JSON list or object")


def serialize(caveat: Caveat) -> str:
    """Compact JSON for a macaroon predicate (and the stored copy)."""
    return json.dumps(caveat.to_json(), separators=(",", ":"))


def verify_all(caveats: Iterable[Caveat], target: Target) -> Result:
    """Success when every caveat holds, else a Failure naming every reason (each once: a
    reason that only repeats the start of a more detailed one, as the project-id caveat's does
    the project-name caveat's, is left out)."""
    reasons: list[str] = []
    for caveat in caveats:
        result = caveat.verify(target)
        if isinstance(result, Failure) and result.reason not in reasons:
            reasons.append(result.reason)
    distinct = [r for r in reasons if not any(o != r and o.startswith(r) for o in reasons)]
    return Failure("; ".join(distinct)) if distinct else Success()


def target_for(user: Any, context: Any, now: int | None = None) -> Target:
    """The caveats' view of ``context``: a Project row, a NewProject (no id yet) or neither."""
    name = getattr(context, "normalized_name", None)
    project_id = getattr(context, "id", None) if name is not None else None
    return Target(
        now=int(time.time()) if now is None else now,
        user_id=str(user.id),
        project_name=name,
        project_id=str(project_id) if project_id is not None else None,
    )
