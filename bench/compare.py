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


def _say(index: Index, text: str) -> None:
    print(f"[{index.name}] {text}", flush=True)


def chunks(files: list[Path], parts: int) -> list[list[Path]]:
    """``files`` in ``parts`` consecutive slices that keep a project's wheel and sdist together."""
    pairs = [files[i : i + 2] for i in range(0, len(files), 2)]
    size = -(-len(pairs) // max(1, parts))
    return [[f for pair in pairs[i : i + size] for f in pair] for i in range(0, len(pairs), size)]


def upload_sequential(index: Index, files: list[Path], results: dict[str, float]) -> None:
    """One twine process uploading ``files`` one after the other; times add up over parts."""
    timing = clients.twine_sequential(index, files)
    results["upload_seq_s"] = results.get("upload_seq_s", 0.0) + timing.seconds
    results["upload_seq_files"] = results.get("upload_seq_files", 0.0) + timing.count
    results["upload_seq_rate"] = results["upload_seq_files"] / results["upload_seq_s"]
    _say(index, f"twine sequential: {timing.count} files in {timing.seconds:.2f}s")


def upload_concurrent(index: Index, workload: Workload, results: dict[str, float]) -> None:
    timing = clients.twine_concurrent(index, workload.concurrent)
    results["upload_par_s"], results["upload_par_rate"] = timing.seconds, timing.per_second
    _say(index, f"twine x{len(workload.concurrent)}: {timing.count} files in {timing.seconds:.2f}s")


def verify_and_install(
    index: Index, workload: Workload, peer_bin: Path, work: Path, results: dict[str, float]
) -> None:
    """Check that every upload is listed, then time pip install from the index."""
    clients.verify_uploads(index, workload.projects, files_each=2)
    timing = clients.pip_install(index, peer_bin, workload.install, work)
    results["pip_s"] = timing.seconds
    _say(index, f"pip install of {timing.count} projects: {timing.seconds:.2f}s")


def measure_reads(
    index: Index, workload: Workload, seconds: float, warmup: float
) -> dict[str, LoadResult]:
    """One round of load on a project page (cycling over all) and on /simple/."""
    out: dict[str, LoadResult] = {}
    targets = {
        "detail": [index.simple_path(p) for p in workload.projects],
        "index": [index.simple_path()],
    }
    for prefix, paths in targets.items():
        result = load(
            index.base_url,
            paths,
            connections=workload.connections,
            seconds=seconds,
            warmup=warmup,
        )
        out[prefix] = result
        _say(
            index,
            f"{paths[0] if prefix == 'index' else '/simple/<project>/'}: {result.rps:.0f} req/s, "
            f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms ({result.tool})"
            + (f", {result.errors} errors" if result.errors else ""),
        )
    return out


def combine_rounds(rounds: list[dict[str, LoadResult]]) -> dict[str, float]:
    """Throughput over all rounds; latency percentiles averaged over the rounds."""
    results: dict[str, float] = {}
    for prefix in rounds[0]:
        parts = [r[prefix] for r in rounds]
        seconds = sum(p.seconds for p in parts)
        results[f"{prefix}_rps"] = sum(p.requests for p in parts) / seconds if seconds else 0.0
        results[f"{prefix}_p50"] = sum(p.p50_ms for p in parts) / len(parts)
        results[f"{prefix}_p99"] = sum(p.p99_ms for p in parts) / len(parts)
        results[f"{prefix}_errors"] = sum(p.errors for p in parts)
    return results
