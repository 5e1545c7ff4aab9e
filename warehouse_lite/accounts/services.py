"""UserService: everything that reads or changes users, emails and passwords."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warehouse_lite.accounts.models import Email, User
from warehouse_lite.accounts.passwords import (
    PasswordCost,
    dummy_hash,
    password_hasher,
    verify_hash,
)
from warehouse_lite.db import utcnow
from warehouse_lite.settings import Settings

if TYPE_CHECKING:
    import uuid

# PyPI's rule: letters, digits, and . _ - inside; must start and end with a letter or digit.
USERNAME_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9._-]{0,48}[A-Z0-9])?$", re.IGNORECASE)

# What a UserService made without a cost hashes with: the production settings' default.
DEFAULT_PASSWORD_COST = PasswordCost.from_settings(Settings())

# Second-factor checks that other modules add (TOTP, WebAuthn ...). Each takes a user and says
# whether that user has a second factor enrolled.
TWO_FACTOR_PROVIDERS: list[Any] = []


def username_problem(username: str) -> str | None:
    if not username:
        return "Username is required."
    if len(username) > 50:
        return "Username must be at most 50 characters."
    if not USERNAME_RE.match(username):
        return (
            "Username is invalid. Usernames must be made of letters, numbers, periods, "
            "underscores and hyphens, and must start and finish with a letter or number."
        )
    return None


class UserService:
    """Look up, create and change users. Interface is the class itself (one implementation).

    Passwords are hashed with argon2id at ``password_cost`` (from the settings; the default is
    the production one, so a caller that forgets it never hashes weakly).
    """

    def __init__(self, db: Session, password_cost: PasswordCost | None = None) -> None:
        self.db = db
        self.password_cost = password_cost or DEFAULT_PASSWORD_COST
        self._hasher = password_hasher(self.password_cost)
        # Made (once per cost and process) before any login needs it: were it made at the first
        # unknown username, that one login would take twice as long as a known username's.
        self._dummy_hash = dummy_hash(self.password_cost)

    # ---- lookups ---------------------------------------------------------------------------

    def get_user(self, user_id: uuid.UUID | str | None) -> User | None:
        if not user_id:
            return None
        import uuid as uuid_module

        try:
            key = user_id if isinstance(user_id, uuid_module.UUID) else uuid_module.UUID(user_id)
        except ValueError:
            return None
        return self.db.get(User, key)

    def get_user_by_username(self, username: str) -> User | None:
        return self.db.scalar(select(User).where(func.lower(User.username) == username.lower()))

    def get_email(self, address: str) -> Email | None:
        return self.db.scalar(select(Email).where(func.lower(Email.email) == address.lower()))

    def get_user_by_email(self, address: str) -> User | None:
        email = self.get_email(address)
        return email.user if email else None

    def username_is_taken(self, username: str) -> bool:
        return self.get_user_by_username(username) is not None

    def email_is_taken(self, address: str) -> bool:
        return self.get_email(address) is not None

    # ---- creation and changes --------------------------------------------------------------

    def create_user(
        self,
        username: str,
        name: str,
        password: str,
        email: str,
        *,
        verified: bool = False,
        is_admin: bool = False,
    ) -> User:
        user = User(
            username=username,
            name=name,
            password=self.hash_password(password),
            is_admin=is_admin,
        )
        user.emails.append(Email(email=email, primary=True, verified=verified))
        self.db.add(user)
        self.db.flush()
        return user

    def add_email(self, user: User, address: str, *, primary: bool = False) -> Email:
        email = Email(email=address, primary=primary, verified=False)
        user.emails.append(email)
        self.db.flush()
        return email

    def make_primary(self, user: User, email: Email) -> None:
        for other in user.emails:
            other.primary = other is email
        self.db.flush()

    def check_password(self, user: User | None, password: str) -> bool:
        """Verify ``password``; an unknown user costs as much time as a known one.

        Upgrades the stored hash when the hashing parameters have changed.
        """
        if user is None:
            self.verify_password(self._dummy_hash, password)
            return False
        if not self.verify_password(user.password, password):
            return False
        if self.needs_rehash(user.password):
            user.password = self.hash_password(password)
        return True

    def update_password(self, user: User, new_password: str) -> None:
        """Set a new password; every session and reset link made before now stops working."""
        user.password = self.hash_password(new_password)
        user.password_date = utcnow()

    # ---- password hashes --------------------------------------------------------------------

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify_password(self, password_hash: str, password: str) -> bool:
        """Constant-time check of ``password`` against an argon2 hash (of any parameters)."""
        return verify_hash(self._hasher, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` was made with other parameters than today's cost."""
        return bool(self._hasher.check_needs_rehash(password_hash))

    def record_login(self, user: User) -> None:
        user.last_login = utcnow()

    def has_two_factor(self, user: User) -> bool:
        return any(provider(user) for provider in TWO_FACTOR_PROVIDERS)

    def recent_events(self, user: User, limit: int = 50) -> list[Any]:
        from warehouse_lite.events.models import UserEvent

        return list(
            self.db.scalars(
                select(UserEvent)
                .where(UserEvent.user_id == user.id)
                .order_by(UserEvent.time.desc())
                .limit(limit)
            )
        )


def user_service_factory(context: object, request: Any) -> UserService:
    return UserService(request.db, PasswordCost.from_settings(request.settings))
