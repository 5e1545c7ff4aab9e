"""Mail flooding: every way a user can make the index email an address they do not own,
hammered 60 times in a row with the default limits, and the emails that reach the address
counted (the reported defect: 60 "resend verification" requests sent 61 emails)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from tests.common.factories import EmailFactory, UserFactory
from tests.security.world import World
from warehouse_lite.accounts.models import Email
from warehouse_lite.packaging.models import RoleInvitation
from warehouse_lite.settings import get_settings

REQUESTS = 60
COLLAB = "/manage/project/alpha/collaboration/"


def _mails_to(outbox: Callable[[], list], address: str, subject: str) -> int:
    return sum(1 for m in outbox() if m.to.lower() == address.lower() and subject in m.subject)


def _resend(world: World) -> tuple[str, str]:
    outside = EmailFactory(user=world.owner, email="resend@victim.example", verified=False)
    world.db.flush()
    for _ in range(REQUESTS):
        fields = [("action", "resend"), ("email_id", str(outside.id))]
        world.request("POST", "/manage/account/emails/", "session", params=fields)
    return outside.email, ""


def _add_and_remove(world: World) -> tuple[str, str]:
    address = "added@victim.example"
    for _ in range(REQUESTS // 2):
        fields = [("action", "add"), ("email", address)]
        world.request("POST", "/manage/account/emails/", "session", params=fields)
        world.db.expire_all()
        added = world.db.scalar(select(Email).where(Email.email == address))
        if added is not None:
            fields = [("action", "delete"), ("email_id", str(added.id))]
            world.request("POST", "/manage/account/emails/", "session", params=fields)
    return address, ""


def _invite_and_revoke(world: World) -> tuple[str, str]:
    victim = UserFactory(username="invitee")
    world.db.flush()
    for _ in range(REQUESTS // 2):
        fields = [("username", "invitee"), ("role_name", "Maintainer")]
        world.request("POST", COLLAB + "invite", "session", params=fields)
        world.db.expire_all()
        for invitation in world.db.scalars(select(RoleInvitation)):
            fields = [("invitation_id", str(invitation.id))]
            world.request("POST", COLLAB + "revoke", "session", params=fields)
    assert victim.primary_email is not None
    return victim.primary_email.email, "invited you"  # not the revocation notices


def _password_reset(world: World) -> tuple[str, str]:
    UserFactory(username="resettable")
    world.db.flush()
    for n in range(REQUESTS):
        # Alternating spellings, so the per-spelling limit of the form is not what stops it.
        value = "resettable" if n % 2 else "RESETTABLE@example.com"
        fields = [("username_or_email", value)]
        world.request("POST", "/account/request-password-reset/", "anonymous", params=fields)
    return "resettable@example.com", ""


def test_emails_per_address_per_hour(
    world: World, outbox: Callable[[], list], figure: Callable[[str], None]
):
    limit = get_settings(world.app.app.registry).email_rate_limit_address
    allowed = int(limit.split()[0])
    counts = {}
    for name, flood in (
        ("resend verification", _resend),
        ("add+remove address", _add_and_remove),
        ("invite+revoke", _invite_and_revoke),
        ("password reset", _password_reset),
    ):
        address, subject = flood(world)
        counts[name] = _mails_to(outbox, address, subject)
        assert 0 < counts[name] <= allowed, (name, counts[name])
    figure(
        f"emails per address per hour: {REQUESTS} requests each -> "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
        + f" (EMAIL_RATE_LIMIT_ADDRESS={limit})"
    )
