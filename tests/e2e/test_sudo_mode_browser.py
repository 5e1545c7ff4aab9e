"""The sudo-mode confirmation page in real Chromium at phone width: axe finds nothing, nothing
is wider than the screen, a wrong password is explained, the right one goes back to the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

USERNAME = "sudo-browser"
PASSWORD = "a long sudo password"
PHONE = {"width": 390, "height": 844}


def _accessible(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_confirm_password_page(
    live_server: LiveServer,
    browser: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    live_server.create_user(USERNAME, PASSWORD, f"{USERNAME}@example.org")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{base}/account/login/")
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/manage/account/")

        page.goto(f"{base}/account/confirm-password/?next=/manage/account/token/")
        expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
        assert "15 minutes" in page.inner_text("main")
        _accessible(page)
        _fits(page)
        page.screenshot(path=str(tmp_path / "confirm-password.png"), full_page=True)

        page.fill("#password", "not the password")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("main")).to_contain_text("The password is not correct")
        _accessible(page)
        _fits(page)

        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(f"{base}/manage/account/token/")
        expect(page.locator("main")).to_contain_text("Password confirmed.")
    finally:
        context.close()
