"""Rendered simple pages published as files, for the reverse proxy to serve without the app.

Installers ask for /simple/<name>/ far more often than anything changes. When SIMPLE_PAGES_DIR
is set, every page the app renders (or answers from its in-process cache) is also written to
``<dir>/simple/<name>/index.<variant>`` with a gzip twin, and nginx serves those files directly
(`warehouse-lite nginx-config` writes the matching configuration). Anything nginx does not find
goes to the app, which renders it and publishes it again: the files are a cache that may be
deleted at any time.

Never stale: a page must not outlive a change to the data it shows. Every change to a project
goes through ``record_journal``, which calls ``forget`` for the project's pages and the
project list twice: at once, and again after the transaction commits. A publisher renders from
its own transaction, renames the file into place, and only then re-reads the committed serial;
if that moved on, it deletes what it wrote. So whichever of "change committed" and "page
renamed into place" happens second, the stale file is removed: the committer's after-commit
unlink runs after the rename, or the publisher's re-check sees the new serial. What is left is
a process dying between its commit and its after-commit unlink; gunicorn_conf clears the whole
directory whenever a worker exits and when the server starts.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse_lite.packaging.cache import READER_KEY

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.cache import CachedPage

log = logging.getLogger(__name__)

REGISTRY_KEY = "packaging.static_pages"

# Content type -> file name. nginx maps the names back to content types (nginx-config), so
# the extensions are our own, not the usual ones.
VARIANTS: dict[str, str] = {
    "text/html": "index.html",
    "application/vnd.pypi.simple.v1+html": "index.v1html",
    "application/vnd.pypi.simple.v1+json": "index.v1json",
}
GZIP_SUFFIX = ".gz"


class StaticPages:
    """The directory of published simple pages: publish, forget, clear."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.simple_root = root / "simple"

    def page_dir(self, name: str | None) -> Path:
        """Where the pages of project ``name`` (normalized) live; None: the project list."""
        return self.simple_root if name is None else self.simple_root / name

    def path(self, name: str | None, content_type: str) -> Path:
        return self.page_dir(name) / VARIANTS[content_type]

    def is_published(self, name: str | None, content_type: str) -> bool:
        return self.path(name, content_type).exists()

    def publish(
        self, name: str | None, content_type: str, body: bytes, still_current: Callable[[], bool]
    ) -> bool:
        """Write a page (and its gzip twin), then keep it only if ``still_current()``.

        ``still_current`` must read the committed serial afresh (not from the caller's
        transaction). Returns whether the page stayed published.
        """
        target = self.path(name, content_type)
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            for directory in {self.simple_root, target.parent}:
                # Whatever the umask: nginx (another user) must read them; pages are public.
                os.chmod(directory, 0o755)  # noqa: S103
        # The gzip twin first: nginx looks for the plain file, then serves the twin if any.
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        _replace(target.with_name(target.name + GZIP_SUFFIX), compressed)
        _replace(target, body)
        if still_current():
            return True
        self.forget(name)
        return False

    def forget(self, name: str | None) -> None:
        """Delete every published variant of ``name``'s page (None: the project list)."""
        directory = self.page_dir(name)
        for filename in VARIANTS.values():
            for suffix in ("", GZIP_SUFFIX):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(directory / (filename + suffix))

    def clear(self) -> None:
        """Delete every published page (after a restore, a crash, a restart)."""
        shutil.rmtree(self.simple_root, ignore_errors=True)


def _replace(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: readers see the old file or the whole new one.

    No fsync: after a crash the directory is cleared anyway (see the module docstring).
    """
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # readable by the proxy's user
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def static_pages(request: Request) -> StaticPages | None:
    """The publisher, or None when SIMPLE_PAGES_DIR is not set."""
    pages: StaticPages | None = request.registry.get(REGISTRY_KEY)
    return pages


def forget_project_pages(request: Request, normalized_name: str) -> None:
    """Unpublish a project's page and the project list now and after the commit.

    Called by record_journal for every change; see the module docstring for why twice. A
    request that journals several changes to one project (an upload creating it) does it once.
    """
    pages = static_pages(request)
    withdrawn: set[str] = request.__dict__.setdefault("_withdrawn_simple_pages", set())
    if pages is None or normalized_name in withdrawn:
        return
    withdrawn.add(normalized_name)

    def forget() -> None:
        pages.forget(normalized_name)
        pages.forget(None)

    def forget_after_commit(committed: bool) -> None:
        try:
            forget()
        except OSError:
            # Too late to refuse the change: withdraw everything rather than leave it stale.
            log.exception("could not unpublish the simple page of %s", normalized_name)
            pages.clear()

    # Before the commit a failure aborts the change: better refused than served stale.
    forget()
    request.tm.get().addAfterCommitHook(forget_after_commit)


def publish_page(
    request: Request, name: str | None, page: CachedPage, rendered_at: tuple[Hashable, ...]
) -> None:
    """Publish a page the app rendered or found in its cache, unless it is already published.

    ``rendered_at`` is what the serial reader returned for the data the page shows: (project
    id, last serial) for a project, (newest journal id, project count) for the list. Without
    a serial reader (SQLite) nothing is published. Failures are logged: the app's own answer
    does not depend on the files.
    """
    pages = static_pages(request)
    reader = request.registry.get(READER_KEY)
    if pages is None or reader is None or page.content_type not in VARIANTS:
        return
    try:
        if pages.is_published(name, page.content_type):
            return

        def still_current() -> bool:
            now = reader.index_serial() if name is None else reader.project(name)
            return bool(now == rendered_at)

        pages.publish(name, page.content_type, page.body, still_current)
    except Exception:
        log.warning("could not publish the simple page of %s", name or "/simple/", exc_info=True)
        # Whatever got written cannot be trusted to be current.
        with contextlib.suppress(OSError):
            pages.forget(name)
