"""The background-jobs thread: runs its jobs at start, when woken, and survives a failing job."""

from __future__ import annotations

import threading

from warehouse_lite.background import BackgroundJobs


def test_runs_at_start_and_when_woken_and_survives_a_failing_job() -> None:
    runs: list[str] = []
    ran = threading.Semaphore(0)

    def failing() -> None:
        raise RuntimeError("the database is restarting")

    def counting() -> None:
        runs.append("ran")
        ran.release()

    # An hour between runs: only the start and wake() can make the second run happen.
    jobs = BackgroundJobs({"failing": failing, "counting": counting}, interval=3600).start()
    try:
        assert ran.acquire(timeout=30)
        jobs.wake()
        assert ran.acquire(timeout=30)
    finally:
        jobs.stop()
    assert runs == ["ran", "ran"]


def test_every_throttles_a_job() -> None:
    from warehouse_lite.background import every

    calls: list[int] = []
    job = every(3600, lambda: calls.append(1))
    for _ in range(5):
        job()
    assert calls == [1]
