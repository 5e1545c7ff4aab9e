"""The two-factor section of the account settings: add and remove a TOTP application and
security keys, and generate recovery codes.

Every page here needs a password entered in the last few minutes (sudo mode, recent_auth.py),
and each removal or new set of codes asks for the password once more; wrong passwords and
codes count toward the two-factor rate limits (guard.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config, view_defaults

from warehouse_lite.accounts.password_check import PasswordCheck, check_current_password
from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.accounts.two_factor import challenges
from warehouse_lite.accounts.two_factor.codes import TwoFactorError, qr_svg, totp_uri
from warehouse_lite.accounts.two_factor.forms import (
    DeleteWebAuthnForm,
    PasswordConfirmForm,
    TOTPForm,
)
from warehouse_lite.accounts.two_factor.guard import (
    TOO_MANY,
    count_failure,
    is_rate_limited,
    two_factor_limits,
)
from warehouse_lite.accounts.two_factor.security_keys import LABEL_MAX_LENGTH, WebAuthnService
from warehouse_lite.accounts.two_factor.services import TwoFactorService
from warehouse_lite.accounts.views.base import FormViews, json_object
from warehouse_lite.authnz import Permissions
from warehouse_lite.events.actor import Actor
from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request

TOTP_SECRET_KEY = "totp.provision"  # session: the secret shown but not confirmed yet


def two_factor_panel(request: Request) -> dict[str, Any]:
    """What the account page's two-factor section shows (manage/views/account.py ACCOUNT_PANELS)."""
    user = request.user
    service = request.find_service(TwoFactorService)
    totp = service.get_totp(user)
    keys = request.find_service(WebAuthnService).credentials(user)
    return {
        "totp": totp,
        "keys": keys,
        "enabled": totp is not None or bool(keys),
        "recovery_generated": service.has_recovery_codes(user),
        "recovery_remaining": service.remaining_recovery_codes(user),
    }


