"""`make bench` / `python -m bench`: warehouse_lite against pypiserver and devpi-server.

Everything runs on loopback, each server fresh and alone on the machine while it is measured.
Options can also be given as environment variables (BENCH_PROJECTS, BENCH_SECONDS, ...).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from bench import compare, report, servers
from bench.packages import make_projects, normalize, project_names
from bench.scale import ScaleConfig, run_scale

ALL_SERVERS = ("warehouse_lite", "pypiserver", "devpi-server")
UPLOADERS = 8


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--projects",
        type=int,
        default=_env_int("BENCH_PROJECTS", 50),
        help="N distinct projects (wheel + sdist each) per upload round [BENCH_PROJECTS, 50]",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=_env_float("BENCH_SECONDS", 10),
        help="duration of each load measurement [BENCH_SECONDS, 10]",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=_env_int("BENCH_CONNECTIONS", 16),
        help="concurrent connections of the load generator [BENCH_CONNECTIONS, 16]",
    )
    parser.add_argument(
        "--servers",
        default=os.environ.get("BENCH_SERVERS", ",".join(ALL_SERVERS)),
        help="comma-separated subset of: " + ", ".join(ALL_SERVERS),
    )
    parser.add_argument(
        "--scale-projects",
        type=int,
        default=_env_int("BENCH_SCALE_PROJECTS", 10_000),
        help="projects in the database for the large case (0 skips the scale part)",
    )
    parser.add_argument("--scale-files", type=int, default=_env_int("BENCH_SCALE_FILES", 2_000))
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL admin URL where throwaway databases may be created [BENCH_DATABASE]",
    )
    parser.add_argument(
        "--output",
        default=os.environ.get("BENCH_OUTPUT", "docs/benchmarks.md"),
        help="Markdown file to write ('-' for stdout only)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    chosen = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(ALL_SERVERS))
    if unknown:
        print(f"unknown server(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    command = (
        "make bench"
        if not argv and len(sys.argv) == 1
        else shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    )

    peer_bin = servers.ensure_peer_venv()
    run_dir = servers.WORK / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)

    # The same files go to every server: one set for the sequential round, one for the
    # concurrent round (a second upload of the same file would be refused or skipped).
    seq_dists = make_projects("bench-seq", args.projects)
    par_dists = make_projects("bench-par", args.projects)
    seq_paths = compare.write_dists(seq_dists, run_dir / "dists-seq")
    par_paths = compare.write_dists(par_dists, run_dir / "dists-par")
    projects = [normalize(p) for p in project_names("bench-seq", args.projects)]
    projects += [normalize(p) for p in project_names("bench-par", args.projects)]
    workload = compare.Workload(
        sequential=seq_paths,
        concurrent=compare.split_by_project(par_dists, par_paths, UPLOADERS),
        projects=projects,
        install=projects[: min(10, args.projects)],
        connections=args.connections,
        seconds=args.seconds,
    )

    results: dict[str, dict[str, float]] = {}
    versions: dict[str, str] = {}
    shapes: dict[str, str] = {}
    scale: dict[str, float] = {}
    for name in chosen:
        work = run_dir / name
        work.mkdir()
        print(f"== {name}", flush=True)
        if name == "pypiserver":
            with servers.pypiserver(peer_bin, work) as index:
                results[name] = compare.measure(index, workload, peer_bin, work)
        elif name == "devpi-server":
            with servers.devpi(peer_bin, work) as index:
                results[name] = compare.measure(index, workload, peer_bin, work)
        else:
            with servers.warehouse_lite(work, args.database) as (index, _live):
                results[name] = compare.measure(index, workload, peer_bin, work)
        versions[name], shapes[name] = index.version, index.shape

    if "warehouse_lite" in chosen and args.scale_projects > 0:
        print("== warehouse_lite scale", flush=True)
        config = ScaleConfig(
            many_projects=args.scale_projects,
            files=args.scale_files,
            connections=args.connections,
            seconds=max(3.0, args.seconds / 2),
        )
        with servers.warehouse_lite(run_dir / "scale", args.database) as (index, live):
            scale = run_scale(
                index, live.db_url, config, lambda t: print(f"[scale] {t}", flush=True)
            )

    versions["twine"] = report.tool_version([str(compare.clients.TWINE), "--version"]).split(" (")[
        0
    ]
    versions["pip"] = servers.package_version(peer_bin, "pip")
    versions["wrk"] = report.tool_version(["wrk", "-v"]).split(" Copyright")[0]
    versions["PostgreSQL"] = report.tool_version(["psql", "--version"])
    versions["Redis"] = report.tool_version(["redis-server", "--version"]).split(" sha=")[0]
    elapsed = time.perf_counter() - started
    rendered = report.render(
        report.Report(
            ours="warehouse_lite",
            peers=[p for p in ("pypiserver", "devpi-server") if p in results],
            results=results,
            scale=scale,
            versions=versions,
            shapes=shapes,
            settings={
                "Workload": f"{args.projects} projects x (wheel + sdist) per upload round, "
                f"two rounds (sequential, {UPLOADERS} concurrent twine processes)",
                "Load": f"{args.connections} connections, {args.seconds:g}s per measurement "
                "after a 2s warm-up, Accept: text/html",
                "Scale": f"{args.scale_projects} projects, {args.scale_files} files"
                if scale
                else "skipped",
                "Run time": f"{elapsed / 60:.1f} minutes",
            },
            command=command,
        )
    )
    print()
    print(rendered)
    if args.output != "-":
        Path(args.output).write_text(rendered)
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
