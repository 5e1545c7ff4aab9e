"""Work that runs once the response has been handed to the client.

For answers whose timing must not depend on what the work finds (the password-reset form:
whether the account exists must not show in how long the answer takes). The response's body
iterable gets a ``close()`` that runs the work: WSGI servers call it after they have written
the body (gunicorn and waitress), so the client already has the whole answer. In-process
clients (WebTest) call it before returning, so tests see the work done.

Each piece of work runs in a transaction of its own on the same request (``request.tm``,
``request.db``; emails queued with ``send_email`` go out after its commit), with the request
pushed as the current one. A failure is logged and the transaction aborted: the client already
has its answer, there is no one to tell.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pyramid.threadlocal import RequestContext

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

log = logging.getLogger(__name__)
_PENDING = "warehouse_lite.web.after_response"

Work = Callable[["Request"], None]


def run_after_response(request: Request, work: Work) -> None:
    """Run ``work(request)`` after this request's response has been sent (if it is not an
    error response)."""
    pending: list[Work] | None = request.environ.get(_PENDING)
    if pending is None:
        pending = request.environ[_PENDING] = []
        request.add_response_callback(_defer)
    pending.append(work)


def _defer(request: Request, response: Response) -> None:
    if response.status_code >= 400:
        return  # the request failed after all (e.g. its commit): its work is not due
    length = response.content_length  # setting app_iter forgets it
    response.app_iter = _ThenRun(response.app_iter, request, request.environ[_PENDING])
    response.content_length = length


class _ThenRun:
    """The body, then the pending work when the server closes it."""

    def __init__(self, body: Iterable[bytes], request: Request, work: list[Work]) -> None:
        self._body = body
        self._request = request
        self._work = work

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        close_body: Any = getattr(self._body, "close", None)
        try:
            if close_body is not None:
                close_body()
        finally:
            work, self._work = self._work, []
            for item in work:
                _run(self._request, item)


def _run(request: Request, work: Work) -> None:
    manager = request.tm
    with RequestContext(request):
        try:
            manager.begin()
            try:
                work(request)
                manager.commit()
            except Exception:
                manager.abort()
                raise
        except Exception:
            log.exception("work after the response failed: %r", work)
        finally:
            request.db.close()
