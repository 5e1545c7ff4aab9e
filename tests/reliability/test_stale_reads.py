"""Reads through nginx racing uploads: no answer that starts after an upload's 200 may miss
its file, whether nginx answers from a published page or the app answers.

Two uploaders add files to one project while readers ask nginx for its simple page as fast as
they can. A read is stale when it started after some upload had been answered 200 and does not
list that file. Every answer must also carry X-PyPI-Last-Serial, equal to the serial in the
page it came with (PEP 691 JSON has it as meta._last-serial).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from tests.common.dists import make_wheel
from tests.e2e.servers import LiveServer
from tests.reliability.live import make_account, upload
from warehouse_lite.ops.nginx_config import KNOWN_ACCEPT_HEADERS

UPLOADERS = 2
UPLOADS_EACH = 100
READERS = 8
PIP_ACCEPT = KNOWN_ACCEPT_HEADERS[5]


@dataclass(frozen=True)
class Read:
    started: float
    files: frozenset[str]
    by_nginx: bool
    header_serial: str | None
    page_serial: int


def test_no_read_through_nginx_misses_an_acknowledged_upload(
    live_behind_nginx: LiveServer, figure: Callable[[str], None]
) -> None:
    live = live_behind_nginx
    account = make_account(live.db_url, "stale")
    name = f"stale-{account.username[-8:]}"
    first = make_wheel(name, "0.1")
    assert upload(live.url, first, account.token_auth).status_code == 200
    acknowledged: list[tuple[float, str]] = []  # (when the 200 arrived, filename)
    reads: list[Read] = []
    failures: list[str] = []
    lock = threading.Lock()
    uploads_done = threading.Event()

    def uploader(number: int) -> None:
        with requests.Session() as session:
            for n in range(UPLOADS_EACH):
                dist = make_wheel(name, f"{number + 1}.{n}")
                response = session.post(
                    f"{live.url}/legacy/",
                    data=dist.fields,
                    files={"content": (dist.filename, dist.content, "application/octet-stream")},
                    headers=account.token_auth,
                    timeout=60,
                )
                answered = time.monotonic()
                with lock:
                    if response.status_code != 200:
                        failures.append(f"upload {dist.filename}: {response.status_code}")
                    else:
                        acknowledged.append((answered, dist.filename))

    def reader() -> None:
        with requests.Session() as session:
            while not uploads_done.is_set():
                started = time.monotonic()
                response = session.get(
                    f"{live.url}/simple/{name}/", headers={"Accept": PIP_ACCEPT}, timeout=60
                )
                if response.status_code != 200:
                    with lock:
                        failures.append(f"read: {response.status_code}")
                    continue
                page = response.json()
                read = Read(
                    started,
                    frozenset(f["filename"] for f in page["files"]),
                    # nginx adds Last-Modified (the file's mtime); the app never does.
                    "Last-Modified" in response.headers,
                    response.headers.get("X-PyPI-Last-Serial"),
                    page["meta"]["_last-serial"],
                )
                with lock:
                    reads.append(read)

    uploaders = [threading.Thread(target=uploader, args=(n,)) for n in range(UPLOADERS)]
    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in readers + uploaders:
        thread.start()
    for thread in uploaders:
        thread.join()
    uploads_done.set()
    for thread in readers:
        thread.join()

    assert failures == [], failures[:5]
    assert len(acknowledged) == UPLOADERS * UPLOADS_EACH
    acknowledged.sort()
    stale = [r for r in reads if _missed(r, acknowledged)]
    by_nginx = sum(r.by_nginx for r in reads)
    wrong_serial = [r for r in reads if r.header_serial != str(r.page_serial)]
    figure(
        f"stale reads per {len(reads)} through nginx: {len(stale)} ({by_nginx} answered by "
        f"nginx, {len(reads) - by_nginx} by the app; {len(acknowledged)} uploads by "
        f"{UPLOADERS} uploaders, {READERS} readers); answers whose X-PyPI-Last-Serial is not "
        f"their page's serial: {len(wrong_serial)}"
    )
    assert stale == [], [(r.started, sorted(r.files)[-3:]) for r in stale[:3]]
    assert wrong_serial == [], wrong_serial[:3]
    # Otherwise the test would prove nothing about nginx.
    assert by_nginx >= len(reads) // 4, (by_nginx, len(reads))


def _missed(read: Read, acknowledged: list[tuple[float, str]]) -> bool:
    """Whether ``read`` started after a 200 and lacks that upload's file."""
    for answered, filename in acknowledged:
        if answered >= read.started:
            return False
        if filename not in read.files:
            return True
    return False
