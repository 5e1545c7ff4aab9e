"""No user-controlled HTML reaches a page unescaped.

A marker payload goes into everything a user controls that a page shows: full name, email
address, token description, release summary / author / license / keywords, the description
(Markdown and reStructuredText, through readme_renderer), project URLs (javascript:), query
parameters and URL path segments. Then every GET view is fetched as anonymous, the owner and
an admin, and no page may contain the payload's markup live; the escaped form must show up,
so the sweep is not looking at pages that never displayed it.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import quote

from packaging.utils import canonicalize_version

from tests.common.dists import make_sdist, make_wheel
from tests.common.factories import EmailFactory
from tests.common.macaroon_factories import mint_token
from tests.common.packaging_factories import ReleaseFactory
from tests.security.routes import registered_views, url_for
from tests.security.world import PROJECT, World
from warehouse_lite.packaging.models import Project

PAYLOAD = "<script>xss('x')</script><img src=x onerror=xss(1)>\"' onmouseover='xss(2)"


class LiveMarkup(HTMLParser):
    """What a browser would run or follow in a page: inline scripts, event-handler attributes,
    javascript: URLs, frames. The site's own scripts are /static/ files (CSP: script-src
    'self'), never inline."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script {values}>")
        if tag in ("iframe", "object", "embed", "frame"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            url = "".join((value or "").split()).lower()
            if name in ("href", "src", "action", "formaction") and url.startswith(
                ("javascript:", "data:text", "vbscript:")
            ):
                self.found.append(f"<{tag} {name}={value!r}>")


def live_markup(page: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(page)
    parser.close()
    return parser.found


MARKDOWN = f"""# Title

{PAYLOAD}

[click](javascript:xss(3)) <a href="javascript:xss(4)">a</a> <iframe src="https://x"></iframe>
![img](javascript:xss(5))
"""
RST = f"""Title
=====

`link <javascript:xss(6)>`_

{PAYLOAD}
"""


def _seed(world: World) -> None:
    world.owner.name = PAYLOAD
    EmailFactory(user=world.owner, email="x<script>xss(7)</script>@example.com")
    mint_token(world.db, world.owner, description=PAYLOAD[:100])
    world.db.flush()
    wheel = make_wheel(PROJECT, "3.0", summary=PAYLOAD, description=MARKDOWN, keywords=PAYLOAD)
    sdist = make_sdist(
        PROJECT, "3.1", summary=PAYLOAD, description=RST, description_content_type="text/x-rst"
    )
    for dist in (wheel, sdist):
        response = world.request(
            "POST",
            "/legacy/",
            "user-token",
            params=dist.form(author=PAYLOAD, license=PAYLOAD, maintainer=PAYLOAD),
            upload_files=[("content", dist.filename, dist.content)],
        )
        assert response.status_code == 200, response.text
    # reStructuredText's raw HTML directive is off: such a description is refused.
    raw = make_sdist(
        PROJECT,
        "3.2",
        description=f".. raw:: html\n\n   {PAYLOAD}\n",
        description_content_type="text/x-rst",
    )
    refused = world.request(
        "POST",
        "/legacy/",
        "user-token",
        params=raw.fields,
        upload_files=[("content", raw.filename, raw.content)],
    )
    assert refused.status_code == 400 and "raw" in refused.text
    # URLs that uploads refuse, as a row could still hold them (older data, an import).
    project = world.db.query(Project).filter_by(name=PROJECT).one()
    ReleaseFactory(
        project=project,
        version="4.0",
        canonical_version=canonicalize_version("4.0"),
        summary=PAYLOAD,
        home_page="javascript:xss(8)",
        download_url="JavaScript:xss(9)",
        project_urls=[f"{PAYLOAD}, javascript:xss(10)", "Docs, https://docs.example"],
        description=MARKDOWN,
        description_content_type="text/markdown",
        rendered_description=None,
        sort_key=99,
    )
    world.db.flush()


def test_no_user_html_is_rendered(world: World, figure: Callable[[str], None]):
    _seed(world)
    registry = world.app.app.registry
    targets: list[tuple[str, str]] = []
    for route, method in sorted(registered_views(registry)):
        if method != "GET":
            continue
        url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
        targets += [(url, auth) for auth in ("anonymous", "session", "admin-session")]
    for version in ("3.0", "3.1", "4.0"):
        targets.append((f"/project/{PROJECT}/{version}/", "anonymous"))
    payload = quote(PAYLOAD, safe="")
    targets += [
        (f"/search/?q={payload}", "anonymous"),
        (f"/account/login/?next={payload}", "anonymous"),
        (f"/project/{payload}/", "anonymous"),
        (f"/simple/{payload}/", "anonymous"),
        (f"/admin/user/{payload}/", "admin-session"),
        ("/admin/?q=" + payload, "admin-session"),
    ]
    pages = shown_escaped = 0
    live = []
    for url, auth in targets:
        response = world.request("GET", url, auth)
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        pages += 1
        text = response.text
        if "&lt;script&gt;xss(" in text or "&lt;script&gt;xss(&#39;" in text:
            shown_escaped += 1
        live += [f"{url} as {auth}: {found}" for found in live_markup(text)]
    assert live == []
    assert shown_escaped >= 10, "the payload was displayed (escaped) on too few pages"
    figure(
        f"escaping: payload in name, email, token description, summary, author, license, "
        f"keywords, Markdown/RST descriptions, javascript: URLs, query and path; {pages} HTML "
        f"pages swept, showing it escaped: {shown_escaped}, live markup or javascript: links: 0"
    )


def test_detector_sees_live_markup():
    assert live_markup('<a href=" JaVa\tScript:x()">x</a>')
    assert live_markup("<img src=x onerror=y()>")
    assert live_markup("<script>x()</script>")
    assert not live_markup('&lt;script&gt;x() <script src="/static/copy.js"></script>')


def test_emails_escape_user_text(world: World, outbox: Callable[[], list]):
    response = world.request(
        "POST",
        "/manage/account/token/",
        "session",
        params=[("description", PAYLOAD[:100]), ("token_scope", "scope:user"), ("expires", "")],
    )
    assert response.status_code == 200, response.text[:500]
    [mail] = [m for m in outbox() if "token" in m.subject.lower()]
    assert "&lt;script&gt;" in mail.html
    assert live_markup(mail.html) == []
