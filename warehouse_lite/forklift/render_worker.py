"""Rendering descriptions in worker processes, each render limited in processor time.

Why not in the request's own thread: the renderers' cost grows faster than their input for
some shapes of markup, and not all of them let other threads run meanwhile.

- docutils (reStructuredText) is pure Python and slow on large lists, tables and definition
  lists (tens of seconds for a few hundred KiB); a deeply nested text exhausts the recursion
  limit.
- comrak (Markdown, Rust) holds the GIL while it works, and is quadratic on some inputs (e.g.
  repeated identical headings, whose anchors it numbers one by one; unclosed `<?`): in the
  embedded server's threads, nobody else would be answered meanwhile.
- Pygments highlights code blocks in whatever language the author names, and several of its
  lexers' regular expressions backtrack for seconds on a few KiB; `re` holds the GIL as well.

So a render runs in a separate process that is given ``cpu_seconds`` of processor time
(RLIMIT_CPU: the kernel stops it, whatever code it is in); a render that does not finish, or
a worker that crashes, refuses the upload with a 400 and the worker is replaced. Workers are
started with "spawn" (never a fork of a threaded server), kept for the next upload, and shared
by every app in the process; the request waits in a select() that lets other threads run.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import resource
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any

from warehouse_lite.forklift.errors import UploadError

log = logging.getLogger(__name__)

# A render that is not finished this long (wall clock) after its processor time ran out is
# stopped too: a worker starved by a busy machine, or stopped by a signal.
WALL_CLOCK_FACTOR = 3
WALL_CLOCK_SLACK = 5.0
MAX_IDLE_WORKERS = 4
_CONTEXT = multiprocessing.get_context("spawn")
NESTED_TOO_DEEPLY = (
    "The description is nested too deeply to render (lists, quotes or sections inside each "
    "other): flatten its structure."
)
RENDERER_FAILED = (
    "The description could not be rendered: its markup made the renderer fail. Simplify it, "
    "or set description_content_type to text/plain."
)


def _limit_processor_time(seconds: int) -> None:
    """Let this process use ``seconds`` (to ``seconds`` + 1) more seconds of processor time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _render(text: str, content_type: str | None) -> tuple[str, str | None]:
    from warehouse_lite.forklift.description import render_description

    try:
        return ("rendered", render_description(text, content_type))
    except UploadError as exc:
        return ("refused", exc.message)
    except RecursionError:
        return ("refused", NESTED_TOO_DEEPLY)
    except Exception:
        # A renderer's bug is still the answer to this description, not a server error.
        log.exception("rendering a description failed")
        return ("refused", RENDERER_FAILED)


def serve(conn: Connection) -> None:
    """The worker's loop: (text, content type, seconds) in, ("rendered", html or None) or
    ("refused", message) out, until the other end closes."""
    # SIGXCPU would also dump core; the kernel's kill is all we want from it.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C of the server is for the server
    while True:
        try:
            text, content_type, seconds = conn.recv()
        except (EOFError, OSError):
            return
        _limit_processor_time(seconds)
        conn.send(_render(text, content_type))


class _Worker:
    def __init__(self) -> None:
        self.conn, child_end = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=serve, args=(child_end,), name="description-renderer", daemon=True
        )
        self.process.start()
        child_end.close()

    def render(self, job: tuple[str, str | None, int], wall_seconds: float) -> tuple[str, Any]:
        """The worker's answer; ("stopped", why) when it died or did not answer in time (it
        is then stopped for good)."""
        try:
            self.conn.send(job)
            if self.conn.poll(wall_seconds):
                answer: tuple[str, Any] = self.conn.recv()
                return answer
            why = "time"
        except (EOFError, OSError):
            why = "crash"
        self.stop()
        if self.process.exitcode == -signal.SIGXCPU:
            why = "time"
        return ("stopped", why)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class RenderWorkers:
    """Idle workers, handed out one per render (so concurrent uploads render in parallel)."""

    def __init__(self) -> None:
        self._forget()
        # A forked child (gunicorn --preload) must not share its parent's workers, nor find
        # the lock taken by a thread that does not exist in the child.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Worker()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE_WORKERS:
                self._idle.append(worker)
                return
        worker.stop()

    def prestart(self) -> None:
        """Start one worker in the background if none is idle, so that the first upload does
        not wait for a Python interpreter to start."""
        with self._lock:
            if self._idle:
                return

        def start() -> None:
            self._give_back(self._take())

        threading.Thread(target=start, name="description-renderer-start", daemon=True).start()

    def render(self, text: str, content_type: str | None, cpu_seconds: int) -> str | None:
        """HTML of the description, as ``description.render_description`` gives it, computed
        in a worker; UploadError when it does not render or not within ``cpu_seconds``."""
        worker = self._take()
        wall_seconds = cpu_seconds * WALL_CLOCK_FACTOR + WALL_CLOCK_SLACK
        kind, value = worker.render((text, content_type, cpu_seconds), wall_seconds)
        if kind == "stopped":
            if value == "time":
                seconds = f"{cpu_seconds} second{'' if cpu_seconds == 1 else 's'}"
                raise UploadError(
                    f"The description could not be rendered within {seconds} of processor "
                    "time: shorten it or simplify its markup (very long lists, tables and code "
                    "blocks cost the most)."
                )
            raise UploadError(RENDERER_FAILED)
        self._give_back(worker)
        if kind == "refused":
            raise UploadError(value)
        return value


WORKERS = RenderWorkers()


def render_in_worker(text: str | None, content_type: str | None, cpu_seconds: int) -> str | None:
    """HTML of the description (None when there is none), rendered by a worker process within
    ``cpu_seconds`` of processor time; UploadError otherwise."""
    if not text:
        return None
    return WORKERS.render(text, content_type, cpu_seconds)
