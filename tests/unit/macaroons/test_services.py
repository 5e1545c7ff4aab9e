"""MacaroonService: minting, parsing every kind of bad token, signatures, attenuation
(pymacaroons and pypitoken), caveat checks against projects, and last_used bookkeeping.

Tokens are checked the way requests check them: MacaroonSecurityPolicy.identity (parse, find,
signature, disabled owner) then .extra_checks (the caveats against the context)."""

from __future__ import annotations

import base64
import datetime
import time
import uuid

import pymacaroons
import pytest
from pypitoken import Token
from pyramid.testing import DummyRequest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ProjectFactory
from warehouse_lite.db import utcnow
from warehouse_lite.events.actor import Actor
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.caveats import target_for
from warehouse_lite.macaroons.models import Macaroon, MacaroonProject
from warehouse_lite.macaroons.security_policy import MacaroonSecurityPolicy, record_use
from warehouse_lite.macaroons.services import InvalidMacaroon, MacaroonService, RemovedByOwner
from warehouse_lite.packaging.contexts import NewProject
from warehouse_lite.security_policy import auth_failure


def _check(db, raw: str, context: object = None) -> Macaroon:
    """The token's row if an upload request carrying ``raw`` may act on ``context``, else
    InvalidMacaroon with the reason the client would be given."""
    request = DummyRequest(headers={"Authorization": f"token {raw}"})
    request.find_service = lambda *args, **kwargs: MacaroonService(db)
    policy = MacaroonSecurityPolicy()
    identity = policy.identity(request)
    if identity is None:
        raise InvalidMacaroon(auth_failure(request) or "no token")
    denied = policy.extra_checks(request, identity, context, "projects:upload")
    if denied is not None:
        raise InvalidMacaroon(denied.msg)
    return identity.macaroon.macaroon


def _reason(db, raw: str, context: object = None) -> str:
    with pytest.raises(InvalidMacaroon) as info:
        _check(db, raw, context)
    return info.value.reason


def test_create_macaroon_format(db) -> None:
    user = UserFactory()
    project = ProjectFactory(name="Foo.Bar")
    raw, row = mint_token(db, user, projects=[project], description="ci")
    assert raw.startswith("pypi-")
    assert "=" not in raw
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    assert macaroon.version == pymacaroons.MACAROON_V2
    assert macaroon.location == "localhost"
    assert macaroon.identifier_bytes.decode() == str(row.id)
    assert len(row.key) == 32
    assert [c.caveat_id_bytes.decode() for c in macaroon.caveats] == [
        '[1,["foo-bar"]]',
        f'[2,["{project.id}"]]',
        f'[3,"{user.id}"]',
    ]
    assert row.caveats == [[1, ["foo-bar"]], [2, [str(project.id)]], [3, str(user.id)]]
    assert row.project_names == ["foo-bar"]
    assert row.scope_summary == "Project: foo-bar"
    assert db.scalar(select(MacaroonProject.project_id)) == project.id
    # pypitoken reads our tokens.
    token = Token.load(raw)
    assert token.identifier == str(row.id)
    assert token.domain == "localhost"
    # Two tokens never share a key.
    _, other = mint_token(db, user)
    assert other.key != row.key


def test_user_token_is_valid_for_any_project_and_new_projects(db) -> None:
    user = UserFactory()
    raw, row = mint_token(db, user)
    project = ProjectFactory()
    assert _check(db, raw, project) is row
    assert _check(db, raw, NewProject("New", "new")) is row
    assert row.scope_summary.startswith("Entire account")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "does not start with the 'pypi-' prefix"),
        ("pypo-AgEJbG9jYWxob3N0", "prefix"),
        ("AgEJbG9jYWxob3N0", "prefix"),
        ("pypi-", "empty"),
        ("pypi-!!!not base64!!!", "not valid base64"),
        ("pypi-a", "not valid base64"),
        ("pypi-abc=def", "not valid base64"),
        ("pypi-" + base64.urlsafe_b64encode(b"hello world").decode(), "malformed"),
        ("pypi-AAAA", "malformed"),
    ],
)
def test_unparseable_tokens(db, raw: str, reason: str) -> None:
    with pytest.raises(InvalidMacaroon) as info:
        MacaroonService(db).authenticate(raw)
    assert reason in info.value.reason
    if raw:  # (an empty "Authorization: token " header offers no token at all)
        assert reason in _reason(db, raw)


def test_trailing_data_is_refused(db) -> None:
    raw, _ = mint_token(db, UserFactory())
    assert "malformed" in _reason(db, raw + "AAAA")


def test_padding_and_whitespace_are_tolerated(db) -> None:
    raw, row = mint_token(db, UserFactory())
    padded = raw + "=" * (-len(raw.removeprefix("pypi-")) % 4)
    assert MacaroonService(db).authenticate(f"  {padded}\n").macaroon is row
    assert _check(db, padded, ProjectFactory()) is row


