"""Entry point for `celery -A warehouse_lite.worker worker`: the configured Celery app.

Each worker also runs the background jobs (background.py: the email outbox sweep) in its main
process, so deploying workers is all it takes.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready
from sqlalchemy.orm import sessionmaker

import warehouse_lite.models  # noqa: F401
from warehouse_lite import background
from warehouse_lite.db import make_engine
from warehouse_lite.email.delivery import outbox_jobs
from warehouse_lite.settings import load_settings
from warehouse_lite.tasks import configure_celery

_settings = load_settings()
_sessionmaker = sessionmaker(bind=make_engine(_settings))
app = configure_celery(_settings, _sessionmaker)


@worker_ready.connect
def _start_background_jobs(**_: Any) -> None:
    background.start(outbox_jobs(_sessionmaker, _settings), _settings.mail_sweep_interval)
