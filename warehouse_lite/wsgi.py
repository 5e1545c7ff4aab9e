"""WSGI entry point for gunicorn: `gunicorn warehouse_lite.wsgi:application`."""

from __future__ import annotations

from warehouse_lite.config import make_wsgi_app

application = make_wsgi_app()
