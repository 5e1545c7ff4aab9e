"""gunicorn hooks: published simple pages do not survive a restart or a worker's death."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse_lite import gunicorn_conf


@pytest.mark.parametrize("hook", ["on_starting", "child_exit"])
def test_hooks_clear_the_published_pages(hook, tmp_path: Path, monkeypatch) -> None:
    from warehouse_lite.packaging.static_pages import StaticPages

    StaticPages(tmp_path).publish(
        "demo", "text/html", b"possibly stale", serial=1, state=(1,), still_current=lambda: True
    )
    page = StaticPages(tmp_path).published_dir("demo") / "index.html"
    assert page.exists()
    monkeypatch.setenv("WAREHOUSE_ENV", "development")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SIMPLE_PAGES_DIR", str(tmp_path))

    args = (None,) if hook == "on_starting" else (None, None)
    getattr(gunicorn_conf, hook)(*args)

    assert not page.exists()


def test_without_a_pages_directory_the_hooks_do_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WAREHOUSE_ENV", "development")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SIMPLE_PAGES_DIR", raising=False)
    gunicorn_conf.child_exit(None, None)
    assert not (tmp_path / "simple").exists()
