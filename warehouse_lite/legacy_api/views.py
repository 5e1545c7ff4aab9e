"""The XML-RPC endpoint at /pypi (and /pypi/): read the call, run the method, answer.

Every POST whose body is XML gets an XML-RPC answer with status 200, a fault included (as
xmlrpc.client and aiohttp-xmlrpc expect); a body that is not XML gets a 415, a GET a 405, each
with a message saying what the endpoint is for.
"""

from __future__ import annotations

import xmlrpc.client
from typing import TYPE_CHECKING

from pyramid.response import Response
from pyramid.view import view_config

from warehouse_lite.legacy_api import protocol
from warehouse_lite.legacy_api.methods import METHODS, RETIRED, retired_fault
from warehouse_lite.web.errors import api_error

if TYPE_CHECKING:
    from pyramid.request import Request

XML_TYPES = ("text/xml", "application/xml")
ABOUT = (
    "/pypi is PyPI's XML-RPC API for mirrors (POST a text/xml methodCall: "
    "list_packages_with_serial, changelog_since_serial, ...). Project data is also at "
    "/pypi/<project>/json and in the index at /simple/."
)


def _is_xml(content_type: str) -> bool:
    # No Content-Type at all is taken as XML, as some minimal clients send none.
    return not content_type or content_type in XML_TYPES or content_type.endswith("+xml")


def _answer(request: Request) -> bytes:
    """The XML-RPC answer to the call in the request body (a fault when it fails)."""
    # One byte over the bound is enough for parse_call to refuse the body.
    body = request.body_file.read(protocol.MAX_REQUEST_BYTES + 1)
    try:
        name, params = protocol.parse_call(body)
        if name in RETIRED:
            raise retired_fault(name)
        method = METHODS.get(name)
        if method is None:
            raise protocol.fault(protocol.METHOD_NOT_FOUND, f"No such method: {name}. {ABOUT}")
        return protocol.response_body(method.call(request, name, params))
    except xmlrpc.client.Fault as error:
        return protocol.fault_body(error)


@view_config(route_name="legacy_api.xmlrpc", request_method="POST", require_csrf=False)
@view_config(route_name="legacy_api.xmlrpc.slash", request_method="POST", require_csrf=False)
def xmlrpc_endpoint(request: Request) -> Response:
    if not _is_xml(request.content_type):
        return api_error(
            request, 415, f"An XML-RPC request is XML (Content-Type: text/xml). {ABOUT}"
        )
    return Response(body=_answer(request), content_type="text/xml", charset="utf-8")


@view_config(route_name="legacy_api.xmlrpc", request_method="GET")
@view_config(route_name="legacy_api.xmlrpc.slash", request_method="GET")
def xmlrpc_get(request: Request) -> Response:
    response = api_error(request, 405, f"Use POST. {ABOUT}")
    response.allow = ("POST",)
    return response
