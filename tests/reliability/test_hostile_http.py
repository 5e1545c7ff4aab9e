"""Hostile HTTP requests to every view of the WSGI app (through webtest): broken encodings,
NUL bytes, huge values, malformed headers and bodies. Each must get an answer below 500.

Each view is called as someone it serves (the owner's session, an admin for /admin/, a
pending login for the second step, a token for uploads) with a valid CSRF token, so that
the hostile parts reach the view's own code rather than stopping at the door.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.security.routes import registered_views, url_for
from tests.security.test_matrix import ADMIN, LOGIN_STEP, MATRIX, PROJECT_OWNER, UPLOAD
from tests.security.world import CSRF_PLACEHOLDER, World

HUGE = "A" * 200_000
PATH_VALUES = [
    "%00",
    "%ff%fe",
    "x" * 3000,
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3E",
    "%C0%AE",
    "%C3%A9",
    "a%0Ab",
]
QUERIES = [
    "next=%ff&token=%00",
    "q=" + "A" * 100_000,
    "page=-1",
    "page=999999999999999999999999",
    "format=%ff",
    "&".join(f"a{i}=1" for i in range(2000)),
    "%ff=%fe&%00=%00",
    "token=" + "x" * 20_000,
    "next=//evil.example/&next=javascript:alert(1)",
]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


HEADERS: list[dict[str, str]] = [
    {"Authorization": "Basic %%%"},
    {"Authorization": "Basic " + b64(b"\xff\xfe:\x00\x00")},
    {"Authorization": "Basic " + b64(b"__token__:pypi-AAAA")},
    {"Authorization": "Basic " + b64(b"__token__:" + b"pypi-" + b"A" * 20_000)},
    {"Authorization": "token pypi-" + "\u00ff" * 100},
    {"Authorization": "Bearer " + HUGE},
    {"Authorization": "Digest username=x"},
    {"Cookie": "session_id=" + "A" * 8000},
    {"Cookie": "session_id=garbage.signature; session_id=other"},
    {"Accept": "*/*;q=garbage, application/json;;;q=2"},
    {"Accept": "\u00ff\u00fe/\u00fd"},
    {"Range": "bytes=99999999999999999999999-"},
    {"Range": "bytes=5-1,-0,abc"},
    {"If-None-Match": '"\u00ff", W/"x'},
    {"If-Modified-Since": "not a date"},
    {"X-Forwarded-For": "1.2.3.4, <script>"},
    {"User-Agent": HUGE},
    {"Referer": "javascript:alert(1)"},
]


@dataclass
class Body:
    content_type: str
    body: bytes
    label: str = ""


def _multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"XxX") -> bytes:
    out = b""
    for head, value in parts:
        out += b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def _bodies() -> list[Body]:
    token = CSRF_PLACEHOLDER
    disposition = b'Content-Disposition: form-data; name="'
    return [
        Body("application/x-www-form-urlencoded", b"csrf_token=" + token + b"&%%%&=&a=%ff%fe"),
        Body("application/x-www-form-urlencoded", b"csrf_token=" + token + b"&a=\x00\xff" * 500),
        Body(
            "application/x-www-form-urlencoded",
            b"csrf_token=" + token + b"".join(b"&f%d=%d" % (i, i) for i in range(5000)),
        ),
        Body(
            "application/x-www-form-urlencoded",
            b"csrf_token=" + token + b"&username=" + b"A" * 300_000 + b"&password=\x00",
        ),
        Body(
            "multipart/form-data; boundary=XxX",
            _multipart(
                [
                    (disposition + b'csrf_token"', token),
                    (disposition + b':action"', b"file_upload"),
                    (disposition + b'name"', b"\xff\xfe\x00bad"),
                    (disposition + b'version"', b"1.0\x00"),
                    (disposition + b'content"; filename="\xff.whl"', b"PK\x03\x04garbage"),
                ]
            ),
        ),
        Body(
            "multipart/form-data; boundary=XxX",
            b'--XxX\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token,
            "truncated multipart",
        ),
        Body("multipart/form-data", b"no boundary at all", "multipart without boundary"),
        Body("multipart/form-data; boundary=" + "b" * 5000, b"--" + b"b" * 5000),
        Body("application/json", b'{"csrf_token": "' + token + b'", "id": [[[[[[[[[[]]]]]]]]]]}'),
        Body("application/json", b"\xff\xfe{{{" + b"[" * 10_000),
        Body("text/plain; charset=utf-16", b"\xff\xfe\x00\xd8"),
        # XML (the XML-RPC endpoint): entity expansion, deep nesting, a forged fault.
        Body(
            "text/xml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;'
            b'&a;&a;&a;&a;&a;">]><methodCall><methodName>&b;</methodName></methodCall>',
            "xml entities",
        ),
        Body("text/xml", b"<methodCall>" + b"<value><array><data>" * 3000, "deep xml"),
        Body(
            "text/xml",
            b"<methodResponse><fault><value><struct><member><name>x</name><value>1</value>"
            b"</member></struct></value></fault></methodResponse>",
            "xml fault",
        ),
    ]


def _auth_for(route: str, method: str) -> str:
    access = MATRIX[(route, method)]
    if access is ADMIN:
        return "admin-session"
    if access is LOGIN_STEP:
        return "pending-2fa"
    if access is UPLOAD:
        return "user-token"
    if access is PROJECT_OWNER:
        return "session"
    return "session" if access.get("session") == "allow" else "anonymous"


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)


def _cases(
    world: World, route: str, method: str
) -> Iterator[tuple[str, dict[str, str], Body | None]]:
    registry = world.app.app.registry
    url = url_for(registry, route, username=world.owner.username, file_path=world.file_path)
    mapper_route = registry.getUtility(
        __import__("pyramid.interfaces").interfaces.IRoutesMapper
    ).get_route(route)
    has_params = "{" in mapper_route.pattern
    urls = [url]
    if has_params:
        prefix = mapper_route.pattern.split("{")[0]
        urls += [prefix + value + "/" for value in PATH_VALUES]
    for target in urls:
        yield target, {}, None
    for query in QUERIES:
        yield f"{url}?{query}", {}, None
    for headers in HEADERS:
        yield url, headers, None


def test_hostile_requests_to_every_view(world: World, figure: Callable[[str], None]):
    tally = Tally()
    views = sorted(registered_views(world.app.app.registry))
    for route, method in views:
        auth = _auth_for(route, method)
        for url, headers, _ in _cases(world, route, method):
            response = world.request(method, url, auth, headers=headers)
            tally.requests += 1
            if response.status_code >= 500 and response.status_code != 503:
                tally.errors.append(f"{method} {url[:120]} {list(headers)}: {response.status}")
        if method == "POST":
            for body in _bodies():
                target = url_for(
                    world.app.app.registry,
                    route,
                    username=world.owner.username,
                    file_path=world.file_path,
                )
                response = world.request(
                    "POST", target, auth, body=body.body, content_type=body.content_type
                )
                tally.requests += 1
                if response.status_code >= 500 and response.status_code != 503:
                    tally.errors.append(
                        f"POST {route} {body.label or body.content_type}: {response.status}"
                    )
    assert tally.errors == []
    figure(
        f"hostile HTTP requests: {tally.requests} over {len(views)} views (bad encodings, NUL "
        f"bytes, huge values, malformed headers and bodies), 500s: {len(tally.errors)}"
    )


def test_undecodable_requests_are_400(world: World):
    """Defects found by the sweep above, each pinned down: WebOb decodes lazily and raised
    UnicodeDecodeError/ValueError out of views, and out of the error page itself."""
    bad_query = world.request("GET", "/account/login/?next=%ff", "anonymous")
    assert bad_query.status_code == 400 and "not valid UTF-8" in bad_query.text
    bad_form = world.request(
        "POST", "/account/login/", "anonymous", body=b"a=%ff", content_type="multipart/form-data"
    )
    assert bad_form.status_code == 400 and "cannot be parsed" in bad_form.text
    # The input guard reads every query string before routing, so this is refused as
    # undecodable before it can be a 404 (and never a 500 from the error page).
    not_found = world.request("GET", "/no/such/page/?q=%ff", "anonymous")
    assert not_found.status_code == 400 and "not valid UTF-8" in not_found.text
    upload = world.request(
        "POST",
        "/legacy/",
        "user-token",
        body=b"csrf_token=x&:action=file_upload&name=%ff",
        content_type="application/x-www-form-urlencoded",
    )
    assert upload.status_code == 400
