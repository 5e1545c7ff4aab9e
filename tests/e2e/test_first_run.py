"""First run: `make serve`'s own command line (read from the Makefile, on a free port, in a
fresh directory, with no settings in the environment) serves the address it prints; a person
who opens http://127.0.0.1:PORT/ instead logs in with password + TOTP just as well; emails,
redirects and the JSON API name the port the server runs on; starting prints no warning.

Driven with `requests` (cookies kept per host, as a browser does) and real TOTP codes."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pyotp
import pytest
import requests

from tests.e2e.servers import free_port, wait_for_port, warehouse_cli
from tests.e2e.test_tokens import _dist, _out, twine
from warehouse_lite.settings import Settings

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a first-run password"
SETTING_VARIABLES = {f.metadata["env"] for f in dataclasses.fields(Settings)}


def makefile_serve_command(port: int) -> list[str]:
    """The recipe of `make serve`, with the venv's bin directory and ``port`` put in."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^serve:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert match, "no serve target in the Makefile"
    words = shlex.split(match.group(1).replace("$(BIN)", str(BIN)))
    assert words[:2] == [str(BIN / "warehouse-lite"), "serve"], words
    words[words.index("--port") + 1] = str(port)
    return words


@dataclasses.dataclass
class EmbeddedServer:
    work: Path
    port: int
    env: dict[str, str]
    popen: subprocess.Popen[bytes]

    @property
    def canonical(self) -> str:
        return f"http://localhost:{self.port}"

    def output(self, stream: str) -> str:
        return (self.work / f"serve.{stream}").read_text(errors="replace")

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return warehouse_cli(args, self.env, cwd=self.work, input=input)

    def create_user(self, username: str) -> None:
        result = self.cli(
            "user",
            "create",
            username,
            "--email",
            f"{username}@example.org",
            "--password-stdin",
            "--verified",
            input=PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def mails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted((self.work / "var" / "mail").glob("*.eml"))
        ]


@pytest.fixture(scope="module")
def make_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    work = Path(tmp_path_factory.mktemp("first-run"))
    port = free_port()
    # A shell with no warehouse_lite settings: the defaults are what a newcomer gets. Output
    # unbuffered only so that the banner can be read while the server runs.
    env = {k: v for k, v in os.environ.items() if k not in SETTING_VARIABLES}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    with (work / "serve.stdout").open("wb") as out, (work / "serve.stderr").open("wb") as err:
        popen = subprocess.Popen(
            makefile_serve_command(port),
            cwd=work,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    server = EmbeddedServer(work, port, env, popen)
    try:
        wait_for_port(port, timeout=60, process=popen)
        yield server
    finally:
        if popen.poll() is None:
            os.killpg(popen.pid, signal.SIGINT)
            try:
                popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=5)


def _submit(
    browser: requests.Session, page: requests.Response, action: str, **fields: str
) -> requests.Response:
    """Submit the page's POST form whose action starts with ``action``, as a browser would:
    to that action resolved against the page's own URL, with the page's CSRF token."""
    forms = re.findall(r'<form method="post" action="([^"]*)"', page.text)
    target = next((f for f in forms if f.startswith(action)), None)
    assert target is not None, (action, forms, page.url)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text[:2000]
    return browser.post(
        urljoin(page.url, target.replace("&amp;", "&")),
        data={"csrf_token": csrf.group(1), **fields},
    )


def _open(browser: requests.Session, url: str, canonical: str) -> requests.Response:
    """GET ``url`` following redirects; it must end up on the canonical URL, on a 200."""
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code, response.text[:2000])
    assert response.url.startswith(canonical + "/"), (url, response.url)
    return response


def _cookie_hosts(browser: requests.Session) -> set[str]:
    return {cookie.domain for cookie in browser.cookies}


def test_the_banner_is_the_address_to_open_and_nothing_warns(make_serve: EmbeddedServer) -> None:
    # The banner is printed before the server listens, so it is there by now.
    assert make_serve.output("stdout").splitlines() == [
        f"warehouse_lite (development) on http://localhost:{make_serve.port}/",
        f"emails are captured in var/mail/ and at http://localhost:{make_serve.port}/_dev/mail/",
    ]
    home = requests.get(f"http://localhost:{make_serve.port}/", timeout=30)
    assert home.status_code == 200 and "warehouse_lite" in home.text
    # No warning at start (pkg_resources' deprecation was printed on every start).
    stderr = make_serve.output("stderr")
    assert "Warning" not in stderr and "pkg_resources" not in stderr
    assert stderr == ""