def test_identifier_that_is_not_a_uuid(db) -> None:
    macaroon = pymacaroons.Macaroon(
        location="localhost", identifier="not-a-uuid", key=b"k" * 32, version=2
    )
    assert "invalid identifier" in _reason(db, "pypi-" + macaroon.serialize())


def test_unknown_and_deleted_tokens(db) -> None:
    macaroon = pymacaroons.Macaroon(
        location="localhost", identifier=str(uuid.uuid4()), key=b"k" * 32, version=2
    )
    assert "unknown or has been revoked" in _reason(db, "pypi-" + macaroon.serialize())
    raw, row = mint_token(db, UserFactory())
    MacaroonService(db).delete_macaroon(row)
    assert "unknown or has been revoked" in _reason(db, raw)
    assert db.scalar(select(Macaroon)) is None


def test_revoking_needs_the_requests_site(db) -> None:
    """A service made from a bare session can delete a row, but not revoke (or issue) a
    token: that records events and emails the owner, which only find_service's one can."""
    _raw, row = mint_token(db, UserFactory())
    with pytest.raises(RuntimeError, match="without a site"):
        MacaroonService(db).revoke(row, RemovedByOwner(), Actor.operator("test"))
    assert db.scalar(select(Macaroon)) is row


def test_bad_signature(db) -> None:
    _raw, row = mint_token(db, UserFactory())
    forged = pymacaroons.Macaroon(
        location="localhost", identifier=str(row.id), key=b"x" * 32, version=2
    )
    assert "signature is invalid" in _reason(db, "pypi-" + forged.serialize())


def test_tampered_caveat(db) -> None:
    user = UserFactory()
    mine, other = ProjectFactory(name="mine"), ProjectFactory(name="other")
    raw, _ = mint_token(db, user, projects=[mine])
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    # Widen the project list without the key: the signature no longer matches.
    macaroon.caveats[0]._caveat_id = b'[1,["mine","other"]]'
    tampered = "pypi-" + macaroon.serialize()
    assert tampered != raw
    assert "signature is invalid" in _reason(db, tampered, other)
    # Dropping a caveat is tampering too.
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.caveats.pop(0)
    macaroon.caveats.pop(0)
    assert "signature is invalid" in _reason(db, "pypi-" + macaroon.serialize(), other)


def test_unknown_caveat_added_by_the_holder_fails_closed(db) -> None:
    raw, _ = mint_token(db, UserFactory())
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.add_first_party_caveat('[99,"something new"]')
    assert "unknown caveat tag 99" in _reason(db, "pypi-" + macaroon.serialize(), ProjectFactory())
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.add_first_party_caveat("time < 2030-01-01")
    assert "not JSON" in _reason(db, "pypi-" + macaroon.serialize(), ProjectFactory())


def test_third_party_caveats_are_refused(db) -> None:
    raw, _ = mint_token(db, UserFactory())
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.add_third_party_caveat("https://auth.example", b"s" * 32, "some-id")
    assert "third-party caveats" in _reason(db, "pypi-" + macaroon.serialize(), ProjectFactory())


def test_malformed_stored_caveat_fails_closed(db) -> None:
    raw, row = mint_token(db, UserFactory())
    row.caveats = [*row.caveats, [42]]
    db.flush()
    assert "unknown caveat tag 42" in _reason(db, raw, ProjectFactory())


def test_stored_caveats_are_enforced_too(db) -> None:
    user = UserFactory()
    raw, row = mint_token(db, user)
    row.caveats = [*row.caveats, [1, ["only-this"]]]
    db.flush()
    assert "not valid for project" in _reason(db, raw, ProjectFactory(name="something-else"))


def test_project_scope(db) -> None:
    user = UserFactory()
    foo, bar, baz = (ProjectFactory(name=n) for n in ("foo", "bar", "baz"))
    raw, row = mint_token(db, user, projects=[foo, bar])
    assert _check(db, raw, foo) is row
    assert _check(db, raw, bar) is row
    reason = _reason(db, raw, baz)
    assert "not valid for project 'baz'" in reason and "bar, foo" in reason
    # A project-scoped token from the token page never creates projects: it carries ids.
    reason = _reason(db, raw, NewProject("foo2", "foo2"))
    assert "not valid for project 'foo2'" in reason
    # Not even one named in its caveat, e.g. re-created after deletion with a new id.
    assert "cannot create the new project 'foo'" in _reason(db, raw, NewProject("foo", "foo"))
    assert "outside a project" in _reason(db, raw, None)


def test_expiry_and_not_before(db) -> None:
    user = UserFactory()
    now = int(time.time())
    raw, _ = mint_token(db, user, extra=[cv.Expiration(expires_at=now - 1, not_before=now - 100)])
    assert "expired" in _reason(db, raw, ProjectFactory())
    raw, _ = mint_token(db, user, extra=[cv.Expiration(expires_at=now + 200, not_before=now + 100)])
    assert "not valid yet" in _reason(db, raw, ProjectFactory())


