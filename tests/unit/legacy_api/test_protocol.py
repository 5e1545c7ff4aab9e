"""The XML-RPC parser and writer on any input: a call or a Fault comes out, nothing else."""

from __future__ import annotations

import xmlrpc.client

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse_lite.legacy_api.protocol import (
    INVALID_REQUEST,
    MAX_REQUEST_BYTES,
    parse_call,
    response_body,
)

CALL = xmlrpc.client.dumps(("name", 5, True), "package_releases").encode()

# What XML 1.0 can carry (\r is folded into \n by any XML parser): what a client can send.
XML_CHARACTERS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10)] + ["\ufffe", "\uffff"],
)


def values(text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    scalars = st.one_of(
        text, st.integers(min_value=-(2**31), max_value=2**31 - 1), st.booleans(), st.none()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=10,
    )


def _outcome(body: bytes) -> object:
    try:
        return parse_call(body)
    except xmlrpc.client.Fault as fault:
        assert isinstance(fault.faultCode, int) and fault.faultString
        return fault


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_call_or_a_fault(body):
    _outcome(body)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(CALL)), st.integers(0, 40), st.binary(max_size=40))
def test_damaged_calls_give_a_call_or_a_fault(start, length, inserted):
    _outcome(CALL[:start] + inserted + CALL[start + length :])


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,30}", fullmatch=True),
    st.lists(values(st.text(XML_CHARACTERS, max_size=30)), max_size=4),
)
def test_calls_from_the_standard_client_round_trip(method, params):
    body = xmlrpc.client.dumps(tuple(params), method, allow_none=True).encode()
    assert parse_call(body) == (method, tuple(params))


@settings(max_examples=200, deadline=None)
@given(values(st.text(max_size=30)))
def test_any_answer_is_readable_by_the_standard_client(value):
    # Whatever a release's text holds (control characters included), the answer parses.
    (result,), _ = xmlrpc.client.loads(response_body(value))
    assert type(result) is type(value)


def test_a_body_over_the_bound_is_refused_by_the_parser_too():
    with pytest.raises(xmlrpc.client.Fault) as caught:
        parse_call(CALL + b" " * (MAX_REQUEST_BYTES - len(CALL) + 1))
    assert caught.value.faultCode == INVALID_REQUEST
    assert parse_call(CALL + b" " * (MAX_REQUEST_BYTES - len(CALL)))[0] == "package_releases"


def test_integers_beyond_32_bits_give_a_fault_not_an_error():
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response_body({"serial": 2**31}))
    assert caught.value.faultString == "A value in the answer is too large for XML-RPC."
