"""FormViews: what the account's form view classes share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pyramid.httpexceptions import HTTPSeeOther

if TYPE_CHECKING:
    from pyramid.request import Request

    from warehouse_lite.web.forms import Form

F = TypeVar("F", bound="Form")
C = TypeVar("C")


class FormViews:
    """Base of a ``@view_defaults`` class of form views.

    Pyramid builds one instance per request; each view method reads ``self.request``. The
    helpers give the empty form on GET, the refusal that shows the page again with an error
    status, and the redirect back.
    """

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def posted(self) -> bool:
        return bool(self.request.method == "POST")

    def bind(self, form_class: type[F], **kwargs: Any) -> F:
        """``form_class`` filled from the POST body, or empty (nothing to validate) otherwise."""
        return form_class(self.request.POST if self.posted else None, **kwargs)

    def page_unless_valid(self, form: Form, context: C) -> C | None:
        """The page to show instead of acting on ``form``: the empty form on GET, its errors
        (400) when the POST does not validate; None once the POSTed form is valid."""
        if not self.posted:
            return context
        if not form.validate():
            return self.refuse(400, context)
        return None

    def refuse(self, status: int, context: C) -> C:
        """The page again (``context`` holds the form and its errors) with ``status``."""
        self.request.response.status = status
        return context

    def redirect(self, route_name: str, **kwargs: Any) -> HTTPSeeOther:
        return HTTPSeeOther(self.request.route_path(route_name, **kwargs))


def json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body when it is an object; otherwise (none, malformed, a list) {}."""
    try:
        body = request.json_body
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
