"""The second step of a login: a TOTP code, a security key, or a recovery code.

Only a browser whose session holds a pending login (right password, minutes ago, see
accounts/login.py) gets here; the session is logged in only by complete_login, on success.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.accounts.login import complete_login, pending_login_user
from warehouse_lite.accounts.models import User
from warehouse_lite.accounts.two_factor import challenges
from warehouse_lite.accounts.two_factor.codes import TwoFactorError
from warehouse_lite.accounts.two_factor.forms import RecoveryCodeForm, TOTPForm
from warehouse_lite.accounts.two_factor.guard import (
    TOO_MANY,
    clear_user_failures,
    count_failure,
    is_rate_limited,
)
from warehouse_lite.accounts.two_factor.security_keys import WebAuthnService
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.accounts.views.base import FormViews, json_object
from warehouse_lite.events.actor import Actor
from warehouse_lite.web.errors import api_error

NO_PENDING_LOGIN = "No login is waiting for a security key: log in again."

Pending = tuple[User, dict[str, Any]]
F = TypeVar("F", TOTPForm, RecoveryCodeForm)
T = TypeVar("T")


class TwoFactorLoginViews(FormViews):
    """The pages and JSON endpoints of the second step; ``pending`` finds whose login it is."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.service = request.find_service(TwoFactorService)

    def pending(self) -> Pending | None:
        """The user part-way through login, unless there is none (or this browser is already
        logged in)."""
        if self.request.identity is not None:
            return None
        return pending_login_user(self.request)

    def no_pending_page(self) -> HTTPSeeOther:
        if self.request.identity is not None:
            return self.redirect("manage.account")
        self.request.session.flash(
            "Your login expired or was never started: log in again with your password.",
            queue="error",
        )
        return self.redirect("accounts.login")

    def refused(self, user: User, method: str, error: TwoFactorError) -> None:
        """A wrong second factor: counted toward the rate limits, recorded in the history."""
        count_failure(self.request, user)
        self.service.record_login_failure(user, Actor.from_request(self.request), method, error)

    def finish(self, user: User, pending: dict[str, Any], method: str) -> str:
        clear_user_failures(self.request, user)
        return complete_login(self.request, user, method=method, next_url=pending.get("next"))

    def code_step(
        self,
        form_class: type[F],
        field: str,
        method: str,
        context_of: Callable[[User, F], dict[str, Any]],
        accept: Callable[[User, F], T],
        unavailable: Callable[[User], str | None] = lambda user: None,
    ) -> tuple[User, dict[str, Any], T] | Any:
        """The shape of the two form steps (TOTP code, recovery code): the pending login, the
        empty form on GET, the method ``unavailable`` to the user, the rate limit, then
        ``accept``, whose TwoFactorError is refused (counted, recorded, shown on ``field``).
        Returns the page to show, or (user, pending login, ``accept``'s result)."""
        found = self.pending()
        if found is None:
            return self.no_pending_page()
        user, pending = found
        form = self.bind(form_class)
        context = context_of(user, form)
        if not self.posted:
            return context
        message = unavailable(user)
        if message:
            form.form_errors.append(message)
            return self.refuse(400, context)
        if is_rate_limited(self.request, user):
            form.form_errors.append(TOO_MANY)
            return self.refuse(429, context)
        try:
            return user, pending, accept(user, form)
        except TwoFactorError as exc:
            self.refused(user, method, exc)
            form[field].errors = [str(exc)]
            return self.refuse(400, context)

    # ---- TOTP --------------------------------------------------------------------------

    def totp_context(self, user: User, form: TOTPForm) -> dict[str, Any]:
        return {
            "username": user.username,
            "has_totp": self.service.has_totp(user),
            "has_webauthn": self.service.has_webauthn(user),
            "has_recovery_codes": self.service.has_recovery_codes(user),
            "form": form,
        }

    def no_totp(self, user: User) -> str | None:
        if self.service.has_totp(user):
            return None
        return (
            "This account has no authentication application: use your security key or a "
            "recovery code."
        )

    @view_config(
        route_name="accounts.two-factor",
        renderer="accounts/two_factor.html",
        request_method=("GET", "POST"),
    )
    def totp(self) -> Any:
        done = self.code_step(
            TOTPForm,
            "totp_value",
            "totp",
            self.totp_context,
            lambda user, form: self.service.verify_totp(user, form.totp_value.data),
            self.no_totp,
        )
        if not isinstance(done, tuple):
            return done
        user, pending, _ = done
        return HTTPSeeOther(self.finish(user, pending, "totp"))

    # ---- security key ------------------------------------------------------------------

    @view_config(
        route_name="accounts.webauthn-authenticate.options", request_method="GET", renderer="json"
    )
    def webauthn_options(self) -> Any:
        found = self.pending()
        if found is None:
            return api_error(self.request, 400, NO_PENDING_LOGIN)
        user, _pending = found
        keys = self.request.find_service(WebAuthnService)
        if not keys.credentials(user):
            return api_error(self.request, 400, "This account has no security key.")
        ceremony = keys.authentication_options(user)
        return challenges.offer(self.request, challenges.Purpose.LOGIN, user, ceremony)

    @view_config(
        route_name="accounts.webauthn-authenticate.validate", request_method="POST", renderer="json"
    )
    def webauthn_validate(self) -> Any:
        request = self.request
        found = self.pending()
        if found is None:
            return api_error(request, 400, NO_PENDING_LOGIN)
        user, pending = found
        # Whatever happens next, this challenge has been answered once and is gone (atomically:
        # of simultaneous answers, one gets it).
        challenge = challenges.take(request, challenges.Purpose.LOGIN, user)
        if is_rate_limited(request, user):
            return api_error(request, 429, TOO_MANY)
        credential = json_object(request).get("credential")
        try:
            key = request.find_service(WebAuthnService).authenticate(user, credential, challenge)
        except TwoFactorError as exc:
            self.refused(user, "webauthn", exc)
            return api_error(request, 400, str(exc))
        location = self.finish(user, pending, "webauthn")
        return {
            "success": f"Logged in with the security key {key.label!r}.",
            "redirect_to": location,
        }

    # ---- recovery code -----------------------------------------------------------------

    @view_config(
        route_name="accounts.recovery-code",
        renderer="accounts/recovery_code.html",
        request_method=("GET", "POST"),
    )
    def recovery_code(self) -> Any:
        actor = Actor.from_request(self.request)
        done = self.code_step(
            RecoveryCodeForm,
            "recovery_code_value",
            "recovery-code",
            lambda user, form: {"form": form, "username": user.username},
            lambda user, form: self.service.redeem_recovery_code(
                user, form.recovery_code_value.data, actor
            ),
        )
        if not isinstance(done, tuple):
            return done
        user, pending, remaining = done
        location = self.finish(user, pending, "recovery-code")
        if remaining <= 2:
            self.request.session.flash(
                f"You logged in with a recovery code; {remaining} left. Generate a new set now "
                "in your account settings (the old ones will stop working).",
                queue="warning",
            )
        else:
            self.request.session.flash(
                f"You logged in with a recovery code; {remaining} left.", queue="success"
            )
        return HTTPSeeOther(location)
