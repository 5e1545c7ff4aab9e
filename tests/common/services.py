"""Reach and replace the app's services from tests, without a request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyramid_services import IServiceRegistry, ProxyFactory, SingletonServiceWrapper


def _services(app: Any) -> Any:
    """The service registry of ``app`` (a Router or anything with its ``registry``)."""
    return app.registry.getUtility(IServiceRegistry)


def singleton(app: Any, iface: Any, name: str = "") -> Any:
    """The object registered with ``config.register_service(obj, iface, name=name)``."""
    factory = _services(app).find_factory(iface, name=name)
    assert isinstance(factory, ProxyFactory), f"no service {iface!r} named {name!r}"
    return factory.factory(None, None)


@contextmanager
def replaced(app: Any, iface: Any, service: Any, name: str = "") -> Iterator[Any]:
    """Make ``service`` the app's ``iface`` service inside the block; the old one after."""
    registry = _services(app)
    previous = registry.find_factory(iface, name=name)
    registry.register_factory(
        ProxyFactory(SingletonServiceWrapper(service)), iface, context=None, name=name
    )
    try:
        yield service
    finally:
        registry.register_factory(previous, iface, context=None, name=name)
