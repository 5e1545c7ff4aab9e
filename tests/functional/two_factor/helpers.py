"""Helpers of the two-factor functional tests: a controlled clock, a software security key,
and the few page interactions every test needs."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pyotp
import webtest
from itsdangerous import Signer
from soft_webauthn import SoftWebauthnDevice

from tests.common.clock import FrozenClock
from tests.common.factories import DEFAULT_PASSWORD
from tests.functional.conftest import csrf_of, form_for, login

ORIGIN = "http://localhost"  # the test settings' SITE_URL
T0 = 1_700_000_010.0  # 10 s into a 30 s TOTP step


class Clock(FrozenClock):
    """What TwoFactorService sees as "now" (installed as the app's Clock service)."""

    def __init__(self, at: float = T0) -> None:
        super().__init__(at)

    @property
    def step(self) -> int:
        return int(self.at // 30)


def code_at(secret: str, clock: Clock, steps: int = 0) -> str:
    """The code an authenticator app shows ``steps`` time steps from the clock's now."""
    return pyotp.TOTP(secret).at(clock.at + 30 * steps)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    """A software FIDO2 authenticator (soft-webauthn) speaking the JSON that webauthn.js posts.

    Its counter starts at 0 and goes up by one per assertion, like a hardware key.
    """

    def __init__(self) -> None:
        self.device = SoftWebauthnDevice()

    @property
    def credential_id(self) -> str:
        return b64url(self.device.credential_id)

    def create(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        public_key = dict(options)
        public_key["challenge"] = unb64url(options["challenge"])
        public_key["user"] = {**options["user"], "id": unb64url(options["user"]["id"])}
        result = self.device.create({"publicKey": public_key}, origin)
        return {
            "id": b64url(result["rawId"]),
            "rawId": b64url(result["rawId"]),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(result["response"]["clientDataJSON"]),
                "attestationObject": b64url(result["response"]["attestationObject"]),
                "transports": ["usb"],
            },
        }

    def get(self, options: dict[str, Any], origin: str = ORIGIN) -> dict[str, Any]:
        request = dict(options)
        request["challenge"] = unb64url(options["challenge"])
        result = self.device.get({"publicKey": request}, origin)
        response = result["response"]
        return {
            "id": b64url(result["rawId"]),
            "rawId": b64url(result["rawId"]),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "authenticatorData": b64url(response["authenticatorData"]),
                "clientDataJSON": b64url(response["clientDataJSON"]),
                "signature": b64url(response["signature"]),
                "userHandle": b64url(response["userHandle"]) if response["userHandle"] else None,
            },
        }


JSON_HEADERS = {"Accept": "application/json"}


def post_json(app: webtest.TestApp, url: str, body: Any, csrf: str, **kw: Any) -> Any:
    return app.post(
        url,
        json.dumps(body),
        headers={**JSON_HEADERS, "Content-Type": "application/json", "X-CSRF-Token": csrf},
        expect_errors=True,
        **kw,
    )


def page_csrf(app: webtest.TestApp, path: str = "/manage/account/") -> str:
    return csrf_of(app.get(path))


def register_key(
    app: webtest.TestApp, key: SoftKey, label: str = "Blue key", origin: str = ORIGIN
) -> Any:
    """Add ``key`` to the logged-in account through the options/validate endpoints."""
    page = app.get("/manage/account/webauthn-provision")
    csrf = re.search(r'data-csrf-token="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    options = app.get("/manage/account/webauthn-provision/options", headers=JSON_HEADERS).json
    credential = key.create(options, origin)
    return post_json(
        app,
        "/manage/account/webauthn-provision/validate",
        {"label": label, "credential": credential},
        csrf,
    )


def start_login(app: webtest.TestApp, username: str, password: str = DEFAULT_PASSWORD) -> Any:
    response = login(app, username, password)
    assert response.status_code == 303, response.text
    assert response.location.endswith("/account/two-factor/"), response.location
    return response.follow()


def submit_totp(app: webtest.TestApp, code: str) -> Any:
    page = app.get("/account/two-factor/")
    form = form_for(page, "/account/two-factor/")
    form["totp_value"] = code
    return form.submit(expect_errors=True)


def submit_recovery_code(app: webtest.TestApp, code: str) -> Any:
    page = app.get("/account/recovery-code/")
    form = form_for(page, "/account/recovery-code/")
    form["recovery_code_value"] = code
    return form.submit(expect_errors=True)


def key_login(app: webtest.TestApp, key: SoftKey, origin: str = ORIGIN) -> Any:
    page = app.get("/account/two-factor/")
    csrf = re.search(r'data-csrf-token="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    options = app.get("/account/webauthn-authenticate/options", headers=JSON_HEADERS).json
    assertion = key.get(options, origin)
    return post_json(
        app, "/account/webauthn-authenticate/validate", {"credential": assertion}, csrf
    )


def logout(app: webtest.TestApp) -> None:
    page = app.get("/manage/account/")
    app.post("/account/logout/", {"csrf_token": csrf_of(page)})


def session_id(app: webtest.TestApp, secret: str) -> str:
    """The server-side session id behind the browser's (signed) session cookie."""
    signer = Signer(secret, salt="warehouse_lite.session")
    return signer.unsign(app.cookies["session_id"]).decode()
