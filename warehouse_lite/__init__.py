"""warehouse_lite: a self-hosted Python package index in the image of PyPI's Warehouse."""

from __future__ import annotations

from typing import Any


def main(global_config: dict[str, Any] | None = None, **_ignored: Any) -> Any:
    """PasteDeploy / gunicorn entry point: settings come from the environment."""
    from warehouse_lite.config import make_wsgi_app

    return make_wsgi_app()
