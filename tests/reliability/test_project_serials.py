"""Project management actions racing each other on one project (gunicorn, 4 workers, real
PostgreSQL): the project's serial only ever grows, and its journal entries commit in the
order of their serials, as mirrors reading the journal assume.

Each action journals a change, and the journal entry's id becomes the project's
last_serial. Without the project's row lock two actions can take their ids in one order and
commit in the other, so last_serial would step back for a moment (or for good).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable

import requests
from sqlalchemy import create_engine, select, text

from tests.e2e.servers import LiveServer
from tests.reliability.live import PASSWORD, live_db, make_account
from warehouse_lite.packaging.models import Project, Release, Role, RoleName

TOGGLERS = 4
CYCLES = 10  # yank + unyank each
DELETERS = 2
DELETIONS = 4


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def _login(base: str, username: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    page = browser.get(f"{base}/account/login/", timeout=30)
    done = browser.post(
        f"{base}/account/login/",
        data={"csrf_token": _csrf(page.text), "username": username, "password": PASSWORD},
        timeout=30,
    )
    assert done.status_code == 200 and "/account/login/" not in done.url, done.url
    return browser, _csrf(browser.get(f"{base}/manage/projects/", timeout=30).text)


def _seed(db_url: str, owner_id: object, name: str, versions: list[str]) -> None:
    with live_db(db_url) as db:
        project = Project(name=name, normalized_name=name)
        project.roles.append(Role(user_id=owner_id, role_name=RoleName.OWNER))
        for version in versions:
            project.releases.append(
                Release(version=version, canonical_version=version, metadata_version="2.4")
            )
        db.add(project)


def test_concurrent_project_changes_never_move_the_serial_back(
    live: LiveServer, figure: Callable[[str], None]
) -> None:
    account = make_account(live.db_url, "serials")
    name = f"serials-{account.username[-8:]}"
    toggled = [f"1.{n}" for n in range(TOGGLERS)]
    deleted = [f"2.{n}" for n in range(DELETERS * DELETIONS)]
    _seed(live.db_url, account.user_id, name, toggled + deleted)
    base = f"{live.url}/manage/project/{name}/release"
    failures: list[str] = []
    observed: list[int] = []
    done = threading.Event()

    def act(browser: requests.Session, url: str, data: dict[str, str], expect: str) -> None:
        response = browser.post(url, data=data, timeout=60)
        if response.status_code != 200 or expect not in response.text:
            failures.append(f"{url}: {response.status_code}")

    def toggler(version: str) -> None:
        browser, csrf = _login(live.url, account.username)
        for _ in range(CYCLES):
            act(browser, f"{base}/{version}/yank", {"csrf_token": csrf}, "was yanked")
            act(browser, f"{base}/{version}/unyank", {"csrf_token": csrf}, "was un-yanked")

    def deleter(versions: list[str]) -> None:
        browser, csrf = _login(live.url, account.username)
        for version in versions:
            data = {"csrf_token": csrf, "confirm_version": version}
            act(browser, f"{base}/{version}/delete", data, "were deleted")

    def monitor() -> None:
        engine = create_engine(live.db_url, isolation_level="AUTOCOMMIT")
        query = text("SELECT last_serial FROM projects WHERE normalized_name = :name")
        with engine.connect() as conn:
            while not done.is_set():
                observed.append(int(conn.execute(query, {"name": name}).scalar_one()))
                time.sleep(0.002)
        engine.dispose()

    workers = [threading.Thread(target=toggler, args=(v,)) for v in toggled] + [
        threading.Thread(target=deleter, args=(deleted[n::DELETERS],)) for n in range(DELETERS)
    ]
    watcher = threading.Thread(target=monitor)
    watcher.start()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    done.set()
    watcher.join()
    assert failures == [], failures[:5]

    steps_back = [(a, b) for a, b in itertools.pairwise(observed) if b < a]
    with live_db(live.db_url) as db:
        last_serial = db.scalar(select(Project.last_serial).where(Project.normalized_name == name))
        # Commit times of the project's journal entries, in serial order.
        commits = db.execute(
            text(
                "SELECT id, pg_xact_commit_timestamp(xmin) FROM journals WHERE name = :name "
                "ORDER BY id"
            ),
            {"name": name},
        ).all()
    out_of_order = [(a[0], b[0]) for a, b in itertools.pairwise(commits) if b[1] < a[1]]
    actions = TOGGLERS * CYCLES * 2 + DELETERS * DELETIONS
    figure(
        f"project changes raced: {actions} ({TOGGLERS} yank/unyank loops, {DELETERS} "
        f"deleters), last_serial read {len(observed)} times: steps back {len(steps_back)}, "
        f"journal entries committed out of serial order: {len(out_of_order)}, final "
        f"last_serial is the newest entry: {last_serial == commits[-1][0]}"
    )
    assert len(commits) == actions
    assert steps_back == []
    assert out_of_order == []
    assert last_serial == commits[-1][0]
