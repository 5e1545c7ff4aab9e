"""The token itself: making its string, reading it back, checking its signature.

A token is ``pypi-`` + the base64 (URL-safe, unpadded) V2 serialization of a pymacaroons
Macaroon whose location is the site's domain, whose identifier is the row's UUID and whose root
key is the row's 32 random bytes. Anyone holding a token may add caveats to it (attenuation,
as the `pypitoken` library does); those are covered by the signature and all must hold.
MacaroonService.authenticate finds the row between reading and checking.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pymacaroons
from pymacaroons.exceptions import MacaroonInvalidSignatureException

from warehouse_lite.macaroons import caveats as cv

if TYPE_CHECKING:
    from collections.abc import Sequence

    from warehouse_lite.macaroons.models import Macaroon

TOKEN_PREFIX = "pypi-"


class InvalidMacaroon(Exception):
    """The token cannot be used; ``reason`` says why, in words for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_token(raw: str) -> pymacaroons.Macaroon:
    """The macaroon a ``pypi-`` token carries; InvalidMacaroon (saying why) if it is not one
    we could have issued. Nothing is looked up or verified here."""
    raw = raw.strip()
    if not raw.startswith(TOKEN_PREFIX):
        raise InvalidMacaroon(f"API token does not start with the '{TOKEN_PREFIX}' prefix")
    body = raw[len(TOKEN_PREFIX) :].rstrip("=")
    try:
        decoded = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMacaroon("API token is not valid base64") from None
    if not decoded:
        raise InvalidMacaroon("API token is empty")
    try:
        macaroon = pymacaroons.Macaroon.deserialize(body)
        # pymacaroons ignores trailing bytes; a token that does not re-serialize to itself is
        # not one we (or pypitoken) produced.
        canonical = macaroon.serialize()
    except Exception:  # pymacaroons raises anything from IndexError to its own exceptions
        raise InvalidMacaroon("API token is malformed (not a macaroon)") from None
    if canonical != body.replace("+", "-").replace("/", "_"):
        raise InvalidMacaroon("API token is malformed (trailing data)")
    return macaroon


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature checked out: its row and every caveat to enforce (the holder's
    ones from the token, then the stored ones)."""

    macaroon: Macaroon
    caveats: tuple[cv.Caveat, ...]

    def check(self, target: cv.Target) -> cv.Result:
        return cv.verify_all(self.caveats, target)


def serialize_token(location: str, row: Macaroon, caveats: Sequence[cv.Caveat]) -> str:
    """The token of ``row``: a macaroon naming the site (``location``) and the row, signed
    with the row's key, carrying ``caveats``."""
    macaroon = pymacaroons.Macaroon(
        location=location,
        identifier=str(row.id),
        key=row.key,
        version=pymacaroons.MACAROON_V2,
    )
    for caveat in caveats:
        macaroon.add_first_party_caveat(cv.serialize(caveat))
    return TOKEN_PREFIX + macaroon.serialize()


def verify_token(macaroon: pymacaroons.Macaroon, row: Macaroon) -> VerifiedToken:
    """Check the signature of ``macaroon`` (its row's key) and parse every caveat, the
    token's and the stored ones (unknown ones fail); InvalidMacaroon saying why otherwise.

    Does not evaluate the caveats: that needs the request's context (``VerifiedToken.check``).
    """
    if any(not c.first_party() for c in macaroon.caveats):
        raise InvalidMacaroon("API token has third-party caveats, which are not supported")
    predicates: list[str] = []

    def collect(predicate: str) -> bool:
        # Accept every caveat here so that the signature over all of them is computed;
        # each one is evaluated afterwards (VerifiedToken.check), where failures are kept.
        predicates.append(predicate)
        return True

    verifier = pymacaroons.Verifier()
    verifier.satisfy_general(collect)
    try:
        verifier.verify(macaroon, row.key)
    except MacaroonInvalidSignatureException:
        raise InvalidMacaroon(
            "API token signature is invalid (the token was altered or was not issued by this site)"
        ) from None
    except Exception:
        raise InvalidMacaroon("API token is malformed (unreadable caveats)") from None
    parsed: list[cv.Caveat] = []
    try:
        parsed.extend(cv.deserialize(p) for p in predicates)
        # The stored copy: what we minted is enforced even if the token somehow lacks it.
        parsed.extend(cv.from_json(c) for c in row.caveats)
    except cv.CaveatError as exc:
        raise InvalidMacaroon(f"API token cannot be used: {exc}") from None
    return VerifiedToken(macaroon=row, caveats=tuple(parsed))