@pytest.mark.parametrize("opened", ["127.0.0.1", "localhost"])
def test_login_with_totp_through_the_address_opened(
    make_serve: EmbeddedServer, opened: str
) -> None:
    port, canonical = make_serve.port, make_serve.canonical
    start = f"http://{opened}:{port}"
    username = f"first-{opened.replace('.', '-')}-{uuid.uuid4().hex[:6]}"
    make_serve.create_user(username)

    # Password only (no second factor yet); the first page is redirected to the canonical
    # address before any cookie is set, so the session cookie belongs to it alone.
    browser = requests.Session()
    login_page = _open(browser, f"{start}/account/login/", canonical)
    if opened != "localhost":
        assert [r.status_code for r in login_page.history] == [307]
        assert login_page.history[0].headers["Location"] == f"{canonical}/account/login/"
        assert "Set-Cookie" not in login_page.history[0].headers
    logged_in = _submit(
        browser, login_page, "/account/login/", username=username, password=PASSWORD
    )
    assert logged_in.url == f"{canonical}/manage/account/", logged_in.url
    assert f"Log out ({username})" in logged_in.text

    # Enroll an authentication application, from a link typed with the opened address.
    provision = _open(browser, f"{start}/manage/account/totp-provision", canonical)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', provision.text)
    assert secret, provision.text[:2000]
    totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
    added = _submit(browser, provision, "/manage/account/totp-provision", totp_value=totp.now())
    assert "Authentication application added." in added.text, added.text[:2000]

    # A new browser: password, then the TOTP code, all through the opened address.
    browser = requests.Session()
    login_page = _open(browser, f"{start}/account/login/", canonical)
    second_step = _submit(
        browser, login_page, "/account/login/", username=username, password=PASSWORD
    )
    assert second_step.url == f"{canonical}/account/two-factor/", second_step.url
    # The enrollment used this time step's code; the next one is inside the drift window.
    done = _submit(
        browser,
        second_step,
        "/account/two-factor/",
        totp_value=totp.at(time.time() + 30),
    )
    assert done.url == f"{canonical}/manage/account/", done.url
    assert f"Log out ({username})" in done.text
    # Still logged in when the user types the opened address again.
    again = _open(browser, f"{start}/manage/account/", canonical)
    assert f"Log out ({username})" in again.text
    # Cookies were only ever set for the canonical host (cookiejar files "localhost" under
    # "localhost.local").
    assert _cookie_hosts(browser) <= {"localhost", "localhost.local"}, _cookie_hosts(browser)

    # The email about the new second factor links to this server, not to port 6543.
    [mail] = [m for m in make_serve.mails() if username in str(m["To"])]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"{canonical}/" in text
    assert re.findall(r"https?://[^/\s]+", text) == [canonical] * len(
        re.findall(r"https?://[^/\s]+", text)
    )


def test_upload_and_json_api_through_127_0_0_1(make_serve: EmbeddedServer, tmp_path) -> None:
    """twine refuses redirects, so an upload to the loopback address is answered in place;
    the JSON API (redirected, a GET) gives file URLs on this server's port."""
    username = f"first-up-{uuid.uuid4().hex[:6]}"
    make_serve.create_user(username)
    created = make_serve.cli("token", "create", username, "--description", "first upload")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    start = f"http://127.0.0.1:{make_serve.port}"
    project = f"{username}-pkg"
    result = twine(start, _dist(tmp_path, project, "1.0"), "__token__", token)
    assert result.returncode == 0, _out(result)
    response = requests.get(f"{start}/pypi/{project}/json", timeout=30)
    assert response.status_code == 200 and response.history[0].status_code == 307
    [file] = json.loads(response.text)["urls"]
    assert file["url"].startswith(f"{make_serve.canonical}/packages/"), file["url"]
    download = requests.get(file["url"], timeout=30)
    assert download.status_code == 200 and download.content[:2] == b"\x1f\x8b"


def test_a_foreign_host_is_told_where_the_site_is(make_serve: EmbeddedServer) -> None:
    response = requests.post(
        f"http://127.0.0.1:{make_serve.port}/account/request-password-reset/",
        headers={"Host": "evil.example"},
        data={"username_or_email": "anyone"},
        timeout=30,
    )
    assert response.status_code == 421
    assert f"This server answers for {make_serve.canonical} (its SITE_URL)" in response.text
