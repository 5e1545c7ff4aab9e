"""Site-wide views: home, help, health, and the error pages."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import redis.exceptions
import sqlalchemy.exc
from pyramid.authorization import ACLDenied
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken, PredicateMismatch
from pyramid.httpexceptions import (
    HTTPException,
    HTTPForbidden,
    HTTPMethodNotAllowed,
    HTTPNotFound,
    HTTPSeeOther,
    HTTPUnauthorized,
)
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)

from warehouse_lite.email.throttle import EmailRateLimited
from warehouse_lite.security_policy import auth_failure
from warehouse_lite.web.errors import api_error, server_fault
from warehouse_lite.web.routes import is_upload_route

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request
    from pyramid.response import Response

log = logging.getLogger(__name__)


@view_config(route_name="help", renderer="help.html")
def help_page(request: Request) -> dict[str, Any]:
    return {}


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    from pyramid.renderers import render_to_response

    try:
        response = render_to_response(
            "error.html", {"status": status, "title": title, "message": message}, request=request
        )
    except UnicodeDecodeError:
        # The page shows the query (the search box): a query or form that is not UTF-8
        # gets the message as plain text instead of a second error.
        return api_error(request, status, message)
    response.status = status
    return response


def denial_message(exc: HTTPForbidden) -> str | None:
    """Why the request was refused, in words a person understands."""
    result = exc.result
    if isinstance(result, ACLDenied):
        # ACLDenied's own msg dumps the ACL and the user's principals: never show it. A context
        # may explain itself instead (e.g. Project: "only owners can manage it").
        explain = getattr(result.context, "explain_denial", None)
        return explain(result.permission) if callable(explain) else None
    return getattr(result, "msg", None)


@forbidden_view_config()
def forbidden(exc: HTTPForbidden, request: Request) -> Response:
    failure = auth_failure(request)
    if is_upload_route(request) or request.authorization is not None:
        if failure:
            return api_error(request, 403, failure)
        if request.authorization is None:
            response = api_error(
                request, 401, "Authentication required: use an API token (username __token__)."
            )
            response.headers["WWW-Authenticate"] = 'Basic realm="Upload"'
            return response
        reason = denial_message(exc)
        if reason is None and request.identity is None and not is_upload_route(request):
            # Basic credentials that are not a token only count on the upload API.
            reason = (
                "Username and password over HTTP are only accepted for uploads; "
                "log in through the website instead."
            )
        return api_error(request, 403, reason or "You are not allowed to do that.")
    if request.identity is None:
        login = request.route_path("accounts.login", _query={"next": request.path_qs})
        return HTTPSeeOther(login)
    reason = denial_message(exc) or "You are not allowed to see this page."
    return _error_page(request, 403, "Forbidden", reason)


@exception_view_config(BadCSRFToken)
@exception_view_config(BadCSRFOrigin)
def bad_csrf(exc: Exception, request: Request) -> Response:
    return _error_page(
        request,
        400,
        "Bad request",
        "The form's security token is missing or invalid (CSRF). Reload the page and try again.",
    )


@notfound_view_config()
def not_found(exc: HTTPNotFound, request: Request) -> Response:
    if isinstance(exc, PredicateMismatch) and request.matched_route is not None:
        # The URL exists but not for this method (e.g. a GET to a POST-only endpoint).
        response = _error_page(
            request, 405, "Method not allowed", f"{request.method} is not allowed here."
        )
        return response
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else "Page not found."
    return _error_page(request, 404, "Not found", message)


@exception_view_config(HTTPException)
def http_exception(exc: HTTPException, request: Request) -> Any:
    # Redirects and successful "exceptions" pass through; other errors get a page.
    if exc.code < 400 or isinstance(exc, HTTPUnauthorized | HTTPMethodNotAllowed):
        return exc
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else exc.explanation
    return _error_page(request, exc.code, exc.title, message)


@exception_view_config(EmailRateLimited)
def too_many_emails(exc: EmailRateLimited, request: Request) -> Response:
    """An action would have sent more emails than a limit allows: it is undone as a whole
    (pyramid_tm aborts after an exception view), so nothing happened without its emails."""
    response = _error_page(request, 429, "Too many emails", str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@exception_view_config(UnicodeDecodeError)
def undecodable_request(exc: UnicodeDecodeError, request: Request) -> Response:
    """A URL, query string or form that is not UTF-8 (WebOb decodes them lazily, inside the
    view): the client's mistake, so a 400 rather than a 500."""
    return api_error(
        request, 400, "Bad request: the URL, query string or form data is not valid UTF-8."
    )


@exception_view_config(ValueError)
def malformed_form(exc: ValueError, request: Request) -> Response:
    """A request body that cannot be parsed as the form it claims to be (e.g. multipart
    without a boundary) is a 400; any other ValueError is a bug and stays a 500."""
    if request.method == "POST":
        try:
            request.POST  # noqa: B018  (parsing is the test)
        except ValueError:
            return api_error(request, 400, "Bad request: the form data cannot be parsed.")
    raise exc


# A backing service that is briefly unreachable (a restart, a failover, a full connection
# pool): the request cannot be served now but can be in a moment. Everything else stays a 500.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.DisconnectionError,
    sqlalchemy.exc.TimeoutError,
)


def service_unavailable(exc: Exception, request: Request) -> Response:
    """503 with Retry-After, for any client. Plain text: an HTML page would need the session,
    which may be what is unreachable."""
    # The driver's message only: SQLAlchemy's own text would add the statement's parameters.
    cause = getattr(exc, "orig", None) or exc
    log.error("503 for %s %s: %s: %s", request.method, request.path, type(cause).__name__, cause)
    return server_fault(
        request,
        503,
        "Service temporarily unavailable: a database or cache server cannot be reached. "
        "Try again in a moment.",
        retry_after=5,
    )


def input_output_error(exc: OSError, request: Request) -> Response:
    """Any other OSError that reaches the top of a request (a file the server could not read
    or write): a 503 with a message. Left to gunicorn, its sync worker would take it for a
    broken client connection and drop the connection (the client sees a bare 502)."""
    log.error("503 for %s %s: I/O error", request.method, request.path, exc_info=exc)
    return server_fault(
        request,
        503,
        "Service temporarily unavailable: the server could not read or write a file it "
        "needs. Try again in a moment.",
        retry_after=30,
    )


def includeme(config: Configurator) -> None:
    config.scan("warehouse_lite.web.views")
    for error in UNAVAILABLE_ERRORS:
        config.add_exception_view(service_unavailable, context=error)
    config.add_exception_view(input_output_error, context=OSError)
