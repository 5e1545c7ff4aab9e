"""StaticPages: atomic publishing, the re-check after the rename, withdrawal."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from warehouse_lite.packaging.static_pages import StaticPages


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def test_publish_writes_the_page_and_its_gzip_twin(tmp_path):
    pages = StaticPages(tmp_path)
    assert pages.publish("demo", "application/vnd.pypi.simple.v1+json", b"{}", lambda: True)
    page = tmp_path / "simple" / "demo" / "index.v1json"
    assert page.read_bytes() == b"{}"
    assert gzip.decompress(page.with_name("index.v1json.gz").read_bytes()) == b"{}"
    assert page.stat().st_mode & 0o777 == 0o644
    assert not [p for p in page.parent.iterdir() if p.name.startswith(".tmp-")]


def test_a_page_no_longer_current_after_the_rename_is_removed(tmp_path):
    pages = StaticPages(tmp_path)
    assert not pages.publish(None, "text/html", b"<html>", lambda: False)
    assert listing(tmp_path) == {"simple"}


def test_forget_removes_every_variant_and_clear_everything(tmp_path):
    pages = StaticPages(tmp_path)
    for content_type in ("text/html", "application/vnd.pypi.simple.v1+json"):
        pages.publish("demo", content_type, b"x", lambda: True)
        pages.publish("other", content_type, b"x", lambda: True)
    pages.forget("demo")
    pages.forget("never-published")
    assert not pages.is_published("demo", "text/html")
    assert pages.is_published("other", "text/html")
    pages.clear()
    assert listing(tmp_path) == set()


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    pages = StaticPages(tmp_path)

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        pages.publish("demo", "text/html", b"x", lambda: True)
    assert listing(tmp_path / "simple" / "demo") == set()
