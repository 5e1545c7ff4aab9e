"""The XML-RPC wire format: a bounded, entity-free parse of the call, and the answer.

``xmlrpc.client.loads`` hands the body to expat as it is, and expat expands the internal
entities a DOCTYPE declares (the "billion laughs": a few hundred bytes that grow into
gigabytes). XML-RPC has no use for a DOCTYPE, so the call is parsed here by the standard
library's own ``Unmarshaller`` fed by an expat parser that refuses the document as soon as a
DOCTYPE begins, before any entity is declared or expanded; whatever encoding the body claims,
expat sees the declaration for what it is. No more than MAX_REQUEST_BYTES of the body is parsed
(views.py reads one byte more to tell) and the parameters are counted; anything else wrong
with the XML or the XML-RPC becomes a fault, never an exception.

Fault codes are those of the XML-RPC fault-code interoperability convention, which Warehouse
answers with too.
"""

from __future__ import annotations

import re
import xmlrpc.client
from typing import Any
from xml.parsers import expat

# A call names a method and passes a few strings or numbers: 64 KiB is far more than any
# method here needs, and small enough that parsing it costs nothing.
MAX_REQUEST_BYTES = 64 * 1024
# More than any method takes (release_urls and release_data take two).
MAX_PARAMS = 4
MAX_METHOD_NAME = 100

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
# What Warehouse answers for the methods it has retired (an "application error").
APPLICATION_ERROR = -32500

# Characters XML 1.0 cannot carry, even escaped: a release description with a form feed would
# otherwise make the whole answer unreadable to the client.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_METHOD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class _Refused(Exception):
    """Raised from inside expat to stop the parse at a DOCTYPE."""


def _refuse_doctype(*_args: Any) -> None:
    raise _Refused("DOCTYPE declarations are not allowed in XML-RPC requests.")


def _refuse_entity(*_args: Any) -> None:
    raise _Refused("Entity declarations are not allowed in XML-RPC requests.")


def _refuse_external_entity(*_args: Any) -> int:
    raise _Refused("External entities are not allowed in XML-RPC requests.")


def _parser_for(unmarshaller: xmlrpc.client.Unmarshaller) -> Any:
    # The encoding comes from the XML declaration or the byte-order mark, as in xmlrpc.client.
    parser = expat.ParserCreate(None, None)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external_entity
    parser.StartElementHandler = unmarshaller.start
    parser.EndElementHandler = unmarshaller.end
    parser.CharacterDataHandler = unmarshaller.data
    return parser


def fault(code: int, message: str) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(code, message)


def parse_call(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """(method name, parameters) of an XML-RPC ``methodCall``; a Fault for anything else.

    ``body`` must already be within MAX_REQUEST_BYTES. Parameter values are only those the
    standard library builds (str, int, float, bool, None, bytes, lists, dicts, DateTime,
    Decimal); the methods check their own.
    """
    if len(body) > MAX_REQUEST_BYTES:
        raise fault(INVALID_REQUEST, f"The request is larger than {MAX_REQUEST_BYTES} bytes.")
    unmarshaller = xmlrpc.client.Unmarshaller(use_datetime=False, use_builtin_types=True)
    # Character data arrives as str already: no second decoding (as xmlrpc.client does).
    unmarshaller.xml(None, None)  # type: ignore[arg-type]  # None: "do not decode", as typeshed omits
    parser = _parser_for(unmarshaller)
    try:
        parser.Parse(body, True)
        params = unmarshaller.close()
    except _Refused as exc:
        raise fault(INVALID_REQUEST, str(exc)) from None
    except expat.ExpatError as exc:
        raise fault(PARSE_ERROR, f"The request is not well-formed XML: {exc}.") from None
    except xmlrpc.client.Fault:
        # A <fault> sent to the server: a response, not a call.
        raise fault(INVALID_REQUEST, "The request is not an XML-RPC methodCall.") from None
    except (xmlrpc.client.Error, ValueError, TypeError, LookupError, ArithmeticError):
        # What the Unmarshaller raises on XML that is well-formed but not XML-RPC: an
        # unknown tag inside a value, a bad int/boolean/base64, an unbalanced struct ...
        raise fault(INVALID_REQUEST, "The request is not valid XML-RPC.") from None
    method = unmarshaller.getmethodname()
    if not isinstance(method, str) or not method:
        raise fault(INVALID_REQUEST, "The request names no method (methodName).")
    if len(method) > MAX_METHOD_NAME or not _METHOD_NAME.fullmatch(method):
        raise fault(METHOD_NOT_FOUND, "No such method: the method name is not a valid name.")
    if len(params) > MAX_PARAMS:
        raise fault(INVALID_PARAMS, f"Too many parameters: {len(params)} (at most {MAX_PARAMS}).")
    return method, params


def _xml_safe(value: Any) -> Any:
    """``value`` with the characters XML cannot carry replaced by U+FFFD, at any depth."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_xml_safe(key): _xml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    return value


def response_body(result: Any) -> bytes:
    """The ``methodResponse`` carrying ``result`` (None is sent as <nil/>, as Warehouse does)."""
    try:
        text = xmlrpc.client.dumps(
            (_xml_safe(result),), methodresponse=True, allow_none=True, encoding="utf-8"
        )
    except OverflowError:
        # XML-RPC integers are 32 bits: a serial or a file size beyond 2**31 - 1 cannot be sent.
        return fault_body(fault(INTERNAL_ERROR, "A value in the answer is too large for XML-RPC."))
    return text.encode("utf-8")


def fault_body(error: xmlrpc.client.Fault) -> bytes:
    """The ``methodResponse`` carrying ``error``."""
    safe = fault(error.faultCode, _xml_safe(error.faultString))
    return xmlrpc.client.dumps(safe, methodresponse=True, encoding="utf-8").encode("utf-8")
