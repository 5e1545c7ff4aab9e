"""Faults under a running server: a worker killed mid-upload, PostgreSQL restarted, Redis
stopped, the SMTP server down. After each, the server must be whole again by itself."""

from __future__ import annotations

import base64
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.common.dists import Dist, make_sdist, make_wheel
from tests.e2e.servers import BIN, LiveServer, wait_for_port
from tests.reliability.live import (
    PASSWORD,
    Account,
    live_db,
    make_account,
    project_state,
    sha256,
    stored_objects,
    temporary_objects,
    upload,
)
from tests.reliability.pgcluster import PostgresCluster
from tests.reliability.procs import children, holder_of_connection
from warehouse_lite.email.models import OutgoingEmail


def _prepared(base: str, dist: Dist, headers: dict[str, str]) -> requests.PreparedRequest:
    return requests.Request(
        "POST",
        f"{base}/legacy/",
        data=dist.fields,
        files={"content": (dist.filename, dist.content, "application/octet-stream")},
        headers=headers,
    ).prepare()


def _raw_request(prepared: requests.PreparedRequest, port: int) -> tuple[bytes, bytes]:
    head = f"POST /legacy/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n"
    for key, value in prepared.headers.items():
        head += f"{key}: {value}\r\n"
    body = prepared.body
    assert isinstance(body, bytes)
    return (head + "\r\n").encode(), body


def _workers(live: LiveServer) -> list[int]:
    master = live.process("gunicorn").popen
    assert master is not None
    return children(master.pid)


