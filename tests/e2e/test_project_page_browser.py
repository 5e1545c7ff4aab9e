"""The project page in headless Chromium (Debian's, never a downloaded one): the copy button
appears only with JavaScript, copies the pip command under the strict CSP, and the page logs
no CSP violation or script error."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.e2e.servers import LiveServer
from warehouse_lite.packaging.models import Project, Release

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def _seed(db_url: str) -> str:
    name = f"browser-page-{uuid.uuid4().hex[:8]}"
    engine = create_engine(db_url)
    with Session(engine) as db, db.begin():
        project = Project(name=name, normalized_name=name)
        project.releases.append(
            Release(
                version="2.1",
                canonical_version="2.1",
                metadata_version="2.4",
                summary="Shown in a browser",
                description="# Hello\n\n<script>window.pwned = true</script> text",
                description_content_type="text/markdown",
            )
        )
        db.add(project)
    engine.dispose()
    return name


def test_copy_button(live_server: LiveServer, browser: Any) -> None:
    name = _seed(live_server.db_url)
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    problems: list[str] = []

    def console(message: Any) -> None:
        # Chromium asks for /favicon.ico on its own; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"{message.text} ({message.location})")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{live_server.url}/project/{name}/")
        assert page.locator(".project-header h1").inner_text().startswith(name)
        assert page.evaluate("window.pwned === undefined")
        button = page.get_by_role("button", name="Copy")
        button.wait_for(state="visible")
        button.click()
        # The label says what happened (and returns to "Copy" after two seconds).
        label = page.wait_for_function(
            "() => { const t = document.querySelector('.copy-button').textContent;"
            " return t !== 'Copy' ? t : null; }"
        ).json_value()
        assert label == "Copied", problems
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"pip install {name}==2.1 --index-url {live_server.url}/simple/"
        assert problems == []
    finally:
        context.close()


def test_no_copy_button_without_javascript(live_server: LiveServer, browser: Any) -> None:
    name = _seed(live_server.db_url)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/project/{name}/")
        assert not page.locator(".copy-button").is_visible()
        assert f"pip install {name}==2.1" in page.locator("#pip-command").inner_text()
    finally:
        context.close()
