"""The three indexes under test, each started in its production shape on a free loopback port.

pypiserver and devpi-server live in their own virtualenv under bench/.work/ with pinned
versions; warehouse_lite runs from the project's .venv through the same LiveServer the
end-to-end tests use (gunicorn + PostgreSQL + its own Redis + a Celery worker + SMTP sink).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.servers import LiveServer, Process, free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
PEER_VENV = WORK / "venv"

# Pinned peers (and the tools in their venv). Bump deliberately: the table names them.
PEER_REQUIREMENTS = [
    "pip==26.3",
    "pypiserver[passlib,cache]==2.4.2",
    "gunicorn==27.0.1",
    "devpi-server==6.20.3",
    "devpi-client==7.3.0",
]

# Every gunicorn-served index gets the same shape on this machine: two processes per core
# (the work is CPU-bound Python between short database waits). BENCH_GUNICORN_THREADS > 1
# switches to gthread workers, which keep connections alive (sync workers, the default, are
# what docs/deployment.md puts behind the reverse proxy; a client reconnects per request).
CORES = os.cpu_count() or 1
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", 2 * CORES))
GUNICORN_THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", 1))
GUNICORN_SHAPE = (
    ["--worker-class", "gthread", "--threads", str(GUNICORN_THREADS)]
    if GUNICORN_THREADS > 1
    else ["--worker-class", "sync"]
)
GUNICORN_DESCRIPTION = (
    f"gunicorn {GUNICORN_WORKERS} gthread workers x {GUNICORN_THREADS} threads"
    if GUNICORN_THREADS > 1
    else f"gunicorn {GUNICORN_WORKERS} sync workers"
)

USERNAME = "benchuser"
PASSWORD = "bench-Pa55word-for-uploads"
EMAIL = "benchuser@example.com"


def clean_env() -> dict[str, str]:
    """The environment without pip configuration, so clients reach only the server under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TWINE_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run a command, returning stdout; raise with its output when it fails."""
    result = subprocess.run(
        args,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        shown = " ".join(args[:6]) + (" ..." if len(args) > 6 else "")
        raise RuntimeError(
            f"{shown} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def ensure_peer_venv() -> Path:
    """Create (once) the virtualenv holding the pinned peers; returns its bin directory."""
    stamp = PEER_VENV / ".requirements"
    wanted = "\n".join(PEER_REQUIREMENTS)
    bin_dir = PEER_VENV / "bin"
    if stamp.exists() and stamp.read_text() == wanted:
        return bin_dir
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"creating {PEER_VENV} with {', '.join(PEER_REQUIREMENTS)}", flush=True)
    run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)])
    # The image's pip configuration may point at local mirrors; the real registry is wanted.
    env = {k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"}
    run([str(bin_dir / "pip"), "install", "-q", *PEER_REQUIREMENTS], env=env, timeout=900)
    stamp.write_text(wanted)
    return bin_dir


def package_version(bin_dir: Path, distribution: str) -> str:
    return run(
        [
            str(bin_dir / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ]
    ).strip()


@dataclass
class Index:
    """What the benchmark needs to know about a running index."""

    name: str
    version: str
    upload_url: str
    simple_url: str  # ends with "/", the PEP 503 root
    username: str
    password: str
    shape: str  # one line describing how it is served
    processes: list[Process] = field(default_factory=list)

    def simple_path(self, project: str | None = None) -> str:
        """Path (no host) of /simple/ or of a project's page, for the load generator."""
        path = "/" + self.simple_url.split("/", 3)[3]
        return path if project is None else f"{path}{project}/"

    @property
    def base_url(self) -> str:
        return "/".join(self.simple_url.split("/", 3)[:3])