def test_disabled_user(db) -> None:
    user = UserFactory(is_active=False)
    raw, _ = mint_token(db, user)
    assert "disabled" in _reason(db, raw, ProjectFactory())


def test_user_caveat_of_another_user(db) -> None:
    user = UserFactory()
    raw, _ = mint_token(db, user, extra=[cv.RequestUser(str(uuid.uuid4()))])
    assert "another user" in _reason(db, raw, ProjectFactory())


# ---- attenuation by the holder --------------------------------------------------------------


def test_attenuation_with_pymacaroons_is_honoured(db) -> None:
    user = UserFactory()
    foo, bar = ProjectFactory(name="foo"), ProjectFactory(name="bar")
    raw, row = mint_token(db, user)
    macaroon = pymacaroons.Macaroon.deserialize(raw.removeprefix("pypi-"))
    macaroon.add_first_party_caveat('[1,["foo"]]')
    restricted = "pypi-" + macaroon.serialize()
    assert _check(db, restricted, foo) is row
    assert "not valid for project 'bar'" in _reason(db, restricted, bar)
    # The original token is unaffected.
    assert _check(db, raw, bar) is row


def test_attenuation_with_pypitoken_is_honoured(db) -> None:
    user = UserFactory()
    foo, bar = ProjectFactory(name="foo"), ProjectFactory(name="bar")
    raw, row = mint_token(db, user)

    to_foo = Token.load(raw).restrict(project_names=["foo"]).dump()
    assert _check(db, to_foo, foo) is row
    assert "not valid for project 'bar'" in _reason(db, to_foo, bar)

    by_id = Token.load(raw).restrict(project_ids=[str(bar.id)]).dump()
    assert _check(db, by_id, bar) is row
    assert "not valid for project 'foo'" in _reason(db, by_id, foo)

    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    expired = Token.load(raw).restrict(not_before=past, not_after=past.replace(year=2021)).dump()
    assert "expired" in _reason(db, expired, foo)

    legacy = Token.load(raw).restrict(legacy_project_names=["bar"]).dump()
    assert _check(db, legacy, bar) is row
    assert "not valid for project 'foo'" in _reason(db, legacy, foo)

    later = int(time.time()) + 3600
    legacy_future = (
        Token.load(raw).restrict(legacy_not_before=later, legacy_not_after=later + 60).dump()
    )
    assert "not valid yet" in _reason(db, legacy_future, foo)

    assert _check(db, Token.load(raw).restrict(legacy_noop=True).dump(), foo) is row
    assert "another user" in _reason(
        db, Token.load(raw).restrict(user_id=str(uuid.uuid4())).dump(), foo
    )


def test_pypitoken_can_check_our_tokens(db) -> None:
    # Interoperability the other way: pypitoken's own verifier accepts what we mint.
    user = UserFactory()
    project = ProjectFactory(name="foo")
    raw, row = mint_token(db, user, projects=[project])
    Token.load(raw).check(
        key=row.key, project_name="foo", project_id=str(project.id), user_id=str(user.id)
    )


def test_target_for_contexts(db) -> None:
    user = UserFactory()
    project = ProjectFactory(name="Foo")
    assert target_for(user, project, now=5) == cv.Target(5, str(user.id), "foo", str(project.id))
    assert target_for(user, NewProject("Bar", "bar"), now=5) == cv.Target(
        5, str(user.id), "bar", None
    )
    assert target_for(user, object(), now=5) == cv.Target(5, str(user.id))


# ---- bookkeeping ----------------------------------------------------------------------------


def test_record_use_is_throttled(db, connection) -> None:
    _raw, row = mint_token(db, UserFactory())
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    assert row.last_used is None
    record_use(factory, row.id)
    db.expire_all()
    first = db.get(Macaroon, row.id).last_used
    assert first is not None
    record_use(factory, row.id)  # within a minute: not rewritten
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used == first
    row = db.get(Macaroon, row.id)
    row.last_used = utcnow() - datetime.timedelta(minutes=5)
    db.flush()
    record_use(factory, row.id)
    db.expire_all()
    assert db.get(Macaroon, row.id).last_used > first - datetime.timedelta(seconds=1)


def test_lookups(db) -> None:
    user, other = UserFactory(), UserFactory()
    project = ProjectFactory()
    _, a = mint_token(db, user, description="a")
    _, b = mint_token(db, user, projects=[project], description="b")
    _, c = mint_token(db, other, projects=[project], description="c")
    service = MacaroonService(db)
    assert service.macaroons_for_user(user) == [a, b]
    assert service.macaroons_for_project(project) == [b, c]
    assert service.description_taken(user, "a") and not service.description_taken(other, "a")
    assert service.get_macaroon(str(a.id)) is a
    assert service.get_macaroon("nonsense") is None
