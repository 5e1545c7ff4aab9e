"""The files directory fills up under a running server (nginx → gunicorn, FILES_DIR on a
2 MiB tmpfs): uploads that do not fit get a 507 with a message, not nginx's bare 502; nothing
of them is kept (no row, no object, no empty directory); reads keep working; once there is
room again the same upload succeeds.

Mounting needs root (CI runs as root); elsewhere tests/functional/forklift/
test_storage_errors.py covers the same answers with an injected error.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.common.dists import Dist, make_wheel
from tests.e2e.servers import LiveServer
from tests.reliability.live import make_account, project_state, sha256, upload
from tests.reliability.pgcluster import PostgresCluster

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")

STANDARD_REASONS = {"Bad Gateway", "Internal Server Error", "Service Unavailable", ""}


@pytest.fixture(scope="module")
def small_disk(
    pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    work_dir = Path(tmp_path_factory.mktemp("reliability-full"))
    files_dir = work_dir / "files"
    files_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(files_dir)], check=True)
    try:
        db_url = pg_cluster.create_database()
        with LiveServer(db_url, work_dir, workers=2, proxy=True).running() as server:
            yield server
    finally:
        subprocess.run(["umount", str(files_dir)], check=True)


def _has_message(response: requests.Response) -> bool:
    """A person can tell from the answer what went wrong (twine shows the reason phrase)."""
    return response.reason not in STANDARD_REASONS and response.reason in response.text


def test_uploads_to_a_full_disk_are_refused_with_a_message(
    small_disk: LiveServer, figure: Callable[[str], None]
) -> None:
    live = small_disk
    files_dir = Path(live.env["FILES_DIR"])
    account = make_account(live.db_url, "full")
    name = f"full-{account.username[-8:]}"
    rng = random.Random(20)
    accepted: list[Dist] = []
    refused: list[tuple[Dist, requests.Response]] = []
    for n in range(12):  # 2 MiB hold four or five of these
        dist = make_wheel(name, f"1.{n}", members={"full/blob.bin": rng.randbytes(400_000)})
        response = upload(live.url, dist, account.token_auth)
        if response.status_code == 200:
            accepted.append(dist)
        else:
            refused.append((dist, response))
            if len(refused) == 3:
                break
    assert accepted and refused, (len(accepted), [r.status_code for _, r in refused])
    statuses = {response.status_code for _, response in refused}
    without_message = [r for _, r in refused if r.status_code >= 500 and not _has_message(r)]
    assert statuses == {507}, [(r.status_code, r.reason) for _, r in refused]
    assert without_message == []
    for _, response in refused:
        assert "cannot store files right now: its storage is full" in response.reason

    # Nothing of the refused uploads: no row, no object, no temporary file, no empty directory.
    rows = project_state(live.db_url, name)["files"]
    assert set(rows) == {d.filename for d in accepted}
    objects = {p.relative_to(files_dir) for p in files_dir.rglob("*") if p.is_file()}
    assert objects == {Path(path) for _, path in rows.values()} | {
        Path(path + ".metadata") for _, path in rows.values()
    }
    empty = [p for p in files_dir.rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == []

    # Reads keep working while the disk is full.
    listing = requests.get(
        f"{live.url}/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    assert listing.status_code == 200
    assert {f["filename"] for f in listing.json()["files"]} == {d.filename for d in accepted}
    for file in listing.json()["files"]:
        served = requests.get(f"{live.url}{file['url']}", timeout=30)
        assert served.status_code == 200 and sha256(served.content) == file["hashes"]["sha256"]
    assert requests.get(f"{live.url}/pypi/{name}/json", timeout=30).status_code == 200

    # With room again, the refused upload goes through.
    subprocess.run(["mount", "-o", "remount,size=16m", str(files_dir)], check=True)
    retry = upload(live.url, refused[0][0], account.token_auth)
    assert retry.status_code == 200, (retry.status_code, retry.reason)
    figure(
        f"5xx without a message per fault: {len(without_message)} of {len(refused)} (files "
        f"directory full, 2 MiB tmpfs behind nginx: {len(accepted)} uploads accepted, "
        f"{len(refused)} answered 507 with a message, rows or objects left by them: 0, reads "
        f"during it: all 200, retry with room again: 200)"
    )
