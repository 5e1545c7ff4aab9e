"""The application's views as registered (route name x request method), read from Pyramid's
introspector, and concrete URLs for them; so a new view is seen by the tests on its own."""

from __future__ import annotations

from typing import Any

from tests.security.world import PROJECT, VERSION

METHODS_OF_ANY_METHOD_VIEW = ("GET", "POST")


def registered_views(registry: Any) -> set[tuple[str, str]]:
    """(route name, method) of every view bound to a route; HEAD is left out (same view as
    GET); a view without request_method counts as GET and POST."""
    found: set[tuple[str, str]] = set()
    for item in registry.introspector.get_category("views"):
        view = item["introspectable"]
        route = view["route_name"]
        if route is None or route.startswith("__"):
            continue  # exception views and static assets
        methods = view["request_methods"]
        if methods is None:
            methods = METHODS_OF_ANY_METHOD_VIEW
        elif isinstance(methods, str):
            methods = (methods,)
        for method in methods:
            if method != "HEAD":
                found.add((route, method))
    return found


def url_for(registry: Any, route: str, *, username: str, file_path: str) -> str:
    """A URL of ``route`` naming things that exist in the world (project, release, user)."""
    mapper = registry.getUtility(__import__("pyramid.interfaces").interfaces.IRoutesMapper)
    pattern = mapper.get_route(route)
    values = {
        "project_name": PROJECT,
        "name": PROJECT,
        "version": VERSION,
        "username": username,
        "path": file_path,
    }
    if route == "dev.mail.message":
        values["name"] = "20200101T000000-x.eml"
    matchdict = {key: values[key] for key in _placeholders(pattern.pattern)}
    return str(pattern.generate(matchdict))


def _placeholders(pattern: str) -> list[str]:
    import re

    return [name.split(":")[0] for name in re.findall(r"{([^}]+)}", pattern)]
