"""Leaked-token reports: key lists, signature checks with real ECDSA keys, report parsing."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from warehouse_lite.macaroons.disclosure import (
    KEY_ID_HEADER,
    MAX_REPORTS,
    SIGNATURE_HEADER,
    DisclosureError,
    KeyConfigError,
    KeySource,
    parse_keys,
    parse_reports,
    verify_signature,
)


def _pem(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_list(**keys: ec.EllipticCurvePrivateKey) -> str:
    return json.dumps(
        {
            "public_keys": [
                {"key_identifier": kid, "key": _pem(k), "is_current": True}
                for kid, k in keys.items()
            ]
        }
    )


def sign(key: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture(scope="module")
def private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_parse_keys_accepts_githubs_format_and_a_bare_list(private_key) -> None:
    text = key_list(k1=private_key)
    assert set(parse_keys(text)) == {"k1"}
    bare = json.dumps(json.loads(text)["public_keys"])
    assert set(parse_keys(bare)) == {"k1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nope", "not JSON"),
        ("{}", "expected"),
        ("[]", "expected"),
        ('[{"key_identifier": 1, "key": "x"}]', "string key_identifier"),
        ('[{"key_identifier": "a", "key": "not pem"}]', "not a PEM public key"),
    ],
)
def test_parse_keys_refuses_bad_lists(text: str, message: str) -> None:
    with pytest.raises(KeyConfigError, match=message):
        parse_keys(text)


def test_parse_keys_refuses_other_key_types() -> None:
    for key in (ec.generate_private_key(ec.SECP384R1()), ed25519.Ed25519PrivateKey.generate()):
        text = json.dumps([{"key_identifier": "a", "key": _pem(key)}])
        with pytest.raises(KeyConfigError, match="P-256"):
            parse_keys(text)


def test_key_url_must_be_http() -> None:
    with pytest.raises(KeyConfigError, match="http"):
        KeySource(url="file:///etc/passwd")


def test_verify_signature(private_key) -> None:
    source = KeySource(key_list(k1=private_key))
    body = b'[{"token": "pypi-x"}]'
    good = {KEY_ID_HEADER: "k1", SIGNATURE_HEADER: sign(private_key, body)}
    verify_signature(source, body, good)

    def status(headers: dict[str, str], data: bytes = body) -> tuple[int, str]:
        with pytest.raises(DisclosureError) as info:
            verify_signature(source, data, headers)
        return info.value.status, info.value.message

    assert status({}) == (400, f"Missing {KEY_ID_HEADER} or {SIGNATURE_HEADER} header.")
    assert status({**good, KEY_ID_HEADER: "k2"})[0] == 403
    assert status({**good, SIGNATURE_HEADER: "***"}) == (400, "The signature is not valid base64.")
    assert status(good, body + b" ") == (403, "The signature does not match the report.")
    other = ec.generate_private_key(ec.SECP256R1())
    assert status({**good, SIGNATURE_HEADER: sign(other, body)})[0] == 403
    # Garbage that is valid base64 but not a DER signature.
    assert status({**good, SIGNATURE_HEADER: base64.b64encode(b"xyz").decode()})[0] == 403


def test_not_configured() -> None:
    with pytest.raises(DisclosureError) as info:
        verify_signature(KeySource(), b"[]", {KEY_ID_HEADER: "a", SIGNATURE_HEADER: "b"})
    assert info.value.status == 503


@pytest.fixture
def key_server(private_key) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server publishing a key list; the list of paths it served."""
    served: list[str] = []
    body = key_list(k1=private_key).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            if self.path == "/broken":
                self.send_response(500)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", served
    finally:
        server.shutdown()
        server.server_close()


def test_keys_fetched_from_url_and_cached(key_server, private_key) -> None:
    url, served = key_server
    source = KeySource(url=url + "/keys")
    body = b"[]"
    headers = {KEY_ID_HEADER: "k1", SIGNATURE_HEADER: sign(private_key, body)}
    verify_signature(source, body, headers)
    verify_signature(source, body, headers)
    assert served == ["/keys"]
    # An unknown key id right after a fetch does not trigger another fetch (once a minute).
    with pytest.raises(DisclosureError):
        verify_signature(source, body, {**headers, KEY_ID_HEADER: "k9"})
    assert served == ["/keys"]


def test_unreachable_key_url_is_a_503(key_server) -> None:
    url, _ = key_server
    source = KeySource(url=url + "/broken")
    with pytest.raises(DisclosureError) as info:
        verify_signature(source, b"[]", {KEY_ID_HEADER: "k1", SIGNATURE_HEADER: "AAAA"})
    assert info.value.status == 503


def test_parse_reports() -> None:
    body = json.dumps(
        [
            {
                "token": "pypi-a",
                "type": "pypi_api_token",
                "url": "https://x/y",
                "source": "content",
            },
            {"token": "pypi-b", "url": "javascript:alert(1)"},
        ]
    ).encode()
    first, second = parse_reports(body)
    assert (first.token, first.type, first.url, first.source) == (
        "pypi-a",
        "pypi_api_token",
        "https://x/y",
        "content",
    )
    assert second.url == "" and second.type == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "not JSON"),
        (b"\xff", "not JSON"),
        (b'{"token": "x"}', "JSON list"),
        (b"[1]", "item 0 has no string 'token'"),
        (b'[{"token": "a"}, {"token": 5}]', "item 1"),
        (json.dumps([{"token": "a"}] * (MAX_REPORTS + 1)).encode(), "At most"),
    ],
)
def test_parse_reports_refuses_bad_bodies(body: bytes, message: str) -> None:
    with pytest.raises(DisclosureError, match=message) as info:
        parse_reports(body)
    assert info.value.status == 400
