"""atheris fuzz targets: each takes libFuzzer's bytes and must not raise anything but the module's
own error type (a crash is reported by libFuzzer and fails the run).

    archive   wheel / sdist inspection of arbitrary bytes (half of them mutated real archives)
    metadata  the upload form -> RawMetadata -> validation -> filename check -> description
    token     API token parsing, signature and caveat checks, caveat wire forms
    http      whole requests (route, method, path, query, headers, body) to the WSGI app on a
              throwaway SQLite database; any 500 is a crash
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import atheris

from warehouse_lite.sessions import get_session_store

with atheris.instrument_imports(include=["warehouse_lite"]):
    from webob import Request
    from webob.multidict import MultiDict

    from warehouse_lite.forklift import archives
    from warehouse_lite.forklift.description import render_description
    from warehouse_lite.forklift.errors import UploadError
    from warehouse_lite.forklift.filenames import check_filename
    from warehouse_lite.forklift.form import LIST_FIELDS, STRING_FIELDS, parse_upload_form
    from warehouse_lite.forklift.metadata import validate_metadata
    from warehouse_lite.macaroons import caveats as cv
    from warehouse_lite.macaroons.tokens import InvalidMacaroon, parse_token

FIELDS = [
    *STRING_FIELDS,
    *LIST_FIELDS,
    "keywords",
    "project_urls",
    "filetype",
    "pyversion",
    "sha256_digest",
    "protocol_version",
]


def _seed_archives() -> list[bytes]:
    from tests.common.dists import make_sdist, make_wheel

    return [make_wheel("sample", "1.0").content, make_sdist("sample", "1.0").content]


SEEDS: list[bytes] = []
META = None


def archive(data: bytes) -> None:
    global META
    if META is None:
        META = validate_metadata({"metadata_version": "2.4", "name": "sample", "version": "1.0"})  # type: ignore[arg-type]
        SEEDS.extend(_seed_archives())
    fdp = atheris.FuzzedDataProvider(data)
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind >= 2:
        # A real archive with a few bytes replaced: reaches deeper than random bytes.
        base = bytearray(SEEDS[kind - 2])
        for _ in range(fdp.ConsumeIntInRange(0, 8)):
            base[fdp.ConsumeIntInRange(0, len(base) - 1)] = fdp.ConsumeInt(1) & 0xFF
        blob = bytes(base[: fdp.ConsumeIntInRange(0, len(base))])
    else:
        blob = fdp.ConsumeBytes(fdp.remaining_bytes())
    inspect = archives.inspect_wheel if kind % 2 == 0 else archives.inspect_sdist
    name = "sample-1.0-py3-none-any.whl" if kind % 2 == 0 else "sample-1.0.tar.gz"
    with contextlib.suppress(UploadError):
        inspect(io.BytesIO(blob), name, len(blob), META)


def metadata(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    post = MultiDict()
    for _ in range(fdp.ConsumeIntInRange(0, 12)):
        key = FIELDS[fdp.ConsumeIntInRange(0, len(FIELDS) - 1)]
        post.add(key, fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40)))
    filename = fdp.ConsumeUnicodeNoSurrogates(40)
    post.add("content", SimpleNamespace(file=io.BytesIO(b"x"), filename=filename))
    try:
        form = parse_upload_form(post)
        meta = validate_metadata(form.raw)
        strict = fdp.ConsumeBool()
        check_filename(
            form.filename,
            form.filetype,
            form.pyversion,
            meta,
            strict_sdist_names=strict,
            allow_linux_wheels=not strict,
        )
        render_description(form.raw.get("description"), form.raw.get("description_content_type"))
    except UploadError:
        pass


def token(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    choice = fdp.ConsumeIntInRange(0, 2)
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    if choice == 0:
        with contextlib.suppress(InvalidMacaroon):
            parse_token("pypi-" + text)
        return
    try:
        caveat = cv.deserialize(text) if choice == 1 else cv.from_json(json.loads(text))
    except (cv.CaveatError, ValueError):
        return
    result = cv.verify_all([caveat], cv.Target(now=0, user_id="u", project_name="p"))
    assert isinstance(result, cv.Success | cv.Failure)


class _Http:
    """The real app on a throwaway SQLite database, with one user, one project, a session."""

    def __init__(self) -> None:
        from sqlalchemy.orm import Session

        from tests.common.dists import make_wheel
        from warehouse_lite import migrations
        from warehouse_lite.accounts.services import UserService
        from warehouse_lite.config import make_wsgi_app
        from warehouse_lite.db import make_engine
        from warehouse_lite.settings import load_settings

        root = Path(tempfile.mkdtemp(prefix="wl-fuzz-"))
        settings = load_settings(
            {},
            env="test",
            var_dir=root,
            session_secret="f" * 40,
            token_secret="g" * 40,
            site_url="http://localhost",
            celery_eager=True,
            mail_backend="outbox",
        )
        engine = make_engine(settings)
        migrations.upgrade(engine)
        with Session(engine) as db, db.begin():
            UserService(db).create_user(
                "fuzzer", "", "fuzz password 1", "f@example.com", verified=True
            )
        self.app = make_wsgi_app(settings, engine=engine)
        self.routes = [
            r.pattern
            for r in self.app.registry.getUtility(
                __import__("pyramid.interfaces").interfaces.IRoutesMapper
            ).get_routes()
        ]
        import base64

        import webtest

        dist = make_wheel("fuzzed", "1.0")
        auth = base64.b64encode(b"fuzzer:fuzz password 1").decode()
        webtest.TestApp(self.app, extra_environ={"HTTP_HOST": "localhost"}).post(
            "/legacy/",
            params=dist.fields,
            upload_files=[("content", dist.filename, dist.content)],
            headers={"Authorization": f"Basic {auth}"},
        )
        self.csrf = "fuzz-csrf-token"
        store = get_session_store(self.app.registry)
        store.save("fuzzsession", {"_csrft_": self.csrf, "_created": 2e9}, 3600)
        from itsdangerous import Signer

        self.cookie = (
            Signer(settings.session_secret, salt="warehouse_lite.session")
            .sign("fuzzsession")
            .decode()
        )

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes, content_type: str
    ) -> int:
        request = Request.blank(
            path, method=method, environ={"REMOTE_ADDR": "192.0.2.1", "HTTP_HOST": "localhost"}
        )
        for key, value in headers.items():
            request.headers[key] = value
        if method != "GET":
            request.body = body
            request.content_type = content_type
        return request.get_response(self.app).status_code


HTTP: _Http | None = None
HEADER_NAMES = [
    "Authorization",
    "Accept",
    "Range",
    "If-None-Match",
    "Content-Type",
    "X-Forwarded-For",
    "Referer",
    "User-Agent",
]
STATUS_500: list[int] = []


def http(data: bytes) -> None:
    global HTTP
    if HTTP is None:
        HTTP = _Http()
    fdp = atheris.FuzzedDataProvider(data)
    pattern = HTTP.routes[fdp.ConsumeIntInRange(0, len(HTTP.routes) - 1)]
    # Fill each {placeholder} with fuzz, percent-encoded so the URL stays a URL.
    from urllib.parse import quote

    def piece(limit: int) -> bytes:
        # Mostly text (so that decoding succeeds and the views run), sometimes raw bytes.
        if fdp.ConsumeIntInRange(0, 3):
            return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, limit)).encode()
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, limit))

    path = ""
    for part in pattern.replace("}", "{").split("{"):
        if ":" in part or part.isidentifier():
            path += quote(piece(20), safe="") if fdp.ConsumeBool() else "fuzzed"
        else:
            path += part
    if fdp.ConsumeBool():
        path += "?" + quote(piece(60), safe="=&")
    method = ["GET", "POST", "HEAD", "PUT"][fdp.ConsumeIntInRange(0, 3)]
    headers = {}
    for _ in range(fdp.ConsumeIntInRange(0, 3)):
        name = HEADER_NAMES[fdp.ConsumeIntInRange(0, len(HEADER_NAMES) - 1)]
        headers[name] = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 60)).decode("latin-1")
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    # A session with a known CSRF token, so that POSTs get past the CSRF check into the views.
    headers["Cookie"] = f"session_id={HTTP.cookie}"
    body = b"csrf_token=" + HTTP.csrf.encode() + b"&" + body
    content_type = [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
    ][len(body) % 4]
    status = HTTP.request(method, path or "/", headers, body, content_type)
    if status >= 500 and status != 503:
        raise RuntimeError(f"{status} for {method} {path!r} {headers!r} {body[:200]!r}")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "archive": archive,
    "metadata": metadata,
    "token": token,
    "http": http,
}
os.environ.setdefault("WAREHOUSE_ENV", "test")
