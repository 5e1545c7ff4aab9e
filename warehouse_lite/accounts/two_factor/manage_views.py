"""Account settings for second factors: add/remove TOTP and security keys, recovery codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from warehouse_lite.accounts.recent_auth import require_recent_auth
from warehouse_lite.accounts.services import UserService
from warehouse_lite.accounts.two_factor import challenges, notifications
from warehouse_lite.accounts.two_factor.forms import (
    DeleteWebAuthnForm,
    PasswordConfirmForm,
    TOTPForm,
)
from warehouse_lite.accounts.two_factor.guard import TOO_MANY, count_failure, is_rate_limited
from warehouse_lite.accounts.two_factor.security_keys import LABEL_MAX_LENGTH, WebAuthnService
from warehouse_lite.accounts.two_factor.services import (
    TwoFactorError,
    TwoFactorService,
    qr_svg,
    totp_uri,
)
from warehouse_lite.authnz import Permissions
from warehouse_lite.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User

TOTP_SECRET_KEY = "totp.provision"  # session: the secret shown but not confirmed yet
MANAGE = {"permission": Permissions.ACCOUNT_MANAGE}


def _account(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_path("manage.account", _anchor="two-factor"))


def two_factor_panel(request: Request) -> dict[str, Any]:
    """What the account page's two-factor section shows (manage.views.ACCOUNT_PANELS)."""
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


def _check_password(request: Request, user: User, form: Any, action: str) -> str | None:
    """None if the form's password is right; otherwise the message (attempt counted)."""
    if is_rate_limited(request, user.id):
        request.response.status = 429
        return TOO_MANY
    if not form.validate():
        request.response.status = 400
        return form.first_error
    if not request.find_service(UserService).check_password(user, form.password.data):
        count_failure(request, user)
        notifications.management_refused(request, user, action, "wrong password")
        request.response.status = 400
        return "The password is not correct. Nothing was changed."
    return None


def _after_removal(request: Request, user: User) -> bool:
    """Void the recovery codes once no second factor is left; True if one still is."""
    service = request.find_service(TwoFactorService)
    if service.has_two_factor(user):
        return True
    if service.void_recovery_codes(user):
        request.session.flash(
            "Two-factor authentication is now off, and your recovery codes were voided.",
            queue="warning",
        )
    return False


def _prompt_recovery_codes(request: Request, user: User) -> None:
    if not request.find_service(TwoFactorService).has_recovery_codes(user):
        request.session.flash(
            "Now generate recovery codes: they let you log in if you lose your second factor.",
            queue="warning",
        )


# ---- TOTP -----------------------------------------------------------------------------------


@view_config(
    route_name="manage.account.totp-provision",
    renderer="manage/totp_provision.html",
    request_method=("GET", "POST"),
    **MANAGE,
)
@require_recent_auth
def totp_provision(request: Request) -> Any:
    user = request.user
    service = request.find_service(TwoFactorService)
    if service.has_totp(user):
        request.session.flash("An authentication application is already set up.", queue="")
        return _account(request)
    secret = request.session.get(TOTP_SECRET_KEY)
    form = TOTPForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" and not secret:
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
    if request.method == "GET" or form.form_errors:
        return context
    if is_rate_limited(request, user.id):
        request.response.status = 429
        form.form_errors.append(TOO_MANY)
        return context
    try:
        service.enable_totp(user, secret, form.totp_value.data)
    except TwoFactorError as exc:
        count_failure(request, user)
        notifications.management_refused(request, user, "totp-provision", str(exc))
        form.totp_value.errors = [str(exc)]
        request.response.status = 400
        return context
    request.session.pop(TOTP_SECRET_KEY, None)
    notifications.method_added(request, user, "totp", "Authentication application")
    request.session.flash("Authentication application added.", queue="success")
    _prompt_recovery_codes(request, user)
    return _account(request)


@view_config(route_name="manage.account.totp-provision.image", request_method="GET", **MANAGE)
@require_recent_auth
def totp_provision_image(request: Request) -> Response:
    secret = request.session.get(TOTP_SECRET_KEY)
    if not secret:
        raise HTTPNotFound("No authentication application setup is in progress.")
    uri = totp_uri(secret, request.user.username, request.settings.site_name)
    response = Response(qr_svg(uri), content_type="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(
    route_name="manage.account.totp-delete",
    renderer="manage/totp_delete.html",
    request_method=("GET", "POST"),
    **MANAGE,
)
@require_recent_auth
def totp_delete(request: Request) -> Any:
    user = request.user
    service = request.find_service(TwoFactorService)
    if not service.has_totp(user):
        request.session.flash("There is no authentication application to remove.", queue="")
        return _account(request)
    form = PasswordConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return {"form": form}
    problem = _check_password(request, user, form, "totp-delete")
    if problem:
        form.form_errors.append(problem)
        return {"form": form}
    service.disable_totp(user)
    still_on = _after_removal(request, user)
    notifications.method_removed(
        request, user, "totp", "Authentication application", still_on=still_on
    )
    request.session.flash("Authentication application removed.", queue="success")
    return _account(request)


