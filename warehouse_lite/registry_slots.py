"""Typed places in the Pyramid registry for the few objects that are not services.

The settings, the database engine and session factory, and the session store are needed at
configuration time (includeme, tween factories, the worker and the CLI), before and outside
any request, so they cannot be looked up with ``request.find_service``. Each lives in one
RegistrySlot, owned by one module, which offers typed accessors; nobody else knows its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from pyramid.registry import Registry

T = TypeVar("T")


class RegistrySlot(Generic[T]):
    """One value of type T in a registry, under a key private to this slot."""

    def __init__(self, key: str) -> None:
        self._key = key

    def get(self, registry: Registry) -> T:
        value: T = registry[self._key]
        return value

    def put(self, registry: Registry, value: T) -> None:
        registry[self._key] = value

    def is_set(self, registry: Registry) -> bool:
        return self._key in registry
