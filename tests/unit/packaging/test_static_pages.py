"""StaticPages: pages placed only after the re-check, under the key's lock; withdrawal."""

from __future__ import annotations

import fcntl
import gzip
import os
import threading
from pathlib import Path

import pytest

from warehouse_lite.packaging.page_locks import ALL, STRIPES, _stripe_name
from warehouse_lite.packaging.static_pages import StaticPages, version_name

JSON = "application/vnd.pypi.simple.v1+json"


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def publish(pages: StaticPages, name: str | None, body: bytes, serial: int = 7, **kw) -> bool:
    kw.setdefault("still_current", lambda: True)
    return pages.publish(name, JSON, body, serial=serial, state=("id", serial), **kw)


def test_publish_links_the_page_and_its_gzip_twin(tmp_path):
    pages = StaticPages(tmp_path)
    assert publish(pages, "demo", b"{}")
    version = version_name(7, ("id", 7))
    assert version.startswith("7-")
    directory = tmp_path / "pages" / "demo" / version
    assert os.readlink(tmp_path / "links" / "demo") == f"../pages/demo/{version}"
    assert (pages.published_dir("demo") / "index.v1json").read_bytes() == b"{}"
    assert gzip.decompress((directory / "index.v1json.gz").read_bytes()) == b"{}"
    assert (directory / "index.v1json").stat().st_mode & 0o777 == 0o644
    for path in (tmp_path / "links", tmp_path / "pages", tmp_path / "pages" / "demo", directory):
        assert path.stat().st_mode & 0o777 == 0o755
    assert not [p for p in listing(tmp_path) if ".tmp-" in p]
    assert pages.is_published("demo", JSON) and not pages.is_published("demo", "text/html")


def test_the_project_list_has_its_own_key(tmp_path):
    pages = StaticPages(tmp_path)
    assert publish(pages, None, b"[]", serial=3)
    assert (tmp_path / "links" / "_index" / "index.v1json").read_bytes() == b"[]"
    with pytest.raises(ValueError):
        pages.published_dir("../etc")


def test_nothing_is_visible_before_the_re_check_passes(tmp_path):
    """The page is placed after the committed serial was read again, never before: a page
    rendered before a change must not be served even for a moment."""
    pages = StaticPages(tmp_path)
    seen_during_check: list[set[str]] = []

    def still_current() -> bool:
        seen_during_check.append(listing(tmp_path / "links"))
        return False

    assert not publish(pages, "demo", b"old", still_current=still_current)
    assert seen_during_check == [set()]
    assert not pages.is_published("demo", JSON)


def test_a_newer_state_moves_the_link_and_drops_the_old_page(tmp_path):
    pages = StaticPages(tmp_path)
    publish(pages, "demo", b"one", serial=7)
    pages.publish(
        "demo", "text/html", b"<one>", serial=7, state=("id", 7), still_current=lambda: True
    )
    assert publish(pages, "demo", b"two", serial=9)
    assert (pages.published_dir("demo") / "index.v1json").read_bytes() == b"two"
    # The HTML variant belonged to the old state: it went with it.
    assert not pages.is_published("demo", "text/html")
    assert os.listdir(tmp_path / "pages" / "demo") == [version_name(9, ("id", 9))]


def test_forget_removes_every_variant_and_clear_everything_but_the_locks(tmp_path):
    pages = StaticPages(tmp_path)
    for name in ("demo", "other"):
        publish(pages, name, b"x")
        pages.publish(
            name, "text/html", b"x", serial=7, state=("id", 7), still_current=lambda: True
        )
    pages.forget("demo")
    pages.forget("never-published")
    assert not pages.is_published("demo", "text/html") and not pages.is_published("demo", JSON)
    assert not (tmp_path / "pages" / "demo").exists()
    assert pages.is_published("other", "text/html")
    (tmp_path / "simple" / "old").mkdir(parents=True)  # the layout of earlier releases
    pages.clear()
    assert {p.split("/")[0] for p in listing(tmp_path)} == {"locks"}
    assert len(os.listdir(tmp_path / "locks")) == STRIPES + 1


def _held(lock_file: Path, operation: int) -> bool:
    """Whether someone else holds ``lock_file`` so that ``operation`` would wait."""
    fd = os.open(lock_file, os.O_RDONLY)
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_re_check_and_the_placing_hold_the_locks_withdrawal_and_clear_take(tmp_path):
    """A withdrawal (after a change committed) cannot run between a publisher's re-check and
    its placing, nor can clear(): whichever comes second sees the other's result."""
    pages = StaticPages(tmp_path)
    pages.forget("demo")  # creates the lock files
    locks = tmp_path / "locks"
    checked, go_on = threading.Event(), threading.Event()
    held: dict[str, bool] = {}

    def still_current() -> bool:
        checked.set()
        go_on.wait()
        return True

    publisher = threading.Thread(
        target=publish, args=(pages, "demo", b"x"), kwargs={"still_current": still_current}
    )
    publisher.start()
    checked.wait()
    held["key"] = _held(locks / _stripe_name("demo"), fcntl.LOCK_EX)
    held["clear"] = _held(locks / ALL, fcntl.LOCK_EX)
    held["other publishers"] = _held(locks / ALL, fcntl.LOCK_SH)
    go_on.set()
    publisher.join()
    assert held == {"key": True, "clear": True, "other publishers": False}
    assert not _held(locks / _stripe_name("demo"), fcntl.LOCK_EX)
    pages.forget("demo")
    assert not pages.is_published("demo", JSON)


def test_a_withdrawal_waits_for_a_publisher_and_then_removes_its_page(tmp_path):
    pages = StaticPages(tmp_path)
    checked, go_on = threading.Event(), threading.Event()
    withdrawn = threading.Event()

    def still_current() -> bool:
        checked.set()
        go_on.wait()
        return True

    def withdraw() -> None:
        pages.forget("demo")
        withdrawn.set()

    publisher = threading.Thread(
        target=publish, args=(pages, "demo", b"x"), kwargs={"still_current": still_current}
    )
    publisher.start()
    checked.wait()
    withdrawer = threading.Thread(target=withdraw)
    withdrawer.start()
    finished_early = withdrawn.is_set()
    go_on.set()
    publisher.join()
    withdrawer.join()
    assert not finished_early
    assert not pages.is_published("demo", JSON)


def test_a_failed_write_links_nothing_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    pages = StaticPages(tmp_path)
    real_replace = os.replace

    def fail(source: str, target: object) -> None:
        if str(target).endswith("index.v1json"):
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        publish(pages, "demo", b"x")
    assert not (tmp_path / "links" / "demo").exists()
    assert not [p for p in listing(tmp_path) if ".tmp-" in p]


def test_lock_files_are_usable_by_other_users(tmp_path):
    old = os.umask(0o077)
    try:
        StaticPages(tmp_path).forget(None)
    finally:
        os.umask(old)
    modes = {
        (tmp_path / "locks" / name).stat().st_mode & 0o777
        for name in os.listdir(tmp_path / "locks")
    }
    assert modes == {0o644}


def test_clear_works_where_no_lock_file_can_be_made(tmp_path, monkeypatch):
    """gunicorn clears the pages when it starts: a full disk must not stop it."""
    pages = StaticPages(tmp_path)
    (tmp_path / "links" / "demo").mkdir(parents=True)
    (tmp_path / "links" / "demo" / "index.html").write_text("old")

    def full(self: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("warehouse_lite.packaging.page_locks.PageLocks._create", full)
    pages.clear()
    assert not (tmp_path / "links").exists()
