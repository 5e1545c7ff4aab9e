"""An in-process LRU of rendered API pages.

Keys always contain the serial of the data they were rendered from (Project.last_serial,
or the newest journal id for the project list), so a change makes old entries unreachable:
no invalidation step can be forgotten. Each worker process has its own cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from zope.interface import Interface


class ISerialReader(Interface):
    """The service of simple_fast.SerialReader: the committed serials, read outside any request
    transaction (None where there is none: SQLite). Declared here, where both simple_fast and
    static_pages can import it."""


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    content_type: str


class PageCache:
    """Thread-safe LRU bounded by entry count and total body bytes.

    One per process: a service, ``request.find_service(PageCache)``.
    """

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> CachedPage | None:
        with self._lock:
            page = self._entries.get(key)
            if page is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: Hashable, page: CachedPage) -> None:
        if len(page.body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = page
            self._bytes += len(page.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
