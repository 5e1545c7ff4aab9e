"""Entry point for `celery -A warehouse_lite.worker worker`: the configured Celery app."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

import warehouse_lite.models  # noqa: F401
from warehouse_lite.db import make_engine
from warehouse_lite.settings import load_settings
from warehouse_lite.tasks import configure_celery

_settings = load_settings()
app = configure_celery(_settings, sessionmaker(bind=make_engine(_settings)))
