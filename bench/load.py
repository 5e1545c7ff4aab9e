"""HTTP load at a fixed number of concurrent connections: wrk when installed, else Python.

Both report requests per second and the 50th/99th percentile latency, over a fixed duration
after a short warm-up, cycling through a list of paths on one server (keep-alive connections).
"""

from __future__ import annotations

import http.client
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ACCEPT = "text/html"  # PEP 503 HTML: the one format every server here serves
# What pip sends (uv adds zstd): a server may compress; none of the peers here does.
ACCEPT_ENCODING = "gzip, deflate"
HEADERS = {"Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connection errors, timeouts and non-2xx answers
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua_script(paths: list[str]) -> str:
    quoted = ",\n".join(f'  "{p}"' for p in paths)
    # Each wrk thread has its own Lua state, so `n` needs no locking.
    return f"""
local paths = {{
{quoted}
}}
local n = 0
wrk.headers["Accept"] = "{ACCEPT}"
wrk.headers["Accept-Encoding"] = "{ACCEPT_ENCODING}"
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk(
    base_url: str, paths: list[str], connections: int, seconds: float, threads: int
) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua_script(paths))
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    requests, duration_us, p50_us, p99_us, errors = (int(v) for v in line.split()[1:])
    return LoadResult(requests, duration_us / 1e6, p50_us / 1000, p99_us / 1000, errors, "wrk")


def _python(base_url: str, paths: list[str], connections: int, seconds: float) -> LoadResult:
    """Threads with one keep-alive http.client connection each (limited by the GIL)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop = threading.Event()

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        i = slot
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=HEADERS)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    errors[slot] += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                continue
            latencies[slot].append(time.perf_counter() - start)
        conn.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - started
    samples = sorted(x for slot in latencies for x in slot)
    if not samples:
        return LoadResult(0, elapsed, 0.0, 0.0, sum(errors), "python")
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return LoadResult(
        len(samples), elapsed, statistics.median(samples) * 1000, p99 * 1000, sum(errors), "python"
    )


def load(
    base_url: str,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    warmup: float = 2.0,
    threads: int = 2,
) -> LoadResult:
    """Throughput and latency of GETs of ``paths`` on ``base_url`` (http://host:port)."""
    use_wrk = shutil.which("wrk") is not None

    def once(duration: float) -> LoadResult:
        if use_wrk:
            return _wrk(base_url, paths, connections, duration, threads)
        return _python(base_url, paths, connections, duration)

    if warmup > 0:
        once(warmup)
    return once(seconds)


@dataclass(frozen=True)
class FirstByte:
    """Sequential requests on one connection: the server's own time, without queueing."""

    first_byte_ms: list[float]  # request sent -> status line and headers received
    complete_ms: list[float]  # request sent -> last byte of the body received


def first_byte(base_url: str, paths: list[str], requests: int) -> FirstByte:
    """Time ``requests`` GETs of ``paths`` (cycled) one after the other on a keep-alive
    connection, to the first byte and to the last: how long the server takes to start
    answering, apart from queueing behind other requests and from the size of the page."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    first: list[float] = []
    complete: list[float] = []
    try:
        for i in range(requests):
            start = time.perf_counter()
            conn.request("GET", paths[i % len(paths)], headers=HEADERS)
            response = conn.getresponse()  # returns once the headers are in
            headers_in = time.perf_counter()
            response.read()
            done = time.perf_counter()
            if response.status != 200:
                raise RuntimeError(f"GET {paths[i % len(paths)]} answered {response.status}")
            if response.will_close:
                conn.close()
            first.append((headers_in - start) * 1000)
            complete.append((done - start) * 1000)
    finally:
        conn.close()
    return FirstByte(first, complete)
