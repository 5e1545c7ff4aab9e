from __future__ import annotations

import pytest

from warehouse_lite.canonical import client_address


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("10.0.0.1", None, 0, "10.0.0.1"),
        ("10.0.0.1", "6.6.6.6", 0, "10.0.0.1"),  # no proxy trusted: the header is ignored
        ("10.0.0.1", "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # our proxy appended the last
        ("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("10.0.0.1", "203.0.113.7", 2, "203.0.113.7"),
        ("10.0.0.1", " , ", 1, "10.0.0.1"),
    ],
)
def test_client_address(remote: str, forwarded: str | None, trusted: int, expected: str) -> None:
    assert client_address(remote, forwarded, trusted) == expected
