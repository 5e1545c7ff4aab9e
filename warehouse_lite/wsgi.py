"""WSGI entry point for gunicorn: `gunicorn warehouse_lite.wsgi:application`."""

from __future__ import annotations

from warehouse_lite.config import make_wsgi_app
from warehouse_lite.forklift.render_worker import WORKERS

application = make_wsgi_app()
WORKERS.prestart()