def _wait_for_workers(live: LiveServer, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(_workers(live)) < count:
        assert time.monotonic() < deadline, "gunicorn did not replace its killed worker"
        time.sleep(0.1)


def _visible(live: LiveServer, name: str, dist: Dist) -> bool:
    """Whether the index lists or serves ``dist`` in any way."""
    listing = requests.get(
        f"{live.url}/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    listed = listing.status_code == 200 and any(
        f["filename"] == dist.filename for f in listing.json()["files"]
    )
    state = project_state(live.db_url, name)
    return listed or dist.filename in state["files"]


def _objects_named(files_dir: Path, filename: str) -> set[str]:
    return {p for p in stored_objects(files_dir) if p.rpartition("/")[2].startswith(filename)}


def test_worker_killed_mid_upload(live: LiveServer, figure: Callable[[str], None]):
    """SIGKILL the worker that is handling an upload: while it reads the body, and at random
    moments after the whole body was sent. Either the file is fully there (row and bytes) or
    it is not there at all; the client's retry then succeeds."""
    account = make_account(live.db_url, "killed")
    name = f"killed-{account.username[-8:]}"
    assert upload(live.url, make_sdist(name, "0.1"), account.token_auth).status_code == 200
    files_dir = Path(live.env["FILES_DIR"])
    rng = random.Random(7)
    kills = half_done = orphans = committed = 0
    trials = ["mid-body"] + ["after-body"] * 5
    for trial, when in enumerate(trials):
        blob = rng.randbytes(1_500_000)
        dist = make_wheel(name, f"1.{trial}", members={"killed/blob.bin": blob})
        head, body = _raw_request(_prepared(live.url, dist, account.token_auth), live.port)
        workers = _workers(live)
        with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
            if when == "mid-body":
                sock.sendall(head + body[: len(body) // 2])
            else:
                sock.sendall(head + body)
            pid = holder_of_connection(workers, live.port, sock.getsockname()[1])
            assert pid is not None or when == "after-body", "no worker took the upload"
            if when == "after-body":
                time.sleep(rng.uniform(0, 0.15))
            try:
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    kills += 1
            except ProcessLookupError:
                pass  # it had answered and moved on: the kill came after the upload
            sock.settimeout(30)
            try:
                answer = sock.recv(65536)
            except ConnectionResetError:
                answer = b""
        state = project_state(live.db_url, name)
        if dist.filename in state["files"]:
            # Committed before the kill: then it must be whole and served.
            committed += 1
            digest, path = state["files"][dist.filename]
            served = requests.get(f"{live.url}/packages/{path}", timeout=30)
            assert served.status_code == 200 and sha256(served.content) == digest == dist.sha256
        else:
            assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]
            assert not _visible(live, name, dist)
            if _objects_named(files_dir, dist.filename):
                orphans += 1  # bytes renamed into place, but the row never committed
        _wait_for_workers(live, live.workers)
        retry = upload(live.url, dist, account.token_auth)
        assert retry.status_code == 200, (retry.status_code, retry.reason)
        digest, path = project_state(live.db_url, name)["files"][dist.filename]
        assert sha256(requests.get(f"{live.url}/packages/{path}", timeout=30).content) == digest
    state = project_state(live.db_url, name)
    for digest, path in state["files"].values():
        if sha256((files_dir / path).read_bytes()) != digest:
            half_done += 1
    assert half_done == 0
    leftovers = len(temporary_objects(files_dir))
    figure(
        f"workers SIGKILLed mid-upload: {kills} ({committed} had committed first), rows "
        f"without a complete file: {half_done}, "
        f"killed uploads visible in the index: 0, unreferenced objects left: {orphans}, "
        f"temporary files left: {leftovers}, retries succeeded: {len(trials)}"
    )


def test_storage_check_finds_and_sweeps_abandoned_temporary_files(
    live: LiveServer, figure: Callable[[str], None]
):
    """What a killed upload leaves (a temporary file beside its target) is listed by
    `warehouse-lite storage check` on the live PostgreSQL database and removed by --fix once
    it is old enough; a recent one (perhaps being written) is left alone."""
    files_dir = Path(live.env["FILES_DIR"])
    planted = files_dir / "ab" / "cd" / ("e" * 60) / ".upload-killed.tmp"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(b"half of an upload")
    recent = planted.with_name(".upload-recent.tmp")
    recent.write_bytes(b"being written")
    hour_ago = time.time() - 3700
    leftovers = sorted(temporary_objects(files_dir) - {str(recent.relative_to(files_dir))})
    for path in leftovers:  # the killed uploads' too, if the test above left any
        os.utime(files_dir / path, (hour_ago, hour_ago))

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(BIN / "warehouse-lite"), "storage", "check", *args]
        return subprocess.run(command, env=live.env, capture_output=True, text=True, timeout=120)

    found = check()
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"abandoned temporary files (--fix removes them): {len(leftovers)}" in found.stdout
    for path in leftovers:
        assert f"  {path}\n" in found.stdout
    fixed = check("--fix")
    assert f"removed {len(leftovers)} abandoned temporary files" in fixed.stdout
    assert temporary_objects(files_dir) == {str(recent.relative_to(files_dir))}
    recent.unlink()
    figure(
        f"abandoned temporary files listed by storage check: {len(leftovers)}, left after "
        f"--fix: 0, recent ones removed: 0"
    )


@dataclass
class Outcome:
    started: float
    finished: float
    status: int
    what: str


def _traffic(live: LiveServer, account: Account, name: str, stop: threading.Event) -> list[Outcome]:
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def record(started: float, status: int, what: str) -> None:
        with lock:
            outcomes.append(Outcome(started, time.monotonic(), status, what))

    def reader(path: str) -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = requests.get(f"{live.url}{path}", timeout=30).status_code
            except requests.RequestException:
                status = 599
            record(started, status, path)
            time.sleep(0.02)

    def uploader() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            started = time.monotonic()
            try:
                status = upload(
                    live.url, make_sdist(name, f"2.{n}"), account.token_auth
                ).status_code
            except requests.RequestException:
                status = 599
            record(started, status, "upload")
            time.sleep(0.05)

    threads = [
        threading.Thread(target=reader, args=(f"/simple/{name}/",)),
        threading.Thread(target=reader, args=(f"/pypi/{name}/json",)),
        threading.Thread(target=reader, args=(f"/project/{name}/",)),
        threading.Thread(target=uploader),
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_postgres_restarted(
    live: LiveServer, pg_cluster: PostgresCluster, figure: Callable[[str], None]
):
    account = make_account(live.db_url, "pgrestart")
    name = f"pgrestart-{account.username[-8:]}"
    assert upload(live.url, make_sdist(name, "0.1"), account.token_auth).status_code == 200
    stop = threading.Event()
    result: list[Outcome] = []
    runner = threading.Thread(target=lambda: result.extend(_traffic(live, account, name, stop)))
    runner.start()
    time.sleep(1.5)
    down_at = time.monotonic()
    pg_cluster.stop("fast")
    time.sleep(1.5)  # down for a while: requests meanwhile find no server at all
    pg_cluster.start()
    up_at = time.monotonic()
    time.sleep(3)
    stop.set()
    runner.join(timeout=120)

    # The window: requests that were in flight while PostgreSQL was going down or starting.
    window = [o for o in result if o.finished >= down_at and o.started <= up_at]
    before = [o for o in result if o.finished < down_at]
    after = [o for o in result if o.started > up_at]
    bad_after = [o for o in after if o.status >= 500]
    bad_before = [o for o in before if o.status >= 500]
    assert bad_before == [] and bad_after == [], (bad_before[:3], bad_after[:3])
    assert after and all(o.status == 200 for o in after), [o for o in after if o.status != 200][:3]
    errors_in_window = [o for o in window if o.status >= 500]
    assert errors_in_window, "no request met the stopped database"
    assert all(o.status == 503 for o in errors_in_window), errors_in_window[:5]
    figure(
        f"requests around a PostgreSQL stop + start ({up_at - down_at:.1f} s down): "
        f"{len(result)}; "
        f"in the restart window: {len(window)} ({len(errors_in_window)} answered 503); "
        f"after it: {len(after)}, 5xx after it: {len(bad_after)}, 500s: 0"
    )


def _stop_redis(live: LiveServer) -> None:
    live.process("redis").stop()


def _start_redis(live: LiveServer) -> None:
    redis_proc = live.process("redis")
    popen = redis_proc.start()
    port = int(live.env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    wait_for_port(port, process=popen)


def test_redis_stopped(live: LiveServer, figure: Callable[[str], None]):
    """Sessions, rate limits and the Celery broker live in Redis. Without it the index and
    token uploads keep working; what needs it answers a clear 503; all recovers after."""
    account = make_account(live.db_url, "redis")
    name = f"redisdown-{account.username[-8:]}"
    assert upload(live.url, make_sdist(name, "0.1"), account.token_auth).status_code == 200
    browser = requests.Session()
    assert browser.get(f"{live.url}/account/login/", timeout=30).status_code == 200
    assert browser.cookies.get("session_id")
    password_auth = "Basic " + base64.b64encode(f"{account.username}:{PASSWORD}".encode()).decode()

    _stop_redis(live)
    try:
        checks: dict[str, int] = {}
        for i in range(3):
            checks[f"simple index {i}"] = requests.get(
                f"{live.url}/simple/", timeout=30
            ).status_code
            checks[f"simple page {i}"] = requests.get(
                f"{live.url}/simple/{name}/", timeout=30
            ).status_code
            checks[f"file list JSON {i}"] = requests.get(
                f"{live.url}/pypi/{name}/json", timeout=30
            ).status_code
        checks["token upload"] = upload(
            live.url, make_sdist(name, "1.0"), account.token_auth
        ).status_code
        password_upload = upload(
            live.url, make_sdist(name, "1.1"), {"Authorization": password_auth}
        )
        with_session = browser.get(f"{live.url}/account/login/", timeout=30)
    finally:
        _start_redis(live)

    assert all(status == 200 for status in checks.values()), checks
    # Rate limits (password uploads) and sessions fail closed, with a message.
    assert password_upload.status_code == 503, password_upload.status_code
    assert "temporarily unavailable" in password_upload.reason
    assert with_session.status_code == 503, with_session.status_code

    recovered = upload(live.url, make_sdist(name, "1.1"), {"Authorization": password_auth})
    assert recovered.status_code == 200, recovered.reason
    assert browser.get(f"{live.url}/account/login/", timeout=30).status_code == 200
    figure(
        f"with Redis down: index/API requests 200: {len(checks) - 1}/{len(checks) - 1}, token "
        f"uploads 200: 1/1, password upload and session page 503: 2/2, 500s: 0; after it "
        f"returned: password upload 200, session page 200"
    )


def test_smtp_down_emails_retried(live: LiveServer, figure: Callable[[str], None]):
    """Emails queued while the SMTP server is down are tried again from the outbox and
    delivered once it is back: every one, and each once (Message-IDs are unique at the
    receiver)."""
    account = make_account(live.db_url, "smtp")
    address = f"{account.username}@example.com"
    browser = requests.Session()
    page = browser.get(f"{live.url}/account/login/", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    login = browser.post(
        f"{live.url}/account/login/",
        data={"csrf_token": csrf.group(1), "username": account.username, "password": PASSWORD},
        timeout=30,
    )
    assert "/account/login/" not in login.url
    count = 4
    before = len(live.mailbox.messages)
    live.smtp.stop()
    try:
        for i in range(count):
            page = browser.get(f"{live.url}/manage/account/token/", timeout=30)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            created = browser.post(
                f"{live.url}/manage/account/token/",
                data={
                    "csrf_token": csrf.group(1),
                    "description": f"while smtp is down {i}",
                    "token_scope": "scope:user",
                    "expires": "",
                },
                timeout=30,
            )
            assert created.status_code == 200, created.text[:1000]
        time.sleep(4)  # Celery tries, fails, and schedules retries meanwhile
        delivered_while_down = [
            m for m in live.mailbox.messages[before:] if address in str(m["To"])
        ]
        assert delivered_while_down == []
    finally:
        live.smtp.start()

    deadline = time.monotonic() + 90
    mine: list = []
    while time.monotonic() < deadline:
        mine = [m for m in live.mailbox.messages[before:] if address in str(m["To"])]
        if len(mine) >= count:
            break
        time.sleep(0.5)
    time.sleep(3)  # a duplicate would arrive about now
    mine = [m for m in live.mailbox.messages[before:] if address in str(m["To"])]
    ids = [str(m["Message-ID"]) for m in mine]
    retries = _failed_attempts(live.db_url, address)
    assert len(mine) == count, [m["Subject"] for m in mine]
    assert len(set(ids)) == count
    assert retries >= count
    figure(
        f"emails queued while SMTP was down: {count}, delivered after it returned: "
        f"{len(mine)}, lost: {count - len(mine)}, duplicates: {len(ids) - len(set(ids))}, "
        f"failed attempts before: {retries}"
    )


def _failed_attempts(db_url: str, address: str) -> int:
    """Attempts beyond the one that succeeded, over the outbox rows to ``address``."""
    with live_db(db_url) as db:
        rows = db.scalars(select(OutgoingEmail).where(OutgoingEmail.to_address == address))
        return sum(row.attempts - (1 if row.sent else 0) for row in rows)


@pytest.fixture(autouse=True)
def _server_whole_again(live: LiveServer):
    """After each fault test every worker is back, so the next one starts from a whole stack."""
    yield
    _wait_for_workers(live, live.workers)
