"""Celery app and the task base that enqueues only after the request's transaction commits.

Views call ``request.task(some_task).delay(...)``: nothing is sent when the view's transaction
rolls back, and a worker never sees a task before the rows it refers to are committed. In the
embedded mode (no broker) tasks run in-process, still after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import celery
from celery import Celery

from warehouse_lite.db import get_sessionmaker
from warehouse_lite.settings import get_settings

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

    from warehouse_lite.settings import Settings

celery_app = Celery("warehouse_lite")


class WarehouseTask(celery.Task):
    """Base task: knows the app's settings and database through ``self.app.conf``."""

    abstract = True

    @property
    def settings(self) -> Settings:
        return self.app.conf["warehouse_lite_settings"]

    @property
    def sessionmaker(self) -> Any:
        return self.app.conf["warehouse_lite_sessionmaker"]


celery_app.Task = WarehouseTask


class _AfterCommitTask:
    """Wraps a task so ``delay``/``apply_async`` run only if the transaction commits."""

    def __init__(self, request: Request, task: celery.Task) -> None:
        self._request = request
        self._task = task

    def delay(self, *args: Any, **kwargs: Any) -> None:
        self.apply_async(args=args, kwargs=kwargs)

    def apply_async(self, args: Any = (), kwargs: Any = None, **options: Any) -> None:
        def send(committed: bool) -> None:
            if committed:
                self._task.apply_async(args=args, kwargs=kwargs or {}, **options)

        self._request.tm.get().addAfterCommitHook(send)


def configure_celery(settings: Settings, sessionmaker: Any) -> Celery:
    """Point the Celery app at the configured broker (or in-process execution)."""
    celery_app.conf.update(
        broker_url=settings.broker_url or "memory://",
        task_always_eager=settings.tasks_eager,
        task_eager_propagates=False,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        task_ignore_result=True,
        warehouse_lite_settings=settings,
        warehouse_lite_sessionmaker=sessionmaker,
    )
    celery_app.autodiscover_tasks(["warehouse_lite.email"], related_name="tasks", force=True)
    return celery_app


def _request_task(request: Request, task: celery.Task) -> _AfterCommitTask:
    return _AfterCommitTask(request, task)


def includeme(config: Configurator) -> None:
    configure_celery(get_settings(config.registry), get_sessionmaker(config.registry))
    config.add_request_method(_request_task, "task")
