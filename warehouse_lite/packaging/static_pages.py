"""Rendered simple pages published as files, for the reverse proxy to serve without the app.

Installers ask for /simple/<name>/ far more often than anything changes. When SIMPLE_PAGES_DIR
is set, every page the app renders (or answers from its in-process cache) is also written
there, and nginx serves it directly (`warehouse-lite nginx-config` writes the matching
configuration). Anything nginx does not find goes to the app, which renders it and publishes
it again: the files are a cache that may be deleted at any time. Layout, per page key (a
project's normalized name, or ``_index`` for the project list):

    pages/<key>/<serial>-<state>/index.<variant>   (+ a .gz twin) the page as rendered from
                                                   the data at one state, never rewritten
    links/<key> -> ../pages/<key>/<serial>-<state>  the published state: all nginx follows
    locks/                                          page_locks.py

nginx resolves ``links/<key>`` once per request and then reads the page from the directory it
resolved to, and the X-PyPI-Last-Serial header from that directory's name: the body and the
header always come from the same state, even while the link moves.

Never staler than an acknowledged change. Every change goes through ``record_journal``, which
withdraws the project's page and the project list (removes their links) before the commit and
again after it, before the response is sent. A publisher renders from data read at some state
and then, holding the key's lock, reads the committed state afresh and places the page and
moves the link only if that state is still the one it rendered; the withdrawal holds the same
lock. Take a change that committed and then finished its after-commit withdrawal, and any
publisher that placed a page: if the publisher held the lock first, the withdrawal removed
what it placed; if it held the lock after, its re-check read the committed state after the
commit, so its page (rendered at that same state) shows the change. Either way, once the
change's response starts, ``links/<key>`` is absent or points at a page that shows the change,
and no page rendered before the commit can be placed any more. (docs/decisions.md has the
longer argument.) A process dying between its commit and its after-commit withdrawal is
covered by gunicorn_conf, which clears the directory whenever a worker exits; ``clear`` waits
for publishers that are between their re-check and their placing.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse_lite.packaging.cache import ISerialReader
from warehouse_lite.packaging.page_locks import PageLocks

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.packaging.cache import CachedPage

log = logging.getLogger(__name__)

# Content type -> file name. nginx maps the names back to content types (nginx-config), so
# the extensions are our own, not the usual ones.
VARIANTS: dict[str, str] = {
    "text/html": "index.html",
    "application/vnd.pypi.simple.v1+html": "index.v1html",
    "application/vnd.pypi.simple.v1+json": "index.v1json",
}
GZIP_SUFFIX = ".gz"
LINKS = "links"
PAGES = "pages"
# The key of the project list; normalized project names never start with "_".
INDEX_KEY = "_index"
# What a published directory is called: the serial nginx sends, then a digest of the whole
# state the page was rendered at (the project list's state has more than its serial).
VERSION_PATTERN = r"[0-9]+-[0-9a-f]{16}"
_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Before this release, pages lived under simple/; clear() removes them.
_LEGACY = "simple"


def page_key(name: str | None) -> str:
    """The key of a project's page (``name`` normalized) or, for None, of the project list."""
    if name is None:
        return INDEX_KEY
    if not _KEY.fullmatch(name):
        raise ValueError(f"not a normalized project name: {name!r}")
    return name


def version_name(serial: int, state: tuple[Hashable, ...]) -> str:
    """The directory name of a page rendered at ``state``, whose X-PyPI-Last-Serial is
    ``serial``."""
    digest = hashlib.sha256(repr(state).encode()).hexdigest()[:16]
    return f"{int(serial)}-{digest}"


