"""The application factory: typed settings, then every domain's includeme."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy

import warehouse_lite.models  # noqa: F401  (every mapper, before the first query)
from warehouse_lite.authnz import Root
from warehouse_lite.security_policy import MultiSecurityPolicy
from warehouse_lite.settings import Settings, load_settings

# The order matters: db before sessions (the SQL store), tasks after db.
INCLUDES = [
    "pyramid_jinja2",
    "pyramid_services",
    "warehouse_lite.db",
    "warehouse_lite.sessions",
    "warehouse_lite.ratelimit",
    "warehouse_lite.tasks",
    "warehouse_lite.routes",
    "warehouse_lite.templating",
    "warehouse_lite.tweens",
    "warehouse_lite.views",
    "warehouse_lite.accounts",
    "warehouse_lite.macaroons",
    "warehouse_lite.manage",
    "warehouse_lite.accounts.two_factor",
    "warehouse_lite.packaging.pages",
    "warehouse_lite.packaging",
    "warehouse_lite.forklift",
    "warehouse_lite.legacy_api",
    "warehouse_lite.admin",
    "warehouse_lite.email",
    "warehouse_lite.email.outbox",
]


def configure(settings: Settings | None = None, **registry_values: Any) -> Configurator:
    """A Configurator for the whole app. ``registry_values`` lets tests inject e.g. an engine."""
    settings = settings or load_settings()
    config = Configurator(
        settings={
            "tm.manager_hook": "pyramid_tm.explicit_manager",
            # pyramid_tm would ask for the identity *before* routing to annotate the
            # transaction; the identity (cached per request) depends on the route (Basic
            # passwords count only on the upload route), so it must not be resolved that early.
            "tm.annotate_user": False,
            "retry.attempts": 3,
            "jinja2.directories": "warehouse_lite:templates",
            "jinja2.filters": "",
        }
    )
    config.registry["settings"] = settings
    config.set_root_factory(Root)
    for key, value in registry_values.items():
        config.registry[key] = value
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.registry["security_policies"] = []
    for include in INCLUDES:
        config.include(include)
    # Every domain has appended its sub-policy by now; their order is the order of INCLUDES.
    config.set_security_policy(MultiSecurityPolicy(config.registry["security_policies"]))
    return config


def make_wsgi_app(settings: Settings | None = None, **registry_values: Any) -> Any:
    return configure(settings, **registry_values).make_wsgi_app()