@view_defaults(permission=Permissions.ACCOUNT_MANAGE, request_method=("GET", "POST"))
class TwoFactorSettingsViews(FormViews):
    """The logged-in user's own second factors; every view is in sudo mode."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.user = request.user
        self.service = request.find_service(TwoFactorService)
        self.keys = request.find_service(WebAuthnService)

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    def back(self, message: str | None = None, queue: str = "success") -> HTTPSeeOther:
        """To the two-factor section of the account page, with ``message`` if given."""
        if message:
            self.request.session.flash(message, queue=queue)
        return self.redirect("manage.account", _anchor="two-factor")

    def refused(self, action: str, reason: str) -> None:
        """A refused change: counted toward the rate limits, recorded in the history."""
        count_failure(self.request, self.user)
        self.service.record_refusal(self.user, self.actor, action, reason)

    def password_problem(self, form: PasswordConfirmForm, action: str) -> str | None:
        """None if the form is valid and its password right; otherwise the message, with
        the response's status set (a wrong password counts and is recorded)."""
        request, user = self.request, self.user
        if is_rate_limited(request, user):
            request.response.status = 429
            return TOO_MANY
        if not form.validate():
            request.response.status = 400
            return form.first_error
        limits = two_factor_limits(request, user)
        checked = check_current_password(request, user, form.password.data, limits=limits)
        if checked is PasswordCheck.RATE_LIMITED:
            request.response.status = 429
            return TOO_MANY
        if checked is PasswordCheck.WRONG:
            self.service.record_refusal(user, self.actor, action, "wrong password")
            request.response.status = 400
            return "The password is not correct. Nothing was changed."
        return None

    def after_added(self, message: str) -> None:
        self.request.session.flash(message, queue="success")
        if not self.service.has_recovery_codes(self.user):
            self.request.session.flash(
                "Now generate recovery codes: they let you log in if you lose your second factor.",
                queue="warning",
            )

    def after_removed(self, message: str, voided_codes: int) -> HTTPSeeOther:
        if voided_codes:
            self.request.session.flash(
                "Two-factor authentication is now off, and your recovery codes were voided.",
                queue="warning",
            )
        return self.back(message)

    # ---- TOTP ------------------------------------------------------------------------------

    @view_config(route_name="manage.account.totp-provision", renderer="manage/totp_provision.html")
    @require_recent_auth
    def totp_provision(self) -> Any:
        request, user, service = self.request, self.user, self.service
        if service.has_totp(user):
            return self.back("An authentication application is already set up.", queue="")
        secret = request.session.get(TOTP_SECRET_KEY)
        form = self.bind(TOTPForm)
        if not self.posted and not secret:
            secret = service.new_totp_secret()
            request.session[TOTP_SECRET_KEY] = secret
        if not secret:
            request.response.status = 400
            form.form_errors.append("This setup expired. Start again: scan the new QR code.")
            secret = service.new_totp_secret()
            request.session[TOTP_SECRET_KEY] = secret
        # The page shows the secret: never cached by the browser or anything in between.
        request.response.headers["Cache-Control"] = "no-store"
        context = {
            "form": form,
            "secret": secret,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "uri": totp_uri(secret, user.username, request.settings.site_name),
        }
        if not self.posted or form.form_errors:
            return context
        if is_rate_limited(request, user):
            form.form_errors.append(TOO_MANY)
            return self.refuse(429, context)
        try:
            service.add_totp(user, secret, form.totp_value.data, self.actor)
        except TwoFactorError as exc:
            self.refused("totp-provision", str(exc))
            form.totp_value.errors = [str(exc)]
            return self.refuse(400, context)
        request.session.pop(TOTP_SECRET_KEY, None)
        self.after_added("Authentication application added.")
        return self.back()

    @view_config(route_name="manage.account.totp-provision.image", request_method="GET")
    @require_recent_auth
    def totp_provision_image(self) -> Response:
        secret = self.request.session.get(TOTP_SECRET_KEY)
        if not secret:
            raise HTTPNotFound("No authentication application setup is in progress.")
        site_name = self.request.settings.site_name
        response = Response(
            qr_svg(totp_uri(secret, self.user.username, site_name)), content_type="image/svg+xml"
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @view_config(route_name="manage.account.totp-delete", renderer="manage/totp_delete.html")
    @require_recent_auth
    def totp_delete(self) -> Any:
        if not self.service.has_totp(self.user):
            return self.back("There is no authentication application to remove.", queue="")
        form = self.bind(PasswordConfirmForm)
        context = {"form": form}
        if not self.posted:
            return context
        problem = self.password_problem(form, "totp-delete")
        if problem:
            form.form_errors.append(problem)
            return context
        voided = self.service.remove_totp(self.user, self.actor)
        return self.after_removed("Authentication application removed.", voided)

    # ---- security keys ---------------------------------------------------------------------

    @view_config(
        route_name="manage.account.webauthn-provision",
        renderer="manage/webauthn_provision.html",
        request_method="GET",
    )
    @require_recent_auth
    def webauthn_provision(self) -> dict[str, Any]:
        return {"keys": self.keys.credentials(self.user), "label_max_length": LABEL_MAX_LENGTH}

    @view_config(
        route_name="manage.account.webauthn-provision.options",
        request_method="GET",
        renderer="json",
    )
    @require_recent_auth
    def webauthn_provision_options(self) -> Any:
        ceremony = self.keys.registration_options(self.user)
        return challenges.offer(self.request, challenges.Purpose.REGISTER, self.user, ceremony)

    @view_config(
        route_name="manage.account.webauthn-provision.validate",
        request_method="POST",
        renderer="json",
    )
    @require_recent_auth
    def webauthn_provision_validate(self) -> Any:
        request, user = self.request, self.user
        # Single use, whatever the outcome; of simultaneous answers, one gets it.
        challenge = challenges.take(request, challenges.Purpose.REGISTER, user)
        if is_rate_limited(request, user):
            return api_error(request, 429, TOO_MANY)
        body = json_object(request)
        label = body.get("label")
        try:
            key = self.service.add_security_key(
                user,
                body.get("credential"),
                challenge,
                label if isinstance(label, str) else None,
                self.actor,
            )
        except TwoFactorError as exc:
            self.refused("webauthn-provision", str(exc))
            return api_error(request, 400, str(exc))
        self.after_added(f"Security key {key.label!r} added.")
        return {
            "success": f"Security key {key.label!r} added.",
            "redirect_to": request.route_path("manage.account", _anchor="two-factor"),
        }

    @view_config(
        route_name="manage.account.webauthn-provision.delete",
        renderer="manage/webauthn_delete.html",
    )
    @require_recent_auth
    def webauthn_delete(self) -> Any:
        form = self.bind(DeleteWebAuthnForm)
        key_id = form.webauthn_id.data if self.posted else self.request.GET.get("id")
        key = self.keys.get(self.user, key_id)
        if key is None:
            return self.back("There is no such security key on your account.", queue="error")
        form.webauthn_id.data = str(key.id)
        context = {"form": form, "key": key}
        if not self.posted:
            return context
        problem = self.password_problem(form, "webauthn-delete")
        if not problem and (form.label.data or "").strip() != key.label:
            self.refused("webauthn-delete", "label mismatch")
            self.request.response.status = 400
            problem = f"The name you typed does not match the key's name ({key.label!r})."
        if problem:
            form.form_errors.append(problem)
            return context
        label = key.label
        voided = self.service.remove_security_key(self.user, key, self.actor)
        return self.after_removed(f"Security key {label!r} removed.", voided)

    # ---- recovery codes --------------------------------------------------------------------

    @view_config(
        route_name="manage.account.recovery-codes.generate",
        renderer="manage/recovery_codes.html",
    )
    @require_recent_auth
    def recovery_codes_generate(self) -> Any:
        user, service = self.user, self.service
        if not service.has_two_factor(user):
            return self.back(
                "Add an authentication application or a security key before recovery codes.",
                queue="error",
            )
        form = self.bind(PasswordConfirmForm)
        context: dict[str, Any] = {
            "form": form,
            "codes": None,
            "remaining": service.remaining_recovery_codes(user),
            "generated_before": service.has_recovery_codes(user),
        }
        if not self.posted:
            return context
        problem = self.password_problem(form, "recovery-codes-generate")
        if problem:
            form.form_errors.append(problem)
            return context
        context["codes"] = service.issue_recovery_codes(user, self.actor)
        # Shown exactly once: never cached by the browser or anything in between.
        self.request.response.headers["Cache-Control"] = "no-store"
        return context
