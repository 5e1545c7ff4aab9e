"""Hostile and malformed XML-RPC requests: each gets a fault (200) or a 4xx with a message,
never a 500, never an expanded entity, never a session."""

from __future__ import annotations

import xmlrpc.client

import pytest
from sqlalchemy import select

from tests.common.dists import make_wheel
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, upload
from tests.functional.legacy_api.xmlrpc_client import call, send
from warehouse_lite.legacy_api.protocol import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    MAX_PARAMS,
    MAX_REQUEST_BYTES,
    PARSE_ERROR,
)
from warehouse_lite.packaging.models import Release

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n'.replace("&lol0;", "&lol;")
        for i in range(1, 10)
    )
    + "]>\n<methodCall><methodName>list_packages</methodName><params><param>"
    "<value><string>&lol9;</string></value></param></params></methodCall>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    "<methodCall><methodName>package_releases</methodName><params><param>"
    "<value><string>&secret;</string></value></param></params></methodCall>"
)
PARAMETER_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
    "<methodCall><methodName>list_packages</methodName></methodCall>"
)


def fault_of(app, body: bytes, **headers: str) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        send(app, body, **headers)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [
        LAUGHS.encode(),
        LAUGHS.replace("utf-8", "utf-16").encode("utf-16"),
        LAUGHS.replace('"1.0"?>', '"1.0" encoding="utf-16"?>').encode("utf-16"),
        EXTERNAL.encode(),
        PARAMETER_ENTITY.encode(),
        b'<!DOCTYPE methodCall SYSTEM "http://127.0.0.1:9/dtd"><methodCall/>',
    ],
    ids=["billion-laughs", "laughs-utf16-bom", "laughs-utf16-declared", "external", "param", "dtd"],
)
def test_doctypes_and_entities_are_refused_before_expansion(app, body):
    fault = fault_of(app, body)
    assert fault.faultCode == INVALID_REQUEST
    assert fault.faultString == "DOCTYPE declarations are not allowed in XML-RPC requests."


def test_the_body_is_capped_at_its_bound(app, storage_dir):
    call_xml = xmlrpc.client.dumps((), "list_packages").encode()
    at_limit = call_xml + b" " * (MAX_REQUEST_BYTES - len(call_xml))
    assert len(at_limit) == MAX_REQUEST_BYTES
    assert send(app, at_limit) == []
    fault = fault_of(app, at_limit + b" ")
    assert fault.faultCode == INVALID_REQUEST
    assert fault.faultString == f"The request is larger than {MAX_REQUEST_BYTES} bytes."


def test_a_large_body_is_refused(app):
    call_xml = xmlrpc.client.dumps(("x" * 2 * 1024 * 1024,), "package_releases").encode()
    fault = fault_of(app, call_xml)
    assert fault.faultCode == INVALID_REQUEST
    assert fault.faultString == f"The request is larger than {MAX_REQUEST_BYTES} bytes."


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", PARSE_ERROR),
        (b"not xml at all", PARSE_ERROR),
        (b"<methodCall><methodName>list_packages</methodName>", PARSE_ERROR),
        (b"\xff\xfe\x00<", PARSE_ERROR),
        (b"<methodCall><methodName>package_releases</methodName><params><param><value>"
         b"<string>x\x00y</string></value></param></params></methodCall>", PARSE_ERROR),
        (b"<methodCall><params/></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName></methodName></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>a b</methodName></methodCall>", -32601),
        (b"<methodCall><methodName>" + b"x" * 101 + b"</methodName></methodCall>", -32601),
        (xmlrpc.client.dumps(xmlrpc.client.Fault(1, "forged"), methodresponse=True).encode(),
         INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName><params><param><value><int>x"
         b"</int></value></param></params></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName><params><param><value>"
         b"<struct><member><value>1</value></member></struct></value></param></params>"
         b"</methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName><params><param><value>"
         b"<base64>A</base64></value></param></params></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName><params><param><value>"
         b"<bigdecimal>x</bigdecimal></value></param></params></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName><params><param><value>"
         b"<boolean>2</boolean></value></param></params></methodCall>", INVALID_REQUEST),
        (b"<methodCall><methodName>list_packages</methodName></array></methodCall>",
         PARSE_ERROR),
    ],
)  # fmt: skip
def test_malformed_requests_answer_a_fault(app, body, code):
    assert fault_of(app, body).faultCode == code


def test_parameters_are_counted(app):
    body = xmlrpc.client.dumps(tuple(range(MAX_PARAMS + 1)), "list_packages").encode()
    fault = fault_of(app, body)
    assert fault.faultCode == INVALID_PARAMS
    assert fault.faultString == f"Too many parameters: {MAX_PARAMS + 1} (at most {MAX_PARAMS})."


def test_deeply_nested_parameters_are_refused_without_recursion(app):
    depth = 1500  # about as deep as fits in the body
    value = b"<value><array><data>" * depth + b"</data></array></value>" * depth
    body = (
        b"<methodCall><methodName>package_releases</methodName><params><param>"
        + value
        + b"</param></params></methodCall>"
    )
    assert len(body) <= MAX_REQUEST_BYTES
    fault = fault_of(app, body)
    assert fault.faultCode == INVALID_PARAMS
    assert fault.faultString == "package_name must be a string, not list."


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"]
)
def test_a_body_that_is_not_xml_gets_415(app, content_type):
    response = app.post("/pypi", b"{}", headers={"Content-Type": content_type}, status=415)
    assert "XML-RPC request is XML (Content-Type: text/xml)" in response.text


@pytest.mark.parametrize("path", ["/pypi", "/pypi/"])
def test_get_gets_405_with_a_message(app, path):
    response = app.get(path, status=405)
    assert response.headers["Allow"] == "POST"
    assert "Use POST. /pypi is PyPI's XML-RPC API for mirrors" in response.text
    assert "Set-Cookie" not in response.headers
    app.head(path, status=405)


def test_no_csrf_token_no_session(app, storage_dir):
    # A browser session changes nothing: the endpoint neither reads nor sets cookies.
    app.set_cookie("session_id", "whatever")
    assert call(app, "list_packages") == []


def test_characters_xml_cannot_carry_are_replaced(app, db, storage_dir):
    UserFactory(username="alice")
    upload(app, make_wheel("odd", "1.0"), auth=basic_auth("alice"))
    release = db.scalar(select(Release))
    release.description = "page one\x0cpage two\x1b[0m"
    db.flush()
    assert call(app, "release_data", "odd", "1.0")["description"] == (
        "page one\ufffdpage two\ufffd[0m"
    )
