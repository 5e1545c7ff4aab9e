"""The emails to a token's owner (templates/email/api-token*/). MacaroonService sends them
with the change they announce; each leaves only if that change commits."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User
    from warehouse_lite.email import Mailer
    from warehouse_lite.events.actor import Actor
    from warehouse_lite.macaroons.models import Macaroon


def send_token_created_email(
    mailer: Mailer, macaroon: Macaroon, *, manage_url: str, actor: Actor
) -> None:
    """'A token was added to your account' (remove it at ``manage_url`` if it was not you)."""
    context = {"macaroon": macaroon, "manage_url": manage_url}
    mailer.send("api-token-created", macaroon.user, context=context, actor=actor)


def send_token_removed_email(
    mailer: Mailer, macaroon: Macaroon, *, manage_url: str, actor: Actor
) -> None:
    """'A token of yours was removed' (change your password if it was not you)."""
    context = {"macaroon": macaroon, "manage_url": manage_url}
    mailer.send("api-token-removed", macaroon.user, context=context, actor=actor)


def send_token_leaked_email(
    mailer: Mailer, macaroon: Macaroon, leak: dict[str, str], *, manage_url: str, actor: Actor
) -> None:
    """'Your token was found in public and revoked': where (``leak``: public_url, source)."""
    context = {"macaroon": macaroon, "leak": leak, "manage_url": manage_url}
    mailer.send("api-token-leaked", macaroon.user, context=context, actor=actor)


def send_tokens_revoked_email(
    mailer: Mailer,
    user: User,
    tokens: list[str],
    reason: str,
    *,
    urls: dict[str, str],
    actor: Actor,
) -> None:
    """'An administrator revoked all your tokens' (``tokens``: their names), and why;
    ``urls``: manage_url and help_url."""
    context = {"tokens": tokens, "reason": reason, **urls}
    mailer.send("api-tokens-revoked", user, context=context, actor=actor)
