"""The page cache: LRU by entries and bytes."""

from __future__ import annotations

from warehouse_lite.packaging.cache import CachedPage, PageCache


def _page(size):
    return CachedPage(b"x" * size, "etag", "text/html")


def test_get_put_and_counters():
    cache = PageCache()
    assert cache.get("a") is None
    cache.put("a", _page(1))
    assert cache.get("a").body == b"x"
    assert (cache.hits, cache.misses) == (1, 1)


def test_least_recently_used_goes_first():
    cache = PageCache(max_entries=2)
    cache.put("a", _page(1))
    cache.put("b", _page(1))
    cache.get("a")
    cache.put("c", _page(1))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_byte_budget():
    cache = PageCache(max_bytes=10)
    cache.put("a", _page(6))
    cache.put("b", _page(6))
    assert len(cache) == 1 and cache.get("b") is not None
    cache.put("huge", _page(11))  # larger than the whole budget: not cached
    assert cache.get("huge") is None
    cache.put("b", _page(2))  # replacing counts the new size only
    cache.put("c", _page(8))
    assert len(cache) == 2
    cache.clear()
    assert len(cache) == 0
