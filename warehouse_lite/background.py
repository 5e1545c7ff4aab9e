"""Periodic work that must happen even when no request or broker asks for it.

One daemon thread per process runs each job every ``interval`` seconds, and at once when
``wake()`` is called. It runs in every Celery worker (started by the ``worker_ready`` signal)
and in the embedded server (``warehouse-lite serve``), so both modes sweep the email outbox
with no extra process to deploy. Several processes may run the same jobs: each job must be
safe to run concurrently (the outbox sweep claims rows before sending them).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

Job = Callable[[], object]


class BackgroundJobs:
    """A daemon thread running ``jobs`` every ``interval`` seconds (or when woken)."""

    def __init__(self, jobs: dict[str, Job], interval: float) -> None:
        self.jobs = jobs
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="warehouse-lite-jobs", daemon=True)

    def start(self) -> BackgroundJobs:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Run the jobs now rather than at the next interval (e.g. an email was queued)."""
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def run_once(self) -> None:
        for name, job in self.jobs.items():
            try:
                job()
            except Exception:  # one failing job (a database restart) must not end the thread
                logger.exception("background job %s failed", name)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()


def every(seconds: float, job: Job) -> Job:
    """``job``, run at most once per ``seconds`` however often the runner wakes."""
    last = -float("inf")

    def throttled() -> object:
        nonlocal last
        if time.monotonic() - last < seconds:
            return None
        last = time.monotonic()
        return job()

    return throttled


_running: BackgroundJobs | None = None
_running_pid: int | None = None


def start(jobs: dict[str, Job], interval: float) -> BackgroundJobs:
    """Start this process's ``jobs``, each every ``interval`` seconds (once per process);
    later calls return the same runner. The callers (the Celery worker, the embedded
    server) name the jobs, e.g. email.delivery.outbox_jobs."""
    global _running, _running_pid
    if running() is None:
        _running = BackgroundJobs(jobs, interval).start()
        _running_pid = os.getpid()
    assert _running is not None
    return _running


def running() -> BackgroundJobs | None:
    """This process's runner, if one was started (the embedded server, a Celery worker).
    A forked child (a Celery pool process) has no runner: the thread was not copied."""
    return _running if _running_pid == os.getpid() else None
