"""Caveats: parsing (fail closed), each kind's verify(), and the wire forms."""

from __future__ import annotations

import json

import pytest

from warehouse_lite.macaroons import caveats as cv

NOW = 1_800_000_000
USER = "2b4a3c1e-0000-4000-8000-000000000001"
PROJECT_ID = "9d1f0e2a-0000-4000-8000-000000000002"


def target(**kw: object) -> cv.Target:
    values: dict[str, object] = {"now": NOW, "user_id": USER}
    values.update(kw)
    return cv.Target(**values)  # type: ignore[arg-type]


def project(name: str = "foo", pid: str | None = PROJECT_ID) -> cv.Target:
    return target(project_name=name, project_id=pid)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ([0, NOW + 10, NOW - 10], cv.Expiration(expires_at=NOW + 10, not_before=NOW - 10)),
        ([1, ["foo", "bar"]], cv.ProjectName(("foo", "bar"))),
        ([2, [PROJECT_ID]], cv.ProjectID((PROJECT_ID,))),
        ([3, USER], cv.RequestUser(USER)),
        ({"version": 1, "permissions": "user"}, cv.LegacyPermissions(None)),
        ({"version": 1, "permissions": {"projects": ["foo"]}}, cv.LegacyPermissions(("foo",))),
        (
            {"nbf": NOW - 1, "exp": NOW + 1},
            cv.LegacyExpiration(not_before=NOW - 1, expires_at=NOW + 1),
        ),
    ],
)
def test_round_trip(wire: object, expected: cv.Caveat) -> None:
    parsed = cv.deserialize(json.dumps(wire))
    assert parsed == expected
    assert json.loads(cv.serialize(parsed)) == wire
    assert cv.from_json(wire) == expected
    # bytes, as pymacaroons may hand them over, parse the same.
    assert cv.deserialize(json.dumps(wire).encode()) == expected


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        ("not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('"a string"', "JSON list or object"),
        ("42", "JSON list or object"),
        ("[]", "integer tag"),
        ('["0", 1, 2]', "integer tag"),
        ("[true, 1, 2]", "integer tag"),
        ("[99, 1]", "unknown caveat tag 99"),
        ('[4, "oidc-provider"]', "unknown caveat tag 4"),
        ("[0, 1]", "expiry must be"),
        ("[0, 1, 2, 3]", "expiry must be"),
        ('[0, "1", 2]', "expiry must be"),
        ("[0, 1.5, 2]", "expiry must be"),
        ("[0, true, false]", "expiry must be"),
        ('[1, "foo"]', "list of strings"),
        ("[1, [1, 2]]", "list of strings"),
        ('[1, ["a"], ["b"]]', "project names must be"),
        ("[2, [null]]", "list of strings"),
        ("[3, 5]", "user restriction"),
        ('[3, "a", "b"]', "user restriction"),
        ('{"version": 2, "permissions": "user"}', "unknown caveat version"),
        ('{"version": true, "permissions": "user"}', "unknown caveat version"),
        ('{"version": 1, "permissions": "everything"}', "permissions must be"),
        ('{"version": 1, "permissions": {"projects": "foo"}}', "list of strings"),
        ('{"version": 1, "permissions": {"projects": [], "x": 1}}', "permissions must be"),
        ('{"nbf": 1}', "unknown caveat with keys nbf"),
        ('{"nbf": "1", "exp": 2}', "nbf and exp must be integers"),
        ('{"version": 1, "permissions": "user", "extra": 1}', "unknown caveat with keys"),
        ("{}", "unknown caveat with keys (none)"),
    ],
)
def test_malformed_or_unknown_caveats_fail_closed(predicate: str | bytes, message: str) -> None:
    with pytest.raises(cv.CaveatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cv.deserialize(predicate)


def test_expiration_window() -> None:
    caveat = cv.Expiration(expires_at=NOW + 100, not_before=NOW - 100)
    assert caveat.verify(target()) == cv.Success()
    assert caveat.verify(target(now=NOW - 100)) == cv.Success()  # not_before is inclusive
    early = caveat.verify(target(now=NOW - 101))
    assert isinstance(early, cv.Failure) and "not valid yet" in early.reason
    late = caveat.verify(target(now=NOW + 100))  # expires_at is exclusive
    assert isinstance(late, cv.Failure) and "expired" in late.reason
    assert "UTC" in late.reason


def test_legacy_expiration_window() -> None:
    caveat = cv.LegacyExpiration(not_before=NOW - 1, expires_at=NOW + 1)
    assert caveat.verify(target()) == cv.Success()
    assert isinstance(caveat.verify(target(now=NOW + 1)), cv.Failure)
    assert isinstance(caveat.verify(target(now=NOW - 2)), cv.Failure)


def test_expiration_with_absurd_timestamps_still_gives_a_reason() -> None:
    result = cv.Expiration(expires_at=-(10**20), not_before=-(10**20)).verify(target())
    assert isinstance(result, cv.Failure) and str(-(10**20)) in result.reason


def test_project_name() -> None:
    caveat = cv.ProjectName(("foo", "Bar_Baz"))
    assert caveat.verify(project("foo")) == cv.Success()
    # Names in a caveat added by hand are compared in their normalized form.
    assert caveat.verify(project("bar-baz")) == cv.Success()
    other = caveat.verify(project("other"))
    assert isinstance(other, cv.Failure)
    assert "not valid for project 'other'" in other.reason and "bar-baz, foo" in other.reason
    outside = caveat.verify(target())
    assert isinstance(outside, cv.Failure) and "outside a project" in outside.reason
    # A project that does not exist yet, named in the caveat: may be created (see decisions).
    assert caveat.verify(project("foo", pid=None)) == cv.Success()


def test_project_id() -> None:
    caveat = cv.ProjectID((PROJECT_ID,))
    assert caveat.verify(project("foo")) == cv.Success()
    wrong = caveat.verify(project("foo", pid="00000000-0000-4000-8000-000000000000"))
    assert isinstance(wrong, cv.Failure) and "not valid for project 'foo'" in wrong.reason
    new = caveat.verify(project("foo", pid=None))
    assert isinstance(new, cv.Failure) and "cannot create the new project 'foo'" in new.reason
    assert isinstance(caveat.verify(target()), cv.Failure)


def test_request_user() -> None:
    assert cv.RequestUser(USER).verify(target()) == cv.Success()
    result = cv.RequestUser("someone-else").verify(target())
    assert isinstance(result, cv.Failure) and "another user" in result.reason


def test_legacy_permissions() -> None:
    assert cv.LegacyPermissions(None).verify(target()) == cv.Success()
    scoped = cv.LegacyPermissions(("foo",))
    assert scoped.verify(project("foo")) == cv.Success()
    assert isinstance(scoped.verify(project("bar")), cv.Failure)
    assert isinstance(scoped.verify(target()), cv.Failure)


def test_verify_all_reports_every_distinct_failure() -> None:
    caveats = [
        cv.ProjectName(("foo",)),
        cv.Expiration(expires_at=NOW - 1, not_before=NOW - 10),
        cv.ProjectName(("foo",)),
        cv.RequestUser(USER),
    ]
    result = cv.verify_all(caveats, project("bar"))
    assert isinstance(result, cv.Failure)
    assert result.reason.count("not valid for project 'bar'") == 1
    assert "expired" in result.reason
    assert cv.verify_all(caveats[3:], project("bar")) == cv.Success()
    assert cv.verify_all([], target()) == cv.Success()


def test_a_project_id_failure_does_not_repeat_the_project_name_failure() -> None:
    """A token scoped by name and by id (as the token page makes them) failing on another
    project says so once, with the detail (the project names it is scoped to)."""
    caveats = [cv.ProjectName(("foo",)), cv.ProjectID((PROJECT_ID,))]
    result = cv.verify_all(caveats, project("bar", pid="00000000-0000-0000-0000-000000000000"))
    assert isinstance(result, cv.Failure)
    assert result.reason == "token is not valid for project 'bar' (it is scoped to: foo)"