@contextlib.contextmanager
def pypiserver(bin_dir: Path, work: Path) -> Iterator[Index]:
    """pypiserver under gunicorn in warehouse_lite's shape, htpasswd-protected uploads.

    Its Docker image runs one gevent worker instead. Started that way here, it mixed up
    concurrent uploads (twine sent one file and was told another one already existed), so the
    benchmark gives it the same gunicorn shape as ours, which also lets it use both cores.
    """
    packages = work / "pypiserver-packages"
    packages.mkdir(parents=True)
    htpasswd = work / "pypiserver.htpasswd"
    run(
        [
            str(bin_dir / "python"),
            "-c",
            "import sys; from passlib.apache import HtpasswdFile as H; "
            "h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
            str(htpasswd),
            USERNAME,
            PASSWORD,
        ]
    )
    port = free_port()
    env = clean_env()
    env["GUNICORN_CMD_ARGS"] = " ".join(
        ["--workers", str(GUNICORN_WORKERS), *GUNICORN_SHAPE, "--access-logfile", "-"]
    )
    proc = Process(
        "pypiserver",
        [
            str(bin_dir / "pypi-server"),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--passwords",
            str(htpasswd),
            "--authenticate",
            "update",
            "--disable-fallback",
            "--server",
            "gunicorn",
            str(packages),
        ],
        env,
        work,
    )
    try:
        wait_for_port(port, timeout=60, process=proc.start())
        yield Index(
            name="pypiserver",
            version=package_version(bin_dir, "pypiserver"),
            upload_url=f"http://127.0.0.1:{port}/",
            simple_url=f"http://127.0.0.1:{port}/simple/",
            username=USERNAME,
            password=PASSWORD,
            shape=f"{GUNICORN_DESCRIPTION}, cached-dir backend (pypiserver[cache])",
            processes=[proc],
        )
    finally:
        proc.stop()


@contextlib.contextmanager
def devpi(bin_dir: Path, work: Path) -> Iterator[Index]:
    """devpi-server (its own waitress, default threads), offline, one user and one index."""
    server_dir = work / "devpi-server"
    client_dir = work / "devpi-client"
    run(
        [
            str(bin_dir / "devpi-init"),
            "--serverdir",
            str(server_dir),
            "--no-root-pypi",
            "--root-passwd",
            PASSWORD,
        ]
    )
    port = free_port()
    proc = Process(
        "devpi-server",
        [
            str(bin_dir / "devpi-server"),
            "--serverdir",
            str(server_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--offline-mode",
        ],
        clean_env(),
        work,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, timeout=60, process=proc.start())
        devpi_cli = [str(bin_dir / "devpi"), "--clientdir", str(client_dir)]
        run([*devpi_cli, "use", url])
        run([*devpi_cli, "user", "-c", USERNAME, f"password={PASSWORD}", f"email={EMAIL}"])
        run([*devpi_cli, "login", USERNAME, "--password", PASSWORD])
        # No bases (nothing mirrored) and non-volatile: like the others, refuse overwrites.
        run([*devpi_cli, "index", "-c", "dev", "bases=", "volatile=False"])
        yield Index(
            name="devpi-server",
            version=package_version(bin_dir, "devpi-server"),
            upload_url=f"{url}/{USERNAME}/dev/",
            simple_url=f"{url}/{USERNAME}/dev/+simple/",
            username=USERNAME,
            password=PASSWORD,
            shape="devpi-server's own waitress (50 threads), sqlite storage, --offline-mode",
            processes=[proc],
        )
    finally:
        proc.stop()


def warehouse_version() -> str:
    try:
        rev = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    except RuntimeError:
        rev = "unknown"
    from importlib.metadata import version

    return f"{version('warehouse-lite')} ({rev})"


@contextlib.contextmanager
def warehouse_lite(work: Path, db_admin_url: str) -> Iterator[tuple[Index, LiveServer]]:
    """warehouse_lite as in production (docs/deployment.md): nginx serving the published
    simple pages in front of gunicorn, PostgreSQL, Redis, a Celery worker, SMTP."""
    from tests.common.db import throwaway_database_url

    work.mkdir(parents=True, exist_ok=True)
    with throwaway_database_url(work, server=db_admin_url) as db_url:
        server = LiveServer(
            db_url, work, workers=GUNICORN_WORKERS, gunicorn_args=GUNICORN_SHAPE, proxy=True
        )
        try:
            server.start()
            server.create_user(USERNAME, PASSWORD, EMAIL)
            url = server.url.replace("localhost", "127.0.0.1")
            from bench.auth import upload_credentials

            username, password = upload_credentials(server, USERNAME, PASSWORD)
            yield (
                Index(
                    name="warehouse_lite",
                    version=warehouse_version(),
                    upload_url=f"{url}/legacy/",
                    simple_url=f"{url}/simple/",
                    username=username,
                    password=password,
                    shape=f"nginx (published simple pages) in front of {GUNICORN_DESCRIPTION}, "
                    "PostgreSQL, Redis, Celery worker",
                    processes=server.processes,
                ),
                server,
            )
        except Exception:
            print(server.logs()[-5000:], file=sys.stderr)
            raise
        finally:
            server.stop()
