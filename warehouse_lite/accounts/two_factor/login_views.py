"""The second step of a login: a TOTP code, a security key, or a recovery code.

Only a browser whose session holds a pending login (right password, minutes ago, see
accounts/login.py) gets here; the session is logged in only by complete_login, on success.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.accounts.login import complete_login, pending_login_user
from warehouse_lite.accounts.two_factor import challenges, notifications
from warehouse_lite.accounts.two_factor.forms import RecoveryCodeForm, TOTPForm
from warehouse_lite.accounts.two_factor.guard import (
    TOO_MANY,
    clear_user_failures,
    count_failure,
    is_rate_limited,
)
from warehouse_lite.accounts.two_factor.security_keys import SignCountError, WebAuthnService
from warehouse_lite.accounts.two_factor.services import TwoFactorError, TwoFactorService
from warehouse_lite.errors import api_error
from warehouse_lite.events import record_event

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.accounts.models import User


def _pending_or_redirect(request: Request) -> tuple[User, dict[str, Any]] | HTTPSeeOther:
    if request.identity is not None:
        return HTTPSeeOther(request.route_path("manage.account"))
    found = pending_login_user(request)
    if found is None:
        request.session.flash(
            "Your login expired or was never started: log in again with your password.",
            queue="error",
        )
        return HTTPSeeOther(request.route_path("accounts.login"))
    return found


def _context(request: Request, user: User, **extra: Any) -> dict[str, Any]:
    service = request.find_service(TwoFactorService)
    return {
        "username": user.username,
        "has_totp": service.has_totp(user),
        "has_webauthn": service.has_webauthn(user),
        "has_recovery_codes": service.has_recovery_codes(user),
        **extra,
    }


def _finish(request: Request, user: User, pending: dict[str, Any], method: str) -> str:
    clear_user_failures(request, user)
    return complete_login(request, user, method=method, next_url=pending.get("next"))


@view_config(
    route_name="accounts.two-factor",
    renderer="accounts/two_factor.html",
    request_method=("GET", "POST"),
)
def two_factor(request: Request) -> Any:
    found = _pending_or_redirect(request)
    if isinstance(found, HTTPSeeOther):
        return found
    user, pending = found
    form = TOTPForm(request.POST if request.method == "POST" else None)
    context = _context(request, user, form=form)
    if request.method == "GET":
        return context
    if not context["has_totp"]:
        request.response.status = 400
        form.form_errors.append(
            "This account has no authentication application: use your security key or a "
            "recovery code."
        )
        return context
    if is_rate_limited(request, user.id):
        request.response.status = 429
        form.form_errors.append(TOO_MANY)
        return context
    try:
        request.find_service(TwoFactorService).verify_totp(user, form.totp_value.data)
    except TwoFactorError as exc:
        count_failure(request, user)
        notifications.second_factor_failed(request, user, "totp", str(exc))
        form.totp_value.errors = [str(exc)]
        request.response.status = 400
        return context
    return HTTPSeeOther(_finish(request, user, pending, "totp"))


@view_config(
    route_name="accounts.webauthn-authenticate.options",
    request_method="GET",
    renderer="json",
)
def webauthn_authenticate_options(request: Request) -> Any:
    found = pending_login_user(request)
    if found is None or request.identity is not None:
        return api_error(request, 400, "No login is waiting for a security key: log in again.")
    user, _pending = found
    keys = request.find_service(WebAuthnService)
    if not keys.credentials(user):
        return api_error(request, 400, "This account has no security key.")
    ceremony = keys.authentication_options(user)
    challenges.keep(request, challenges.Purpose.LOGIN, user, ceremony.challenge)
    request.response.headers["Cache-Control"] = "no-store"
    return ceremony.options


@view_config(
    route_name="accounts.webauthn-authenticate.validate",
    request_method="POST",
    renderer="json",
)
def webauthn_authenticate_validate(request: Request) -> Any:
    found = pending_login_user(request)
    if found is None or request.identity is not None:
        return api_error(request, 400, "No login is waiting for a security key: log in again.")
    user, pending = found
    # Whatever happens next, this challenge has been answered once and is gone (atomically:
    # of simultaneous answers, one gets it).
    challenge = challenges.take(request, challenges.Purpose.LOGIN, user)
    if is_rate_limited(request, user.id):
        return api_error(request, 429, TOO_MANY)
    try:
        body = request.json_body
    except ValueError:
        body = None
    credential = body.get("credential") if isinstance(body, dict) else None
    try:
        key = request.find_service(WebAuthnService).authenticate(user, credential, challenge)
    except SignCountError as exc:
        count_failure(request, user)
        record_event(
            request,
            user,
            "account:two-factor:webauthn-sign-count",
            label=exc.credential.label,
            stored=exc.credential.sign_count,
            reported=exc.reported,
        )
        notifications.second_factor_failed(request, user, "webauthn", str(exc))
        return api_error(request, 400, str(exc))
    except TwoFactorError as exc:
        count_failure(request, user)
        notifications.second_factor_failed(request, user, "webauthn", str(exc))
        return api_error(request, 400, str(exc))
    location = _finish(request, user, pending, "webauthn")
    return {"success": f"Logged in with the security key {key.label!r}.", "redirect_to": location}


@view_config(
    route_name="accounts.recovery-code",
    renderer="accounts/recovery_code.html",
    request_method=("GET", "POST"),
)
def recovery_code(request: Request) -> Any:
    found = _pending_or_redirect(request)
    if isinstance(found, HTTPSeeOther):
        return found
    user, pending = found
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "username": user.username}
    if request.method == "GET":
        return context
    if is_rate_limited(request, user.id):
        request.response.status = 429
        form.form_errors.append(TOO_MANY)
        return context
    service = request.find_service(TwoFactorService)
    try:
        remaining = service.use_recovery_code(user, form.recovery_code_value.data)
    except TwoFactorError as exc:
        count_failure(request, user)
        notifications.second_factor_failed(request, user, "recovery-code", str(exc))
        form.recovery_code_value.errors = [str(exc)]
        request.response.status = 400
        return context
    notifications.recovery_code_used(request, user, remaining)
    location = _finish(request, user, pending, "recovery-code")
    if remaining <= 2:
        request.session.flash(
            f"You logged in with a recovery code; {remaining} left. Generate a new set now "
            "in your account settings (the old ones will stop working).",
            queue="warning",
        )
    else:
        request.session.flash(
            f"You logged in with a recovery code; {remaining} left.", queue="success"
        )
    return HTTPSeeOther(location)
