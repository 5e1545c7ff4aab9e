"""Two-factor authentication in real headless Chromium against the live stack.

Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven by Playwright:
register, add a TOTP application (codes computed by `oathtool`, independently of the server's
pyotp), log out and back in with it; add a security key through the DevTools virtual
authenticator and log in with it; generate recovery codes and log in with one. Every email
goes through the Celery worker to the SMTP server on loopback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.servers import LiveServer, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

USERNAME = "chromium-user"
EMAIL = "chromium-user@example.org"
PASSWORD = "a long browser password"


def totp_code(secret: str, at: float) -> str:
    """The code for Unix time ``at``, from oathtool (pyotp only when oathtool is missing)."""
    oathtool = shutil.which("oathtool")
    if oathtool:
        result = subprocess.run(
            [oathtool, "--totp", "-b", f"--now=@{int(at)}", secret],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return result.stdout.strip()
    warnings.warn("oathtool not installed: computing TOTP codes with pyotp", stacklevel=2)
    import pyotp

    return str(pyotp.TOTP(secret).at(at))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def _mail(live_server: LiveServer, subject: str) -> str:
    message = live_server.mailbox.to(EMAIL, subject)
    return text_of(message)


def _log_out(page: Any, base: str) -> None:
    page.get_by_role("button", name=re.compile(r"^Log out")).click()
    page.wait_for_url(f"{base}/")  # the home page, not just any URL ending in "/"
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def _password_step(page: Any, base: str) -> None:
    page.goto(f"{base}/account/login/")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/account/two-factor/")


def test_two_factor_in_chromium(live_server: LiveServer, page: Any) -> None:
    base = live_server.url

    # Register: logged in straight away, no second factor yet.
    page.goto(f"{base}/account/register/")
    page.fill("#username", USERNAME)
    page.fill("#full_name", "Chromium User")
    page.fill("#email", EMAIL)
    page.fill("#new_password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.get_by_role("button", name=re.compile("Create account|Register")).click()
    page.wait_for_url(f"{base}/manage/account/")
    assert "No second factor yet" in page.inner_text("#two-factor")

    # --- TOTP -------------------------------------------------------------------------
    page.get_by_role("link", name="Add an authentication application").click()
    page.wait_for_url(f"{base}/manage/account/totp-provision")
    qr = page.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG rendered
    secret = page.inner_text("#totp-secret").replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#totp_value", totp_code(secret, time.time()))
    page.get_by_role("button", name="Add application").click()
    page.wait_for_url(f"{base}/manage/account/#two-factor")
    assert "Authentication application added" in page.content()
    assert "Generate recovery codes" in page.inner_text("#two-factor")
    assert "Authentication application" in _mail(live_server, "Two-factor method added")

    _log_out(page, base)
    _password_step(page, base)
    # The code of the step the enrollment used is spent (replay protection), so use the
    # next step's code: the server accepts one step of drift.
    page.fill("#totp_value", totp_code(secret, time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/manage/account/")
    assert "method=totp" in page.inner_text("#security-history")

    # --- security key (DevTools virtual authenticator) --------------------------------
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    page.goto(f"{base}/manage/account/webauthn-provision")
    page.fill("#webauthn-label", "Virtual key")
    page.get_by_role("button", name="Set up security key").click()
    page.wait_for_url(f"{base}/manage/account/#two-factor")
    assert "Virtual key" in page.inner_text("#two-factor")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    assert '"Virtual key"' in str(
        live_server.mailbox.to(EMAIL, 'security key "Virtual key"')["Subject"]
    )

    _log_out(page, base)
    _password_step(page, base)
    page.get_by_role("button", name="Use your security key").click()
    page.wait_for_url(f"{base}/manage/account/")
    assert "method=webauthn" in page.inner_text("#security-history")

    # --- recovery codes ---------------------------------------------------------------
    page.goto(f"{base}/manage/account/recovery-codes/generate")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Generate recovery codes").click()
    # The codes come back on the same URL: wait for them rather than for a navigation.
    expect(page.locator("#recovery-codes li")).to_have_count(8)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert "8 new recovery codes" in _mail(live_server, "New recovery codes were generated")

    _log_out(page, base)
    _password_step(page, base)
    page.get_by_role("link", name="Log in with a recovery code").click()
    page.wait_for_url(f"{base}/account/recovery-code/")
    page.fill("#recovery_code_value", codes[0].strip())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/manage/account/")
    assert "7 left" in page.content()
    assert "method=recovery-code" in page.inner_text("#security-history")
    assert "7 recovery codes remain" in _mail(live_server, "A recovery code was used")

    # The same code a second time is refused, and the browser stays logged out.
    _log_out(page, base)
    _password_step(page, base)
    page.goto(f"{base}/account/recovery-code/")
    page.fill("#recovery_code_value", codes[0].strip())
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("main")).to_contain_text("already used")
    page.goto(f"{base}/manage/account/")
    assert page.url.startswith(f"{base}/account/two-factor/")
