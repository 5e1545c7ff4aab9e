"""Leaked-token reports in GitHub secret-scanning format: POST /_/secrets/disclose-token.

GitHub signs the raw request body with ECDSA P-256 / SHA-256 and names the key in
``GITHUB-PUBLIC-KEY-IDENTIFIER``; the DER signature (base64) is in
``GITHUB-PUBLIC-KEY-SIGNATURE``. The public keys come from TOKEN_DISCLOSURE_KEYS (the JSON GitHub
publishes: ``{"public_keys": [{"key_identifier": ..., "key": "-----BEGIN PUBLIC KEY-----..."}]}``
or just that list) or are fetched from TOKEN_DISCLOSURE_KEYS_URL and cached.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

MAX_BODY_BYTES = 1024 * 1024
MAX_REPORTS = 1000
KEYS_CACHE_SECONDS = 3600
KEY_ID_HEADER = "GITHUB-PUBLIC-KEY-IDENTIFIER"
SIGNATURE_HEADER = "GITHUB-PUBLIC-KEY-SIGNATURE"


class DisclosureError(Exception):
    """A report we refuse; ``status`` and ``message`` go to the reporter."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class KeyConfigError(ValueError):
    """The configured public keys cannot be used."""


def parse_keys(text: str) -> dict[str, ec.EllipticCurvePublicKey]:
    """Key identifier -> P-256 public key, from GitHub's key-list JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        raise KeyConfigError("the key list is not JSON") from None
    if isinstance(data, dict):
        data = data.get("public_keys")
    if not isinstance(data, list) or not data:
        raise KeyConfigError('expected {"public_keys": [{"key_identifier": ..., "key": ...}]}')
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in data:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("key_identifier"), str)
            and isinstance(entry.get("key"), str)
        ):
            raise KeyConfigError("every key needs a string key_identifier and a PEM key")
        try:
            key = serialization.load_pem_public_key(entry["key"].encode())
        except ValueError:
            raise KeyConfigError(
                f"key {entry['key_identifier']!r} is not a PEM public key"
            ) from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise KeyConfigError(f"key {entry['key_identifier']!r} is not an ECDSA P-256 key")
        keys[entry["key_identifier"]] = key
    return keys


class KeySource:
    """The reporter's public keys: configured inline, or fetched from a URL and cached."""

    def __init__(self, inline: str = "", url: str = "", timeout: float = 5.0) -> None:
        if url and not url.startswith(("https://", "http://")):
            raise KeyConfigError("TOKEN_DISCLOSURE_KEYS_URL must be an http(s) URL")
        self._keys = parse_keys(inline) if inline else None
        self._url = url
        self._timeout = timeout
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self._keys is not None or bool(self._url)

    def _fetch(self) -> dict[str, ec.EllipticCurvePublicKey]:
        # The scheme was checked in __init__ (http/https only).
        request = urllib.request.Request(self._url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
            return parse_keys(response.read(MAX_BODY_BYTES).decode("utf-8"))

    def get(self, key_id: str) -> ec.EllipticCurvePublicKey | None:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > KEYS_CACHE_SECONDS
            unknown = self._keys is None or key_id not in self._keys
            # Fetch when the cache is stale, or once the reporter names a key we do not know
            # (rotation), but not more than once a minute.
            if self._url and (stale or (unknown and time.monotonic() - self._fetched_at > 60)):
                try:
                    self._keys = self._fetch()
                except (OSError, ValueError, KeyConfigError):
                    if self._keys is None:
                        raise DisclosureError(
                            503, "The reporter's public keys cannot be loaded; try again later."
                        ) from None
                self._fetched_at = time.monotonic()
            return (self._keys or {}).get(key_id)


def verify_signature(source: KeySource, body: bytes, headers: Any) -> None:
    """DisclosureError unless ``body`` is signed by a configured key."""
    if not source.configured:
        raise DisclosureError(503, "Token disclosure reports are not enabled on this server.")
    key_id = headers.get(KEY_ID_HEADER, "").strip()
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not key_id or not signature:
        raise DisclosureError(400, f"Missing {KEY_ID_HEADER} or {SIGNATURE_HEADER} header.")
    key = source.get(key_id)
    if key is None:
        raise DisclosureError(403, f"Unknown public key identifier {key_id[:100]!r}.")
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise DisclosureError(400, "The signature is not valid base64.") from None
    try:
        key.verify(der, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise DisclosureError(403, "The signature does not match the report.") from None


@dataclass(frozen=True)
class Report:
    token: str
    type: str
    url: str
    source: str


def _safe_url(value: Any) -> str:
    # Shown as a link in the owner's email: only web URLs.
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value[:1000]
    return ""


def parse_reports(body: bytes) -> list[Report]:
    """The reports in a request body; DisclosureError(400) naming what is wrong."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DisclosureError(400, "The report is not JSON.") from None
    if not isinstance(data, list):
        raise DisclosureError(400, "The report must be a JSON list of {token, type, url, source}.")
    if len(data) > MAX_REPORTS:
        raise DisclosureError(400, f"At most {MAX_REPORTS} tokens per report.")
    reports = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("token"), str):
            raise DisclosureError(400, f"Report item {index} has no string 'token'.")
        reports.append(
            Report(
                token=item["token"],
                type=str(item.get("type") or "")[:100],
                url=_safe_url(item.get("url")),
                source=str(item.get("source") or "")[:100],
            )
        )
    return reports
