"""docs/configuration.md documents every setting, with the default the code really has."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from warehouse_lite.settings import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$")


def documented() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            name, default, meaning = match.groups()
            assert name not in rows, f"{name} is documented twice"
            rows[name] = (default.strip(), meaning.strip())
    return rows


def expected_default(value: Any) -> str:
    """How the page writes a default."""
    if value is None:
        return "*(unset)*"
    if value == "":
        return "*(empty)*"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


FIELDS = dataclasses.fields(Settings)


@pytest.mark.parametrize("field", FIELDS, ids=[f.name for f in FIELDS])
def test_every_setting_is_documented_with_its_default(field: dataclasses.Field[Any]) -> None:
    rows = documented()
    env = field.metadata["env"]
    assert env in rows, f"{env} ({field.name}) is missing from docs/configuration.md"
    default, meaning = rows[env]
    assert default == expected_default(field.default), env
    assert len(meaning) > 20, f"{env} needs a real explanation"


def test_no_documented_variable_is_unknown() -> None:
    known = {f.metadata["env"] for f in FIELDS}
    assert set(documented()) - known == set()
