"""warehouse_lite alone: do read and upload costs stay flat as the database grows?

On a fresh server and database:
1. upload 10 small projects, measure /simple/<project>/ and /simple/ (10 projects);
2. upload a big project file by file: the uploads ending at the 10th file are timed, then its
   page is measured with 10 files; the rest is uploaded concurrently, the uploads ending at the
   2,000th file are timed, and its page is measured again;
3. seed projects straight into the database up to 10,000, measure the same pages again.
Uploads use the raw HTTP form on keep-alive connections (see clients.RawUploader), so the
figure is the server's cost of one upload, not twine's start-up.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.clients import RawUploader
from bench.load import LoadResult, load
from bench.packages import Dist, make_projects, many_versions, normalize, project_names
from bench.seed import seed_projects
from bench.servers import USERNAME, Index

TIMED = 5  # uploads timed around each mark; the median is reported


@dataclass(frozen=True)
class ScaleConfig:
    small_projects: int = 10
    many_projects: int = 10_000
    files: int = 2_000
    connections: int = 16
    seconds: float = 5.0
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
    index: Index, db_url: str, config: ScaleConfig, say: Callable[[str], None]
) -> dict[str, float]:
    out: dict[str, float] = {}

    def measure(prefix: str, paths: list[str]) -> LoadResult:
        result = load(index.base_url, paths, connections=config.connections, seconds=config.seconds)
        out[f"{prefix}_rps"], out[f"{prefix}_p50"], out[f"{prefix}_p99"] = (
            result.rps,
            result.p50_ms,
            result.p99_ms,
        )
        say(
            f"{prefix}: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms" + (f", {result.errors} errors" if result.errors else "")
        )
        return result

    small = project_names("scale-small", config.small_projects)
    uploader = RawUploader(index)
    try:
        for dist in make_projects("scale-small", config.small_projects):
            uploader.upload(dist)
        detail_paths = [index.simple_path(normalize(p)) for p in small]
        measure("few_detail", detail_paths)
        measure("few_index", [index.simple_path()])

        big = "scale-big"
        dists = many_versions(big, (config.files + 1) // 2)[: config.files]
        first_mark = min(10, len(dists))
        times = [uploader.upload(d) for d in dists[:first_mark]]
        out["upload_10th_ms"] = statistics.median(times[-TIMED:]) * 1000
        say(
            f"uploads {first_mark - TIMED + 1}..{first_mark}: median {out['upload_10th_ms']:.1f} ms"
        )
        big_path = [index.simple_path(normalize(big))]
        measure("files10_detail", big_path)

        middle = dists[first_mark : len(dists) - TIMED]
        start = time.perf_counter()
        _upload_concurrently(index, middle, config.upload_threads)
        say(
            f"uploaded {len(middle)} more files of {big} in {time.perf_counter() - start:.1f}s "
            f"({config.upload_threads} connections)"
        )
        times = [uploader.upload(d) for d in dists[len(dists) - TIMED :]]
        out["upload_2000th_ms"] = statistics.median(times) * 1000
        last = len(dists)
        say(f"uploads {last - TIMED + 1}..{last}: median {out['upload_2000th_ms']:.1f} ms")
        measure("files2000_detail", big_path)
    finally:
        uploader.close()

    start = time.perf_counter()
    total = seed_projects(
        db_url, USERNAME, "seed", max(0, config.many_projects - config.small_projects - 1)
    )
    say(f"seeded the database to {total} projects in {time.perf_counter() - start:.1f}s")
    out["projects_total"] = total
    measure("many_detail", detail_paths)
    measure("many_index", [index.simple_path()])
    return out
