"""The side-by-side measurements, the same for every server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import clients
from bench.load import LoadResult, load
from bench.packages import Dist
from bench.servers import Index


@dataclass(frozen=True)
class Workload:
    """Files written to disk once and uploaded to every server."""

    sequential: list[Path]  # one project after the other, wheel then sdist
    concurrent: list[list[Path]]  # one group per concurrent uploader
    projects: list[str]  # every project uploaded (both sets)
    install: list[str]  # the projects pip installs
    connections: int
    seconds: float


def write_dists(dists: list[Dist], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [dist.write(directory) for dist in dists]


def split_by_project(dists: list[Dist], paths: list[Path], groups: int) -> list[list[Path]]:
    """Round-robin projects over ``groups`` uploaders; a project's files stay together."""
    by_project: dict[str, list[Path]] = {}
    for dist, path in zip(dists, paths, strict=True):
        by_project.setdefault(dist.project, []).append(path)
    out: list[list[Path]] = [[] for _ in range(groups)]
    for i, files in enumerate(by_project.values()):
        out[i % groups].extend(files)
    return [group for group in out if group]


def _record(results: dict[str, float], prefix: str, result: LoadResult) -> None:
    results[f"{prefix}_rps"] = result.rps
    results[f"{prefix}_p50"] = result.p50_ms
    results[f"{prefix}_p99"] = result.p99_ms
    if result.errors:
        print(f"  !! {result.errors} errors during the {prefix} load", flush=True)


def measure(index: Index, workload: Workload, peer_bin: Path, work: Path) -> dict[str, float]:
    """Upload, read and install against one running index; returns metric -> value."""
    results: dict[str, float] = {}

    def say(text: str) -> None:
        print(f"[{index.name}] {text}", flush=True)

    timing = clients.twine_sequential(index, workload.sequential)
    results["upload_seq_s"], results["upload_seq_rate"] = timing.seconds, timing.per_second
    say(f"twine sequential: {timing.count} files in {timing.seconds:.2f}s")

    timing = clients.twine_concurrent(index, workload.concurrent)
    results["upload_par_s"], results["upload_par_rate"] = timing.seconds, timing.per_second
    say(f"twine x{len(workload.concurrent)}: {timing.count} files in {timing.seconds:.2f}s")

    clients.verify_uploads(index, workload.projects, files_each=2)

    paths = [index.simple_path(p) for p in workload.projects]
    result = load(index.base_url, paths, connections=workload.connections, seconds=workload.seconds)
    _record(results, "detail", result)
    say(
        f"/simple/<project>/: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms ({result.tool})"
    )

    result = load(
        index.base_url,
        [index.simple_path()],
        connections=workload.connections,
        seconds=workload.seconds,
    )
    _record(results, "index", result)
    say(
        f"/simple/: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms ({result.tool})"
    )

    timing = clients.pip_install(index, peer_bin, workload.install, work)
    results["pip_s"] = timing.seconds
    say(f"pip install of {timing.count} projects: {timing.seconds:.2f}s")
    return results
