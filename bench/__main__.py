"""`make bench` / `python -m bench`: warehouse_lite against pypiserver and devpi-server.

Everything runs on loopback, each server fresh and alone on the machine while it is measured.
Options can also be given as environment variables (BENCH_PROJECTS, BENCH_SECONDS, ...).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from bench import clients, compare, load, report, servers
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
        default=_env_float("BENCH_SECONDS", 16),
        help="seconds of load per row and server, split over the rounds [BENCH_SECONDS, 16]",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=_env_int("BENCH_CONNECTIONS", 16),
        help="concurrent connections of the load generator [BENCH_CONNECTIONS, 16]",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=_env_int("BENCH_ROUNDS", 4),
        help="rounds of read load, alternating between servers; --seconds is split over them "
        "[BENCH_ROUNDS, 4]",
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


NOTES = [
    "Every server is started fresh on an empty store and warmed with 8 untimed projects; all "
    "three stay up during the run (idle while another is measured), and each kind of work is "
    "alternated between them. The load generator, the clients and the servers share the same "
    "2 cores, as they would on a small self-hosted box.",
    "pypiserver is given the same gunicorn shape as warehouse_lite (its Docker image runs one "
    "gevent worker; started that way here it mixed up concurrent uploads: twine sent one file "
    "and was told another already existed). devpi-server has only its own server; it runs with "
    "default threads, --offline-mode and a non-volatile index without bases.",
    "warehouse_lite uploads with an account-wide API token over HTTP Basic, with all of its "
    "validation on (metadata, archive contents, README rendering, digests), stores the file "
    "and its METADATA with fsync, and commits rows, journal and events in one transaction.",
    "The simple-page rows hit the page caches of all three servers. warehouse_lite runs as "
    "docs/deployment.md describes: nginx answers /simple/ pages from the files the app "
    "publishes (SIMPLE_PAGES_DIR, warehouse_lite/packaging/static_pages.py), gzip-compressed "
    "for clients that accept it, as pip and uv do; a page is withdrawn the moment its project "
    "changes, so no answer is staler than the app's own. pypiserver and devpi-server answer "
    "from their in-process caches and do not compress.",
    "Scale rows (bench/scale.py): two fresh warehouse_lite servers, one small (10 projects plus "
    "a 10-file and a 2,000-file project, all uploaded for real) and one large (the same 10 "
    "projects, then rows inserted with SQL up to 10,000 projects); the read load alternates "
    "between the cases round by round. The 2,000 files are real uploads (raw multipart POSTs "
    "on keep-alive connections, 4 at a time). The upload row compares the 6th-10th uploads of "
    "a fresh project with the 1,996th-2,000th of the big one, timed one by one and alternating "
    "(median of 5 each), so twine's start-up is not part of them. The one-connection rows send "
    "300 requests per case and round one after the other and report the median time to the "
    "first byte of the answer (the server's own work) and to its last byte (which also grows "
    "with the page's size).",
    "Under load, a page's latency is mostly waiting behind the other connections' answers, so it "
    "follows the bytes each answer moves: the 2,000-file page is about 160 times the 10-file "
    "one even gzip-compressed, and the 10,000-project case pays nothing of the sort. The "
    "one-connection rows show what one request costs the server as the data grows.",
    "Ratios are only comparable within one run: other work on the machine moves every figure. "
    "The load averages above say how busy it was.",
]


def preflight(database: str, chosen: list[str]) -> str | None:
    """A clear message when something the run needs is missing, before anything starts."""
    if "warehouse_lite" in chosen:
        from sqlalchemy import create_engine, text

        url = database.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            engine = create_engine(url)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:
            return (
                f"PostgreSQL is not reachable at {database} ({exc.__class__.__name__}). "
                "Start it (bin/system-deps does) or set BENCH_DATABASE to an admin URL."
            )
        if not shutil.which("redis-server"):
            return "redis-server is not installed (bin/system-deps installs it)."
        if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
            return "nginx is not installed (bin/system-deps installs it)."
    if not shutil.which("wrk"):
        print("wrk not found: using the Python load generator (apt-get install wrk)")
    return None


def error_notes(results: dict[str, dict[str, float]]) -> list[str]:
    """Say so when a load run saw failed requests (their latencies are not in the figures)."""
    notes = []
    for name, values in results.items():
        for prefix, label in (("detail", "/simple/<project>/"), ("index", "/simple/")):
            errors = int(values.get(f"{prefix}_errors", 0))
            if errors:
                notes.append(f"{name}: {errors} failed requests during the {label} load.")
    return notes


def tool_versions(peer_bin: Path, database: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    versions = {
        "twine": report.tool_version([str(compare.clients.TWINE), "--version"])
        .removeprefix("twine version ")
        .split(" (")[0],
        "pip": servers.package_version(peer_bin, "pip"),
        "wrk": report.tool_version(["wrk", "-v"]).split(" Copyright")[0].removeprefix("wrk "),
        "nginx": report.tool_version(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-v"]
        ).removeprefix("nginx version: nginx/"),
        "Redis": report.tool_version(["redis-server", "--version"])
        .split(" sha=")[0]
        .removeprefix("Redis server v="),
    }
    try:
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            versions["PostgreSQL"] = str(conn.execute(text("SHOW server_version")).scalar())
        engine.dispose()
    except Exception:
        versions["PostgreSQL"] = "unknown"
    return versions


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    chosen = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(ALL_SERVERS))
    if unknown:
        print(f"unknown server(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    problem = preflight(args.database, chosen)
    if problem:
        print(problem, file=sys.stderr)
        return 1
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
    # Every server is started first. Then each kind of work runs on all of them in turn, in
    # rounds where it can be split (the sequential uploads, the read load), so a change in
    # background load on the machine is shared between the servers instead of landing on one.
    with contextlib.ExitStack() as stack:
        indexes: list[servers.Index] = []
        works: dict[str, Path] = {}
        for name in chosen:
            work = works[name] = run_dir / name
            work.mkdir()
            print(f"== starting {name}", flush=True)
            if name == "pypiserver":
                index = stack.enter_context(servers.pypiserver(peer_bin, work))
            elif name == "devpi-server":
                index = stack.enter_context(servers.devpi(peer_bin, work))
            else:
                index, _live = stack.enter_context(servers.warehouse_lite(work, args.database))
            results[name] = {}
            versions[name], shapes[name] = index.version, index.shape
            indexes.append(index)
        # Warm every worker (imports, template and statement caches) with a few untimed
        # uploads, as a server that has been running for a while would be.
        warm_paths = compare.write_dists(make_projects("bench-warm", 8), run_dir / "dists-warm")
        for index in indexes:
            clients.twine_sequential(index, warm_paths)
        chunks = compare.chunks(workload.sequential, args.rounds)
        for number, chunk in enumerate(chunks, 1):
            print(f"== sequential uploads, part {number} of {len(chunks)}", flush=True)
            for index in indexes:
                compare.upload_sequential(index, chunk, results[index.name])
        print("== concurrent uploads, verification, pip install", flush=True)
        for index in indexes:
            compare.upload_concurrent(index, workload, results[index.name])
            compare.verify_and_install(
                index, workload, peer_bin, works[index.name], results[index.name]
            )
        rounds: dict[str, list[dict[str, load.LoadResult]]] = {i.name: [] for i in indexes}
        for number in range(1, args.rounds + 1):
            print(f"== read load, round {number} of {args.rounds}", flush=True)
            for index in indexes:
                # Caches fill during the first round's warm-up; later rounds need none.
                warmup = 2.0 if number == 1 else 0.0
                rounds[index.name].append(
                    compare.measure_reads(index, workload, args.seconds / args.rounds, warmup)
                )
        for index in indexes:
            results[index.name].update(compare.combine_rounds(rounds[index.name]))

    if "warehouse_lite" in chosen and args.scale_projects > 0:
        print("== warehouse_lite scale", flush=True)
        config = ScaleConfig(
            many_projects=args.scale_projects,
            files=args.scale_files,
            connections=args.connections,
            seconds=args.seconds,
            rounds=args.rounds,
        )
        with (
            servers.warehouse_lite(run_dir / "scale-small", args.database) as (small, _),
            servers.warehouse_lite(run_dir / "scale-large", args.database) as (large, live),
        ):
            scale = run_scale(
                small, large, live.db_url, config, lambda t: print(f"[scale] {t}", flush=True)
            )

    versions.update(tool_versions(peer_bin, args.database))
    elapsed = time.perf_counter() - started
    load_end = os.getloadavg()[0]
    rendered = report.render(
        report.Report(
            ours="warehouse_lite",
            peers=[p for p in ALL_SERVERS[1:] if p in results],
            results=results,
            scale=scale,
            versions=versions,
            shapes=shapes,
            settings={
                "Workload": f"{args.projects} projects x (wheel + sdist) uploaded sequentially "
                f"(twine uploading one file after the other, in {args.rounds} processes of "
                f"{2 * args.projects // args.rounds} files run one after another and alternated "
                f"between the servers), then another {args.projects} projects by {UPLOADERS} "
                "twine processes at once",
                "Load": f"{args.connections} connections (wrk, 2 threads), {args.seconds:g}s per "
                f"row and server, in {args.rounds} rounds alternating between the servers (a 2s "
                "warm-up before the first); `Accept: text/html` and pip's `Accept-Encoding: gzip, "
                "deflate`; the project row cycles over every project page",
                "Scale": f"{args.scale_projects:,} projects, {args.scale_files:,} files"
                if scale
                else "skipped",
                "Machine load (1-min load average) at start / end": f"{load_start:.2f} / "
                f"{load_end:.2f}",
                "Run time": f"{elapsed / 60:.1f} minutes",
            },
            command=command,
            labels={
                "install": str(len(workload.install)),
                "few": f"{int(scale.get('projects_small', 12))}",
                "many": f"{int(scale.get('projects_large', args.scale_projects)):,}",
                "files": f"{args.scale_files:,}",
                "connections": str(args.connections),
            },
            notes=NOTES + error_notes(results),
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
