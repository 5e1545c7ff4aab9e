"""events/tags.py's EventTag names every tag the code records (so that literals can be
replaced by members, and a typo in a tag is caught)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import warehouse_lite
from warehouse_lite.authnz import Permissions
from warehouse_lite.events.tags import EventTag

PACKAGE = Path(warehouse_lite.__file__).parent
# What a tag looks like: a domain, then one or more ":"-separated words.
TAG_SHAPE = re.compile(r"(account|project|release|file)(:[a-z0-9_-]+)+")
# Strings of that shape that are not event tags.
NOT_TAGS = {str(permission) for permission in Permissions}


def tags_in(source: str) -> tuple[set[str], set[str], set[str]]:
    """The tag literals of ``source``, the patterns of f-strings that build one (their
    placeholders as ``*``), and the EventTag members it names."""
    literals: set[str] = set()
    patterns: set[str] = set()
    members: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if TAG_SHAPE.fullmatch(node.value) and node.value not in NOT_TAGS:
                literals.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            pattern = "".join(
                part.value if isinstance(part, ast.Constant) else "*" for part in node.values
            )
            if TAG_SHAPE.fullmatch(pattern.replace("*", "x")):
                patterns.add(pattern)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "EventTag"
        ):
            members.add(node.attr)
    return literals, patterns, members


def _package_tags() -> tuple[set[str], set[str], set[str]]:
    found: tuple[set[str], set[str], set[str]] = (set(), set(), set())
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "events" / "tags.py":
            continue
        for collected, more in zip(found, tags_in(path.read_text(encoding="utf-8")), strict=True):
            collected |= more
    return found


def _matches(pattern: str) -> set[str]:
    regex = re.compile(".+".join(re.escape(piece) for piece in pattern.split("*")))
    return {tag for tag in EventTag if regex.fullmatch(tag)}


def test_every_tag_the_code_records_is_a_member() -> None:
    literals, patterns, members = _package_tags()
    known = {str(tag) for tag in EventTag}
    assert literals - known == set(), "add these tags to events/tags.py"
    assert {p for p in patterns if not _matches(p)} == set(), "f-string tags matching no tag"
    assert members - set(EventTag.__members__) == set()
    # The scan sees the tags however they are written (literals today, members tomorrow).
    assert len(literals | {str(EventTag[name]) for name in members}) >= 30


def test_the_scan_finds_tags_in_every_form() -> None:
    source = (
        'record_event(request, user, "account:login:success")\n'
        'record_project_event(request, project, f"project:api_token:{suffix}")\n'
        "add_user_event(db, actor, user, EventTag.ACCOUNT_CREATE)\n"
        'permission = "account:manage"\n'
        'prefix = "account:"\n'
    )
    assert tags_in(source) == (
        {"account:login:success"},
        {"project:api_token:*"},
        {"ACCOUNT_CREATE"},
    )
    assert _matches("project:api_token:*") == {
        EventTag.PROJECT_API_TOKEN_ADDED,
        EventTag.PROJECT_API_TOKEN_REMOVED,
        EventTag.PROJECT_API_TOKEN_REMOVED_LEAK,
    }


def test_a_members_name_is_its_value_in_capitals() -> None:
    for tag in EventTag:
        assert tag.name == re.sub(r"[:-]", "_", tag.value).upper()


def test_a_role_change_has_a_tag_on_both_sides() -> None:
    """record_collaboration_change writes the project's tag with "account:" for "project:"
    into the person's own history."""
    project_roles = {tag for tag in EventTag if tag.startswith("project:role:")}
    assert len(project_roles) == 8
    for tag in project_roles:
        assert "account:" + tag.removeprefix("project:") in set(EventTag)
