"""Uploads that race each other on gunicorn with 4 workers and PostgreSQL.

Each test releases its clients at the same moment (a barrier), then checks the database, the
file storage and the index: one project and one Owner, every accepted file recorded once and
served with its hash, nothing else stored; and that a revoked token stops at the commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import text

from tests.common.dists import Dist, make_old_style_sdist, make_sdist, make_wheel
from tests.e2e.servers import LiveServer
from tests.reliability.live import (
    PASSWORD,
    Account,
    live_db,
    make_account,
    project_state,
    sha256,
    stored_objects,
    upload,
)

CLIENTS = 16


def race(dists: list[Dist], headers: dict[str, str], base: str) -> list[requests.Response]:
    """Upload every dist from its own thread, all released at once."""
    barrier = threading.Barrier(len(dists))

    def send(dist: Dist) -> requests.Response:
        barrier.wait()
        return upload(base, dist, headers)

    with ThreadPoolExecutor(max_workers=len(dists)) as pool:
        return list(pool.map(send, dists))


def served(base: str, name: str) -> dict[str, str]:
    """filename -> sha256 of every file /simple/<name>/ lists (PEP 691 JSON)."""
    response = requests.get(
        f"{base}/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    if response.status_code == 404:
        return {}
    response.raise_for_status()
    return {f["filename"]: f["hashes"]["sha256"] for f in response.json()["files"]}


def downloaded_sha256(base: str, path: str) -> str:
    response = requests.get(f"{base}/packages/{path}", timeout=30)
    response.raise_for_status()
    return sha256(response.content)


def project_objects(files_dir: Path, filenames: set[str]) -> set[str]:
    """Stored objects (and PEP 658 .metadata) that belong to one of ``filenames``."""
    return {
        p
        for p in stored_objects(files_dir)
        if p.rpartition("/")[2].removesuffix(".metadata") in filenames
    }


def _files_dir(live: LiveServer) -> Path:
    return Path(live.env["FILES_DIR"])


def test_distinct_files_to_one_new_project(live: LiveServer, figure: Callable[[str], None]):
    owner = make_account(live.db_url, "racer")
    name = f"race-new-{owner.username[-8:]}"
    dists = []
    for i in range(CLIENTS // 2):
        dists.append(make_sdist(name, f"1.{i}"))
        dists.append(make_wheel(name, f"1.{i}"))

    responses = race(dists, owner.token_auth, live.url)

    statuses = [r.status_code for r in responses]
    assert statuses == [200] * CLIENTS, [(r.status_code, r.reason) for r in responses]
    state = project_state(live.db_url, name)
    assert state["projects"] == 1
    assert state["roles"] == [(owner.username, "Owner")]
    expected = {d.filename: d.sha256 for d in dists}
    recorded = {filename: digest for filename, (digest, _) in state["files"].items()}
    assert recorded == expected
    assert served(live.url, name) == expected
    lost = [
        f
        for f, (digest, path) in state["files"].items()
        if downloaded_sha256(live.url, path) != digest
    ]
    assert lost == []
    # Exactly the accepted files (+ the wheels' PEP 658 metadata) are in storage.
    paths = {path for _, path in state["files"].values()}
    wheel_metadata = {p + ".metadata" for p in paths if p.endswith(".whl")}
    assert project_objects(_files_dir(live), set(expected)) == paths | wheel_metadata
    figure(
        f"uploads raced: {CLIENTS} (distinct files, one new project), projects: "
        f"{state['projects']}, owner roles: {len(state['roles'])}, files recorded: "
        f"{len(recorded)}, files lost: {len(lost) + len(set(expected) - set(recorded))}"
    )


def _variants(name: str, kind: str) -> list[Dist]:
    """CLIENTS files with one filename and different contents."""
    make = make_sdist if kind == "sdist" else make_wheel
    return [
        make(name, "1.0", members={"extra.txt": f"client {i}\n".encode()}) for i in range(CLIENTS)
    ]


def _check_one_winner(
    live: LiveServer, name: str, dists: list[Dist], responses: list[requests.Response]
) -> int:
    winners = [d for d, r in zip(dists, responses, strict=True) if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1, [(r.status_code, r.reason) for r in responses]
    assert all(r.status_code == 400 and "File already exists" in r.reason for r in losers), [
        (r.status_code, r.reason) for r in losers
    ]
    [winner] = winners
    state = project_state(live.db_url, name)
    assert state["projects"] == 1 and len(state["roles"]) == 1
    assert list(state["files"]) == [winner.filename]
    digest, path = state["files"][winner.filename]
    assert digest == winner.sha256
    assert served(live.url, name) == {winner.filename: winner.sha256}
    assert downloaded_sha256(live.url, path) == winner.sha256
    # The losers' bytes were never kept: one object (and its metadata for a wheel).
    objects = project_objects(_files_dir(live), {winner.filename})
    assert objects == ({path, path + ".metadata"} if path.endswith(".whl") else {path})
    return len(losers)


def test_same_filename_different_content(live: LiveServer, figure: Callable[[str], None]):
    owner = make_account(live.db_url, "samename")
    refused = 0
    for kind in ("sdist", "wheel"):
        name = f"race-same-{kind}-{owner.username[-8:]}"
        dists = _variants(name, kind)
        refused += _check_one_winner(live, name, dists, race(dists, owner.token_auth, live.url))
    figure(
        f"same filename, different content: {2 * CLIENTS} uploads raced (sdist and wheel, "
        f"new projects), accepted: 2, refused 'File already exists': {refused}, 500s: 0"
    )


def test_identical_file_uploaded_at_once(live: LiveServer, figure: Callable[[str], None]):
    """Re-uploading the very same file is a no-op 200, also when the copies race."""
    owner = make_account(live.db_url, "identical")
    name = f"race-identical-{owner.username[-8:]}"
    dist = make_wheel(name, "1.0")
    responses = race([dist] * CLIENTS, owner.token_auth, live.url)
    assert [r.status_code for r in responses] == [200] * CLIENTS, [
        (r.status_code, r.reason) for r in responses
    ]
    state = project_state(live.db_url, name)
    assert state["projects"] == 1
    assert {f: d for f, (d, _) in state["files"].items()} == {dist.filename: dist.sha256}
    figure(f"identical file uploaded {CLIENTS}x at once: 200s: {CLIENTS}, rows: 1")


def test_old_style_sdists_raced_send_one_notice(live: LiveServer, figure: Callable[[str], None]):
    """Sdists named by an old setuptools, uploaded at once to one new project: all accepted,
    one notice row, one email (the unique (project, kind) row decides who sends it)."""
    owner = make_account(live.db_url, "oldnames")
    address = f"{owner.username}@example.com"
    name = f"Race.Old-{owner.username[-8:]}"
    dists = [make_old_style_sdist(name, f"1.{i}") for i in range(CLIENTS)]

    responses = race(dists, owner.token_auth, live.url)

    assert [r.status_code for r in responses] == [200] * CLIENTS, [
        (r.status_code, r.reason) for r in responses
    ]
    with live_db(live.db_url) as db:
        notices = db.execute(
            text(
                "SELECT n.filename FROM upload_notices n JOIN projects p ON p.id = n.project_id "
                "WHERE p.name = :name"
            ),
            {"name": name},
        ).all()
    assert len(notices) == 1
    # Another project's notice, sent after the race, comes through the same (solo) worker
    # queue behind any of the first project's: once it is here, they all are.
    sentinel = f"Race.Sentinel-{owner.username[-8:]}"
    assert upload(live.url, make_old_style_sdist(sentinel, "1.0"), owner.token_auth).ok
    live.mailbox.to(address, f"Deprecated sdist filename in {sentinel}", timeout=60)
    emails = [
        m
        for m in live.mailbox.messages
        if address in str(m["To"]) and f"Deprecated sdist filename in {name}" in str(m["Subject"])
    ]
    assert len(emails) == 1
    figure(
        f"old-style sdists raced to one new project: {CLIENTS}, accepted: {CLIENTS}, "
        f"notice rows: {len(notices)}, deprecation emails: {len(emails)}"
    )


@dataclass
class Attempt:
    started: float
    finished: float
    status: int
    reason: str
    filename: str


def _login(base: str, username: str) -> requests.Session:
    import re

    browser = requests.Session()
    page = browser.get(f"{base}/account/login/", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    response = browser.post(
        f"{base}/account/login/",
        data={"csrf_token": csrf.group(1), "username": username, "password": PASSWORD},
        timeout=30,
    )
    assert "/account/login/" not in response.url, response.text[:2000]
    return browser


def _revoke(base: str, browser: requests.Session, account: Account) -> None:
    import re

    page = browser.get(f"{base}/manage/account/token/", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    response = browser.post(
        f"{base}/manage/account/token/delete",
        data={
            "csrf_token": csrf.group(1),
            "macaroon_id": str(account.macaroon_id),
            "password": PASSWORD,
        },
        timeout=60,
    )
    assert response.status_code == 200 and "removed" in response.text, response.text[:2000]


def test_token_revoked_while_in_use(live: LiveServer, figure: Callable[[str], None]):
    """Uploads with a token keep coming while its owner revokes it on the token page. Commit
    timestamps (track_commit_timestamp) order the revocation against every upload: none may
    commit after it, and every upload that starts after the revocation answered is refused."""
    account = make_account(live.db_url, "revoke")
    name = f"race-revoke-{account.username[-8:]}"
    first = make_sdist(name, "0.1")
    assert upload(live.url, first, account.token_auth).status_code == 200
    browser = _login(live.url, account.username)

    attempts: list[Attempt] = []
    lock = threading.Lock()
    stop = threading.Event()
    successes = threading.Semaphore(0)

    def uploader(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            dist = make_wheel(name, f"{worker + 1}.{n}")
            started = time.monotonic()
            response = upload(live.url, dist, account.token_auth)
            with lock:
                attempts.append(
                    Attempt(
                        started,
                        time.monotonic(),
                        response.status_code,
                        response.reason,
                        dist.filename,
                    )
                )
            if response.status_code == 200:
                successes.release()
            else:
                time.sleep(0.02)

    threads = [threading.Thread(target=uploader, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(12):
            assert successes.acquire(timeout=60), "uploads with the token do not succeed"
        _revoke(live.url, browser, account)
        revoked_at = time.monotonic()
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    with live_db(live.db_url) as db:
        revoke_commit = db.execute(
            text(
                "SELECT pg_xact_commit_timestamp(xmin) FROM user_events "
                "WHERE tag = 'account:api_token:removed' AND additional->>'macaroon_id' = :id"
            ),
            {"id": str(account.macaroon_id)},
        ).scalar_one()
        commits = dict(
            db.execute(
                text(
                    "SELECT f.filename, pg_xact_commit_timestamp(f.xmin) FROM release_files f "
                    "JOIN projects p ON p.id = f.project_id WHERE p.normalized_name = :name"
                ),
                {"name": name},
            ).all()
        )
    late = sorted(f for f, committed in commits.items() if committed > revoke_commit)
    accepted = [a for a in attempts if a.status == 200]
    after = [a for a in attempts if a.started > revoked_at]
    errors = [a for a in attempts if a.status >= 500]
    assert late == [], f"uploads committed after the token was revoked: {late}"
    assert errors == []
    assert after and all(a.status == 403 and "revoked" in a.reason for a in after), after[:3]
    assert {a.filename for a in accepted} <= set(commits), "an accepted upload has no row"
    figure(
        f"token uploads around its revocation: {len(attempts)} ({len(accepted)} accepted, "
        f"{len(after)} started after it and refused), committed after the revocation: "
        f"{len(late)}, accepted but lost: 0, 500s: {len(errors)}"
    )