class StaticPages:
    """The directory of published simple pages: publish, forget, clear."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.links = root / LINKS
        self.pages = root / PAGES
        self.locks = PageLocks(root / "locks")

    def published_dir(self, name: str | None) -> Path:
        """Where nginx finds the published page of ``name`` (None: the project list)."""
        return self.links / page_key(name)

    def is_published(self, name: str | None, content_type: str) -> bool:
        return (self.published_dir(name) / VARIANTS[content_type]).exists()

    def publish(
        self,
        name: str | None,
        content_type: str,
        body: bytes,
        *,
        serial: int,
        state: tuple[Hashable, ...],
        still_current: Callable[[], bool],
    ) -> bool:
        """Publish ``body``, rendered from the data at ``state``, if ``still_current()``.

        ``still_current`` must read the committed state afresh (not from the caller's
        transaction) and say whether it is still ``state``; it is called holding the key's
        lock. Returns whether the page is published.
        """
        key = page_key(name)
        variant = VARIANTS[content_type]
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        version = version_name(serial, state)
        with self.locks.publishing(key):
            if not still_current():
                return False
            directory = self.pages / key / version
            _make_dirs(directory, self.root)
            # The gzip twin first: nginx checks the plain file, then serves the twin if any.
            _replace(directory / (variant + GZIP_SUFFIX), compressed)
            _replace(directory / variant, body)
            self._point(key, version)
            for other in (self.pages / key).iterdir():
                if other.name != version:  # older states: nothing links to them any more
                    shutil.rmtree(other, ignore_errors=True)
        return True

    def _point(self, key: str, version: str) -> None:
        link = self.links / key
        target = os.path.join("..", PAGES, key, version)
        with contextlib.suppress(OSError):
            if os.readlink(link) == target:
                return
        _make_dirs(self.links, self.root)
        temporary = self.links / f".tmp-{key}-{secrets.token_hex(8)}"
        os.symlink(target, temporary)
        try:
            os.replace(temporary, link)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def forget(self, name: str | None) -> None:
        """Withdraw the published page of ``name`` (None: the project list), every variant.

        Raises OSError if the page may still be published."""
        key = page_key(name)
        with self.locks.key(key):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.links / key)
            shutil.rmtree(self.pages / key, ignore_errors=True)

    def clear(self) -> None:
        """Delete every published page (after a restore, a crash, a restart)."""
        try:
            with self.locks.everything():
                self._remove_everything()
        except OSError:
            # No lock files (they cannot be created on a full disk, say): then no publisher
            # can take them either, so nothing can be placed meanwhile.
            log.warning("clearing %s without its lock", self.root, exc_info=True)
            self._remove_everything()

    def _remove_everything(self) -> None:
        for directory in (LINKS, PAGES, _LEGACY):
            shutil.rmtree(self.root / directory, ignore_errors=True)


def _make_dirs(directory: Path, root: Path) -> None:
    """``directory`` and its parents up to ``root``, readable by nginx (another user) whatever
    the umask."""
    missing = []
    parent = directory
    while parent != root and not parent.is_dir():
        missing.append(parent)
        parent = parent.parent
    directory.mkdir(parents=True, exist_ok=True)
    for created in missing:
        with contextlib.suppress(FileNotFoundError):  # a concurrent withdrawal removed it
            os.chmod(created, 0o755)  # noqa: S103  (pages are public)


def _replace(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically: readers see no file or the whole new one.

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
    """The publisher (a service), or None when SIMPLE_PAGES_DIR is not set."""
    pages: StaticPages | None = request.find_service(StaticPages)
    return pages


def forget_project_pages(request: Request, normalized_name: str) -> None:
    """Withdraw a project's page and the project list now and after the commit.

    Called by record_journal for every change; see the module docstring for why. A request
    that journals several changes to one project (an upload creating it) does it once.
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
            try:
                pages.clear()
            except OSError:
                log.critical("published simple pages may be stale: clear %s", pages.root)

    # Before the commit a failure aborts the change: better refused than served stale.
    forget()
    request.tm.get().addAfterCommitHook(forget_after_commit)


def publish_page(
    request: Request,
    name: str | None,
    page: CachedPage,
    rendered_at: tuple[Hashable, ...],
    serial: int,
) -> None:
    """Publish a page the app rendered or found in its cache, unless it is already published.

    ``rendered_at`` is what the serial reader returned for the data the page shows: (project
    id, last serial) for a project, simple.index_state for the list; ``serial`` is the page's
    X-PyPI-Last-Serial. Without a serial reader (SQLite) nothing is published. Failures are
    logged: the app's own answer does not depend on the files, and a page is only ever linked
    once both of its files are complete.
    """
    pages = static_pages(request)
    reader = request.find_service(ISerialReader)
    if pages is None or reader is None or page.content_type not in VARIANTS:
        return
    try:
        if pages.is_published(name, page.content_type):
            return

        def still_current() -> bool:
            now = reader.index_serial() if name is None else reader.project(name)
            return bool(now == rendered_at)

        pages.publish(
            name,
            page.content_type,
            page.body,
            serial=serial,
            state=rendered_at,
            still_current=still_current,
        )
    except Exception:
        log.warning("could not publish the simple page of %s", name or "/simple/", exc_info=True)
