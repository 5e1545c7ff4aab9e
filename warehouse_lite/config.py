"""The application factory: typed settings, then every domain's includeme."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy

import warehouse_lite.models  # noqa: F401  (every mapper, before the first query)
from warehouse_lite.authnz import Root
from warehouse_lite.security_policy import MultiSecurityPolicy
from warehouse_lite.settings import Settings, load_settings, store_settings

if TYPE_CHECKING:
    from pyramid.interfaces import ISecurityPolicy
    from sqlalchemy.engine import Engine

    from warehouse_lite.sessions.stores import SessionStore

# The order matters: db before sessions (the SQL store), tasks after db.
INCLUDES = [
    "pyramid_jinja2",
    "pyramid_services",
    "warehouse_lite.settings",
    "warehouse_lite.clock",
    "warehouse_lite.db",
    "warehouse_lite.sessions",
    "warehouse_lite.ratelimit",
    "warehouse_lite.tasks",
    "warehouse_lite.web.routes",
    "warehouse_lite.web.templating",
    "warehouse_lite.web.tweens",
    "warehouse_lite.web.views",
    "warehouse_lite.accounts",
    "warehouse_lite.macaroons",
    "warehouse_lite.manage",
    "warehouse_lite.accounts.two_factor",
    "warehouse_lite.packaging.views.pages",
    "warehouse_lite.packaging",
    "warehouse_lite.forklift",
    "warehouse_lite.legacy_api",
    "warehouse_lite.admin",
    "warehouse_lite.email",
    "warehouse_lite.email.views",
]


def configure(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_store: SessionStore | None = None,
) -> Configurator:
    """A Configurator for the whole app.

    Tests pass their own ``engine`` (and a ``session_store`` on it) so that every request runs
    inside the test's transaction; otherwise both are made from the settings.
    """
    from warehouse_lite.db import use_engine
    from warehouse_lite.sessions import use_session_store

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
    store_settings(config.registry, settings)
    if engine is not None:
        use_engine(config.registry, engine)
    if session_store is not None:
        use_session_store(config.registry, session_store)
    config.set_root_factory(Root)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    policies: list[ISecurityPolicy] = []

    def add_security_policies(config: Configurator, *added: ISecurityPolicy) -> None:
        """Directive of the domains that authenticate requests (accounts, macaroons)."""
        policies.extend(added)

    config.add_directive("add_security_policies", add_security_policies)
    for include in INCLUDES:
        config.include(include)
    # Every domain has added its sub-policies by now; their order is the order of INCLUDES.
    config.set_security_policy(MultiSecurityPolicy(policies))
    return config


def make_wsgi_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_store: SessionStore | None = None,
) -> Any:
    return configure(settings, engine=engine, session_store=session_store).make_wsgi_app()
