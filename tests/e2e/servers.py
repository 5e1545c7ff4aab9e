"""Real servers for end-to-end tests: Redis, SMTP (aiosmtpd), gunicorn and a Celery worker.

Each run starts its own Redis on a free port and its own PostgreSQL database, so parallel runs
never share queues, sessions or rate-limit counters.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening on {port}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


class Mailbox:
    """aiosmtpd handler that keeps every message it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._cond:
            self.messages.append(message)  # type: ignore[arg-type]
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(
        self, predicate: Callable[[EmailMessage], bool], timeout: float = 30.0
    ) -> EmailMessage:
        """The first message matching ``predicate``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    subjects = [m["Subject"] for m in self.messages]
                    raise TimeoutError(f"no matching email within {timeout}s; got {subjects}")
                self._cond.wait(remaining)

    def to(self, address: str, subject_contains: str, timeout: float = 30.0) -> EmailMessage:
        return self.wait_for(
            lambda m: address in str(m["To"]) and subject_contains in str(m["Subject"]), timeout
        )


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self.popen

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def warehouse_cli(
    args: Sequence[str], env: dict[str, str], *, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `warehouse-lite ARGS` with ``env``; its exit code, stdout and stderr, unchecked."""
    return subprocess.run(
        [str(BIN / "warehouse-lite"), *args],
        cwd=cwd,
        env=env,
        input=input,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )


def start_redis(log_dir: Path) -> tuple[Process, str]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = Process(
        "redis",
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(log_dir),
        ],
        dict(os.environ),
        log_dir,
    )
    wait_for_port(port, process=proc.start())
    return proc, f"redis://127.0.0.1:{port}/0"


class LiveServer:
    """warehouse_lite in its production shape: gunicorn + PostgreSQL + Redis + Celery + SMTP."""

    def __init__(
        self,
        db_url: str,
        work_dir: Path,
        *,
        workers: int = 2,
        gunicorn_args: Sequence[str] = (),
        proxy: bool = False,
    ) -> None:
        self.db_url = db_url
        self.work_dir = work_dir
        self.workers = workers
        # Extra gunicorn options (e.g. worker class and threads for the benchmarks).
        self.gunicorn_args = list(gunicorn_args)
        # proxy: nginx in front (docs/deployment.md), serving the published simple pages.
        self.proxy = proxy
        self.port = free_port()  # what clients use: nginx's with a proxy, else gunicorn's
        self.app_port = free_port() if proxy else self.port
        self.url = f"http://localhost:{self.port}"
        self.pages_dir = work_dir / "pages" if proxy else None
        self.smtp = SMTPServer()
        self.mailbox = self.smtp.mailbox
        self.processes: list[Process] = []
        self.env: dict[str, str] = {}

    def start(self) -> None:
        self.smtp.start()
        redis_proc, redis_url = start_redis(self.work_dir)
        self.processes.append(redis_proc)
        self.env = {
            **os.environ,
            "WAREHOUSE_ENV": "production",
            "DATABASE_URL": self.db_url,
            "REDIS_URL": redis_url,
            "SESSION_SECRET": "e2e-session-secret-" + "x" * 40,
            "TOKEN_SECRET": "e2e-token-secret-" + "y" * 40,
            "SITE_URL": self.url,
            "SITE_NAME": "warehouse_lite e2e",
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp.port),
            "MAIL_FROM": "warehouse_lite <noreply@localhost>",
            # The outbox sweep's period: short, so a test of a fault waits seconds, not 15.
            "MAIL_SWEEP_INTERVAL": "2",
            "VAR_DIR": str(self.work_dir / "var"),
            "FILES_DIR": str(self.work_dir / "files"),
            "PYTHONUNBUFFERED": "1",
        }
        if self.pages_dir is not None:
            self.env["SIMPLE_PAGES_DIR"] = str(self.pages_dir)
            self.env["TRUSTED_PROXIES"] = "1"
        self.run_cli("db", "upgrade")
        web = Process(
            "gunicorn",
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:warehouse_lite.gunicorn_conf",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.app_port}",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
                *self.gunicorn_args,
                "warehouse_lite.wsgi:application",
            ],
            self.env,
            self.work_dir,
        )
        worker = Process(
            "celery",
            [
                str(BIN / "celery"),
                "-A",
                "warehouse_lite.worker",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            self.env,
            self.work_dir,
        )
        self.processes += [web, worker]
        worker.start()
        wait_for_port(self.app_port, timeout=60, process=web.start())
        if self.proxy:
            self._start_nginx()
        self._wait_http()

    def _start_nginx(self) -> None:
        prefix = self.work_dir / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        config = prefix / "nginx.conf"
        config.write_text(
            self.run_cli(
                "nginx-config",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--upstream",
                f"127.0.0.1:{self.app_port}",
                "--access-log",
                str(prefix / "access.log"),
                "--standalone",
                str(prefix),
            )
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        proc = Process(
            "nginx",
            [nginx, "-c", str(config), "-p", str(prefix), "-e", "stderr", "-g", "daemon off;"],
            self.env,
            self.work_dir,
        )
        self.processes.append(proc)
        wait_for_port(self.port, timeout=30, process=proc.start())

    def _wait_http(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def run_cli(self, *args: str, input: str | None = None) -> str:
        result = warehouse_cli(args, self.env, input=input)
        if result.returncode != 0:
            raise RuntimeError(
                f"warehouse-lite {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def create_user(
        self,
        username: str,
        password: str,
        email: str,
        *,
        verified: bool = True,
        admin: bool = False,
    ) -> str:
        args = ["user", "create", username, "--email", email, "--password-stdin"]
        if verified:
            args.append("--verified")
        if admin:
            args.append("--admin")
        return self.run_cli(*args, input=password + "\n")

    def logs(self) -> str:
        return "\n".join(f"==== {p.name} ====\n{p.log()[-20000:]}" for p in self.processes)

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.smtp.stop()

    @contextlib.contextmanager
    def running(self) -> Iterator[LiveServer]:
        """Start, yield the server, stop; its logs are printed if starting or the body fails."""
        try:
            self.start()
            yield self
        except Exception:
            print(self.logs())
            raise
        finally:
            self.stop()
