"""warehouse_lite alone: do read and upload costs stay flat as the database grows?

Two fresh servers, each with its own database:
- "small" gets 10 small projects, a project with 10 files and one with 2,000 files, all
  uploaded for real (4 at a time). The 6th to 10th uploads of a fresh project and the last 5
  of the big one are then timed one by one, alternating (median of 5 each); then the hostile
  uploads of bench/hostile.py (every field at its bound, values refused by rule), whose
  slowest is reported.
- "large" gets the same 10 small projects, then projects inserted straight into its database
  (bench/seed.py) up to 10,000.
The read load then alternates, round by round, between the small and large cases (the same
project pages on both servers; the 10-file and 2,000-file pages on "small"), so background
load on the machine lands on both sides of every ratio. Uploads use the raw HTTP form on
keep-alive connections (clients.RawUploader), so a figure is the server's cost of one upload,
not twine's start-up.
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from bench.clients import RawUploader
from bench.hostile import hostile_uploads, worst_upload_ms
from bench.load import ACCEPT, HEADERS, FirstByte, LoadResult, first_byte, load
from bench.packages import Dist, make_projects, many_versions, normalize, project_names
from bench.seed import seed_projects
from bench.servers import USERNAME, Index
from warehouse_lite.settings import Settings

TIMED = 5  # uploads timed around each mark; the median is reported
SEQUENTIAL_REQUESTS = 300  # per case and round, for the one-connection timings


@dataclass(frozen=True)
class ScaleConfig:
    small_projects: int = 10
    many_projects: int = 10_000
    files: int = 2_000
    connections: int = 16
    seconds: float = 10.0  # per case, split over the rounds
    rounds: int = 4
    upload_threads: int = 4


def _upload_concurrently(index: Index, dists: list[Dist], threads: int) -> None:
    lock = threading.Lock()
    queue = list(reversed(dists))
    failures: list[BaseException] = []

    def worker() -> None:
        uploader = RawUploader(index)
        try:
            while True:
                with lock:
                    if not queue or failures:
                        return
                    dist = queue.pop()
                uploader.upload(dist)
        except BaseException as exc:  # reported below, in the main thread
            with lock:
                failures.append(exc)
        finally:
            uploader.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise failures[0]


def run_scale(
    small: Index,
    large: Index,
    large_db_url: str,
    config: ScaleConfig,
    say: Callable[[str], None],
) -> dict[str, float]:
    out: dict[str, float] = {}
    names = project_names("scale-small", config.small_projects)
    for index in (small, large):
        uploader = RawUploader(index)
        try:
            for dist in make_projects("scale-small", config.small_projects):
                uploader.upload(dist)
        finally:
            uploader.close()

    ten, big = "scale-ten", "scale-big"
    uploader = RawUploader(small)
    try:
        for dist in many_versions(ten, 5):
            uploader.upload(dist)
        dists = many_versions(big, (config.files + 1) // 2)[: config.files]
        start = time.perf_counter()
        _upload_concurrently(small, dists[: len(dists) - TIMED], config.upload_threads)
        say(
            f"uploaded {len(dists) - TIMED} files of {big} in {time.perf_counter() - start:.1f}s "
            f"({config.upload_threads} connections)"
        )
        # The early uploads (6th to 10th file of a fresh project) and the late ones (the last
        # 5 of the big project) alternate, so both meet the same background load.
        fresh = many_versions("scale-fresh", 5)
        for dist in fresh[: 10 - TIMED]:
            uploader.upload(dist)
        early: list[float] = []
        late: list[float] = []
        for early_dist, late_dist in zip(fresh[10 - TIMED :], dists[-TIMED:], strict=True):
            early.append(uploader.upload(early_dist))
            late.append(uploader.upload(late_dist))
        out["upload_10th_ms"] = statistics.median(early) * 1000
        out["upload_2000th_ms"] = statistics.median(late) * 1000
        say(
            f"uploads 6..10 of a fresh project: median {out['upload_10th_ms']:.1f} ms; "
            f"{len(dists) - TIMED + 1}..{len(dists)} of {big}: {out['upload_2000th_ms']:.1f} ms"
        )
        size = Settings.__dataclass_fields__["max_description_size"].default
        cases = len(hostile_uploads(size))
        wheels = [d for d in many_versions("scale-hostile", cases) if d.packagetype != "sdist"]
        out["upload_hostile_ms"], label = worst_upload_ms(uploader, wheels, size)
        say(f"{cases} hostile uploads: the slowest {out['upload_hostile_ms']:.0f} ms ({label})")
    finally:
        uploader.close()

    start = time.perf_counter()
    total = seed_projects(
        large_db_url, USERNAME, "seed", max(0, config.many_projects - config.small_projects)
    )
    say(f"seeded the large database to {total:,} projects in {time.perf_counter() - start:.1f}s")
    out["projects_small"] = config.small_projects + 3
    out["projects_large"] = total

    small_pages = [normalize(p) for p in names]
    cases: list[tuple[str, Index, list[str]]] = [
        ("few_detail", small, [small.simple_path(p) for p in small_pages]),
        ("many_detail", large, [large.simple_path(p) for p in small_pages]),
        ("few_index", small, [small.simple_path()]),
        ("many_index", large, [large.simple_path()]),
        ("files10_detail", small, [small.simple_path(ten)]),
        ("files2000_detail", small, [small.simple_path(big)]),
    ]
    for prefix, index, paths in cases:
        key = prefix.replace("_detail", "_bytes").replace("_index", "_index_bytes")
        out[key] = page_size(index, paths[0])
        out[key.replace("_bytes", "_sent_bytes")] = page_size(index, paths[0], HEADERS)
    results: dict[str, list[LoadResult]] = {prefix: [] for prefix, _, _ in cases}
    sequential: dict[str, list[FirstByte]] = {prefix: [] for prefix, _, _ in cases}
    for number in range(1, config.rounds + 1):
        for prefix, index, paths in cases:
            sequential[prefix].append(first_byte(index.base_url, paths, SEQUENTIAL_REQUESTS))
            result = load(
                index.base_url,
                paths,
                connections=config.connections,
                seconds=config.seconds / config.rounds,
                warmup=2.0 if number == 1 else 0.0,
            )
            results[prefix].append(result)
            say(
                f"round {number} {prefix}: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                f"p99 {result.p99_ms:.2f} ms"
                + (f", {result.errors} errors" if result.errors else "")
            )
    for prefix, parts in results.items():
        seconds = sum(p.seconds for p in parts)
        out[f"{prefix}_rps"] = sum(p.requests for p in parts) / seconds if seconds else 0.0
        out[f"{prefix}_p50"] = sum(p.p50_ms for p in parts) / len(parts)
        out[f"{prefix}_p99"] = sum(p.p99_ms for p in parts) / len(parts)
    for prefix, timings in sequential.items():
        out[f"{prefix}_ttfb"] = statistics.median(x for t in timings for x in t.first_byte_ms)
        out[f"{prefix}_single"] = statistics.median(x for t in timings for x in t.complete_ms)
    return out


def page_size(index: Index, path: str, headers: dict[str, str] | None = None) -> float:
    """Size in KiB of one HTML answer for ``path`` as sent (compressed if ``headers`` ask)."""
    request = urllib.request.Request(index.base_url + path, headers=headers or {"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(response.read()) / 1024