# ---- security keys -------------------------------------------------------------------------


@view_config(
    route_name="manage.account.webauthn-provision",
    renderer="manage/webauthn_provision.html",
    request_method="GET",
    **MANAGE,
)
@require_recent_auth
def webauthn_provision(request: Request) -> dict[str, Any]:
    return {
        "keys": request.find_service(WebAuthnService).credentials(request.user),
        "label_max_length": LABEL_MAX_LENGTH,
    }


@view_config(
    route_name="manage.account.webauthn-provision.options",
    request_method="GET",
    renderer="json",
    **MANAGE,
)
@require_recent_auth
def webauthn_provision_options(request: Request) -> Any:
    ceremony = request.find_service(WebAuthnService).registration_options(request.user)
    challenges.keep(request, challenges.Purpose.REGISTER, request.user, ceremony.challenge)
    request.response.headers["Cache-Control"] = "no-store"
    return ceremony.options


@view_config(
    route_name="manage.account.webauthn-provision.validate",
    request_method="POST",
    renderer="json",
    **MANAGE,
)
@require_recent_auth
def webauthn_provision_validate(request: Request) -> Any:
    user = request.user
    # Single use, whatever the outcome; of simultaneous answers, one gets it.
    challenge = challenges.take(request, challenges.Purpose.REGISTER, user)
    if is_rate_limited(request, user.id):
        return api_error(request, 429, TOO_MANY)
    try:
        body = request.json_body
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    label = body.get("label")
    try:
        key = request.find_service(WebAuthnService).register(
            user, body.get("credential"), challenge, label if isinstance(label, str) else None
        )
    except TwoFactorError as exc:
        count_failure(request, user)
        notifications.management_refused(request, user, "webauthn-provision", str(exc))
        return api_error(request, 400, str(exc))
    notifications.method_added(request, user, "webauthn", key.label)
    request.session.flash(f"Security key {key.label!r} added.", queue="success")
    _prompt_recovery_codes(request, user)
    return {
        "success": f"Security key {key.label!r} added.",
        "redirect_to": request.route_path("manage.account", _anchor="two-factor"),
    }


@view_config(
    route_name="manage.account.webauthn-provision.delete",
    renderer="manage/webauthn_delete.html",
    request_method=("GET", "POST"),
    **MANAGE,
)
@require_recent_auth
def webauthn_delete(request: Request) -> Any:
    user = request.user
    keys = request.find_service(WebAuthnService)
    form = DeleteWebAuthnForm(request.POST if request.method == "POST" else None)
    key_id = form.webauthn_id.data if request.method == "POST" else request.GET.get("id")
    key = keys.get(user, key_id)
    if key is None:
        request.session.flash("There is no such security key on your account.", queue="error")
        return _account(request)
    form.webauthn_id.data = str(key.id)
    context = {"form": form, "key": key}
    if request.method == "GET":
        return context
    problem = _check_password(request, user, form, "webauthn-delete")
    if not problem and (form.label.data or "").strip() != key.label:
        count_failure(request, user)
        notifications.management_refused(request, user, "webauthn-delete", "label mismatch")
        request.response.status = 400
        problem = f"The name you typed does not match the key's name ({key.label!r})."
    if problem:
        form.form_errors.append(problem)
        return context
    label = key.label
    keys.delete(key)
    still_on = _after_removal(request, user)
    notifications.method_removed(request, user, "webauthn", label, still_on=still_on)
    request.session.flash(f"Security key {label!r} removed.", queue="success")
    return _account(request)


# ---- recovery codes ------------------------------------------------------------------------


@view_config(
    route_name="manage.account.recovery-codes.generate",
    renderer="manage/recovery_codes.html",
    request_method=("GET", "POST"),
    **MANAGE,
)
@require_recent_auth
def recovery_codes_generate(request: Request) -> Any:
    user = request.user
    service = request.find_service(TwoFactorService)
    if not service.has_two_factor(user):
        request.session.flash(
            "Add an authentication application or a security key before recovery codes.",
            queue="error",
        )
        return _account(request)
    form = PasswordConfirmForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "form": form,
        "codes": None,
        "remaining": service.remaining_recovery_codes(user),
        "generated_before": service.has_recovery_codes(user),
    }
    if request.method == "GET":
        return context
    problem = _check_password(request, user, form, "recovery-codes-generate")
    if problem:
        form.form_errors.append(problem)
        return context
    codes = service.generate_recovery_codes(user)
    notifications.recovery_codes_generated(request, user, len(codes))
    # Shown exactly once: never cached by the browser or anything in between.
    request.response.headers["Cache-Control"] = "no-store"
    context["codes"] = codes
    return context
