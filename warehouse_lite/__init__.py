"""warehouse_lite: a self-hosted Python package index in the image of PyPI's Warehouse."""

from __future__ import annotations

import warnings
from typing import Any

# Pyramid 2.1 (the newest release) still imports pkg_resources for asset paths, and
# setuptools >= 80.9 warns on that import, so every start printed a UserWarning that no user can
# act on. Silence exactly that warning when Pyramid triggers it (the filter must be in place
# before Pyramid is first imported, hence here); the same warning from any other importer still
# shows. (setuptools 82 drops pkg_resources; Pyramid 2.1 requires setuptools<82 for that reason.)
warnings.filterwarnings(
    "ignore",
    message=r"pkg_resources is deprecated as an API",
    category=UserWarning,
    module=r"pyramid\.",
)


def main(global_config: dict[str, Any] | None = None, **_ignored: Any) -> Any:
    """PasteDeploy / gunicorn entry point: settings come from the environment."""
    from warehouse_lite.config import make_wsgi_app

    return make_wsgi_app()
