"""nginx in front, answering /simple/ from the pages the app publishes (SIMPLE_PAGES_DIR).

The live server runs as docs/deployment.md describes: nginx (configured by
`warehouse-lite nginx-config`) → gunicorn. These tests prove that a published page is never
staler than the app's own answer, and that both paths answer alike.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from urllib3 import encode_multipart_formdata

from tests.common.dists import Dist, make_wheel
from tests.e2e.servers import LiveServer
from warehouse_lite.ops.nginx_config import KNOWN_ACCEPT_HEADERS

USER, PASSWORD = "pages-user", "pages-Pa55word-e2e"
ADMIN = "pages-admin"
PIP_ACCEPT = KNOWN_ACCEPT_HEADERS[5]


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def upload(server: LiveServer, dist: Dist) -> None:
    fields = [*dist.fields, ("content", (dist.filename, dist.content))]
    body, content_type = encode_multipart_formdata(fields)
    credentials = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        server.url + "/legacy/",
        data=body,
        headers={"Content-Type": content_type, "Authorization": f"Basic {credentials}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def published(server: LiveServer, name: str | None) -> set[str]:
    from warehouse_lite.packaging.static_pages import StaticPages

    assert server.pages_dir is not None
    directory = StaticPages(server.pages_dir).published_dir(name)
    return set(os.listdir(directory)) if directory.exists() else set()


def from_nginx(headers: dict[str, str]) -> bool:
    # nginx answers with the file's own Last-Modified; the app never sends one.
    return "Last-Modified" in headers


@pytest.fixture(scope="module")
def server(live_server: LiveServer) -> LiveServer:
    assert live_server.proxy, "the e2e server runs behind nginx (conftest.py)"
    for name in (USER, ADMIN):
        live_server.create_user(name, PASSWORD, f"{name}@example.com", admin=name == ADMIN)
    return live_server


def page_files(server: LiveServer, name: str) -> set[str]:
    status, _, body = fetch(f"{server.url}/simple/{name}/", Accept=PIP_ACCEPT)
    assert status == 200
    return {f["filename"] for f in json.loads(body)["files"]}


def test_a_page_is_published_then_served_by_nginx(server: LiveServer) -> None:
    upload(server, make_wheel("pages-first", "1.0"))
    url = f"{server.url}/simple/pages-first/"
    status, headers, body = fetch(url, Accept=PIP_ACCEPT)
    assert status == 200 and not from_nginx(headers)
    assert published(server, "pages-first") == {"index.v1json", "index.v1json.gz"}

    status, again_headers, again = fetch(url, Accept=PIP_ACCEPT)
    assert status == 200 and from_nginx(again_headers), list(again_headers.items())
    assert again == body
    assert again_headers["Content-Type"] == "application/vnd.pypi.simple.v1+json"
    for name in (
        "Cache-Control",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-PyPI-Last-Serial",
    ):
        assert again_headers[name] == headers[name]
    assert "Accept" in again_headers["Vary"]

    _, app_list_headers, _ = fetch(f"{server.url}/simple/")  # the project list is published too
    status, list_headers, listing = fetch(f"{server.url}/simple/")
    assert status == 200 and from_nginx(list_headers) and b"pages-first" in listing
    assert list_headers["X-PyPI-Last-Serial"] == app_list_headers["X-PyPI-Last-Serial"]


def test_nginx_sends_the_serial_of_the_page_it_serves(server: LiveServer) -> None:
    """Mirrors compare X-PyPI-Last-Serial: nginx sends it too, from the published page's
    directory, so it always belongs to the body it comes with."""
    upload(server, make_wheel("pages-serial", "1.0"))
    url = f"{server.url}/simple/pages-serial/"
    serials = []
    for version in ("2.0", "3.0"):
        for _ in range(2):  # the app publishes, then nginx answers
            status, headers, body = fetch(url, Accept=PIP_ACCEPT)
        assert status == 200 and from_nginx(headers)
        assert headers["X-PyPI-Last-Serial"] == str(json.loads(body)["meta"]["_last-serial"])
        serials.append(int(headers["X-PyPI-Last-Serial"]))
        upload(server, make_wheel("pages-serial", version))
    assert serials[0] < serials[1]
    for _ in range(2):
        status, headers, body = fetch(f"{server.url}/simple/", Accept=PIP_ACCEPT)
    assert status == 200 and from_nginx(headers)
    assert headers["X-PyPI-Last-Serial"] == str(json.loads(body)["meta"]["_last-serial"])


def test_every_change_shows_at_once(server: LiveServer) -> None:
    upload(server, make_wheel("pages-change", "1.0"))
    assert page_files(server, "pages-change") == {"pages_change-1.0-py3-none-any.whl"}
    assert page_files(server, "pages-change") == {"pages_change-1.0-py3-none-any.whl"}
    assert published(server, "pages-change")

    for n in range(2, 6):  # each read right after the upload's response
        upload(server, make_wheel("pages-change", f"{n}.0"))
        assert f"pages_change-{n}.0-py3-none-any.whl" in page_files(server, "pages-change")

    _, _, listing = fetch(f"{server.url}/simple/")
    assert b"pages-change" in listing
    server.run_cli(
        "admin", "remove-project", "pages-change", "--yes", "--reason", "e2e", "--admin", ADMIN
    )
    status, _, _ = fetch(f"{server.url}/simple/pages-change/", Accept=PIP_ACCEPT)
    assert status == 404
    _, _, listing = fetch(f"{server.url}/simple/")
    assert b"pages-change" not in listing


@pytest.mark.parametrize(
    "accept", [*KNOWN_ACCEPT_HEADERS, "application/json", "text/plain", "text/html;q=0.5, */*"]
)
def test_nginx_and_the_app_negotiate_alike(server: LiveServer, accept: str) -> None:
    if not published(server, "pages-first"):
        upload(server, make_wheel("pages-first", "1.0"))
    headers = {"Accept": accept} if accept else {}
    app_url = f"http://127.0.0.1:{server.app_port}/simple/pages-first/"
    for _ in range(2):  # the first request may publish; the second is nginx's if published
        status, got, body = fetch(f"{server.url}/simple/pages-first/", **headers)
    expected_status, expected, expected_body = fetch(app_url, **headers)
    assert status == expected_status
    assert got.get("Content-Type") == expected.get("Content-Type")
    assert body == expected_body


def test_gzip_twin_and_no_stale_304s(server: LiveServer) -> None:
    upload(server, make_wheel("pages-gzip", "1.0"))
    url = f"{server.url}/simple/pages-gzip/"
    _, _, plain = fetch(url)  # publishes the HTML page
    status, headers, body = fetch(url, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    # nginx's validators (mtime in seconds, size) could match a different page published
    # within the same second, so published pages are always sent in full.
    assert "ETag" not in headers
    status, _, again = fetch(url, **{"If-Modified-Since": headers["Last-Modified"]})
    assert status == 200 and again == plain


def test_reads_while_pages_are_withdrawn_never_fail(server: LiveServer) -> None:
    """A page withdrawn between nginx's existence check and its open goes to the app: the
    files are deleted here as fast as record_journal would on a very busy project."""
    from warehouse_lite.packaging.static_pages import StaticPages

    assert server.pages_dir is not None
    upload(server, make_wheel("pages-busy", "1.0"))
    url = f"{server.url}/simple/pages-busy/"
    pages = StaticPages(server.pages_dir)
    statuses: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            statuses.append(fetch(url, Accept=PIP_ACCEPT)[0])

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + 4
    try:
        while time.monotonic() < deadline:
            pages.forget("pages-busy")
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert len(statuses) > 100 and set(statuses) == {200}, Counter(statuses)


def test_other_spellings_and_queries_go_to_the_app(server: LiveServer) -> None:
    upload(server, make_wheel("pages-spelling", "1.0"))
    fetch(f"{server.url}/simple/pages-spelling/")
    request = urllib.request.Request(f"{server.url}/simple/Pages_Spelling/")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=30)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].endswith("/simple/pages-spelling/")
    query = "?format=" + quote(PIP_ACCEPT[:35])
    status, headers, _ = fetch(f"{server.url}/simple/pages-spelling/{query}")
    assert status == 200 and not from_nginx(headers)
    assert headers["Content-Type"] == "application/vnd.pypi.simple.v1+json"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_dead_worker_takes_the_published_pages_with_it(server: LiveServer) -> None:
    """A worker killed between its commit and its after-commit unlink must not leave a
    stale page behind: gunicorn's master clears the directory when any worker exits."""
    upload(server, make_wheel("pages-crash", "1.0"))
    fetch(f"{server.url}/simple/pages-crash/")
    assert published(server, "pages-crash")
    workers = _gunicorn_workers(server)
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while published(server, "pages-crash") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not published(server, "pages-crash")
    status, _, _ = fetch(f"{server.url}/simple/pages-crash/")
    assert status == 200


def _gunicorn_workers(server: LiveServer) -> list[int]:
    popen = server.process("gunicorn").popen
    assert popen is not None
    master = popen.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert children, "gunicorn has no workers"
    return [int(pid) for pid in children]
