"""Every upload form field at its bound, one past it, and hostile values for every parser.

Each field has a bound (warehouse_lite/forklift/bounds.py, listed in docs/security.md). At its
bound a field passes the bound: the upload succeeds, or the field's own rule refuses it (a
10-character metadata version does not exist). One past its bound the upload is a 400 naming
the field, before anything parses it. Single-line fields refuse line breaks and control
characters (400 naming the field). Then the values that make regular expressions and parsers
slow or recurse (the 30,000-dot address of issue 12, nested parentheses, unclosed IPv6
brackets, nested quotes...) are refused or accepted by rule: each case says which. Nothing
here asserts a duration; each family prints its slowest request (server time, in process),
so that a regression shows in the figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from webob.multidict import MultiDict

from tests.common.dists import Dist, make_sdist, make_wheel
from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from tests.common.uploads import upload
from warehouse_lite.forklift import bounds
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.form import LIST_FIELDS, STRING_FIELDS, parse_upload_form
from warehouse_lite.forklift.metadata import validate_metadata
from warehouse_lite.forklift.render_worker import render_in_worker

UPLOADS = "uploads"  # the expected outcome of a case whose upload succeeds


def text(length: int, unit: str = "Lorem ipsum dolor sit amet. ") -> str:
    """Ordinary text of exactly ``length`` characters (no surrounding whitespace)."""
    return (unit * (length // len(unit) + 1))[: length - 1] + "x"


def exact(prefix: str, short: str, long: str, length: int) -> str:
    """``prefix`` and then pieces ``short`` and ``long`` (one character longer), exactly
    ``length`` characters: for values that must stay valid at their bound."""
    assert len(long) == len(short) + 1
    count, extra = divmod(length - len(prefix), len(short))
    assert extra <= count
    return prefix + long * extra + short * (count - extra)


Build = Callable[[str, str], tuple[Dist, dict[str, Any]]]


def in_form(key: str, **extra: Any) -> Build:
    """The value goes into the form field ``key`` of an ordinary sdist."""
    return lambda project, value: (make_sdist(project), {key: value, **extra})


def in_both(key: str, *, repeated: bool = False) -> Build:
    """The value is part of the archive's metadata too (fields compared with the file)."""
    return lambda project, value: (
        make_sdist(project, **{key: [value] if repeated else value}),
        {},
    )


@dataclass(frozen=True)
class Bound:
    """A field at its bound: the value, how it is sent, and what happens then."""

    field: str
    value: str
    build: Build
    outcome: str = UPLOADS  # or a part of the message of the field's own rule

    @property
    def limit(self) -> int:
        for table in (bounds.SINGLE_LINE, bounds.MULTI_LINE, bounds.REPEATED):
            if self.field in table:
                return table[self.field]
        raise AssertionError(f"{self.field} has no bound")


@dataclass(frozen=True)
class Hostile:
    """A value made to be slow or deep for a parser, and the rule that decides it."""

    label: str
    build: Callable[[str], tuple[Dist, dict[str, Any]]]
    outcome: str


def hostile(label: str, key: str, value: Any, outcome: str) -> Hostile:
    return Hostile(label, lambda project: (make_sdist(project), {key: value}), outcome)


def rst(label: str, description: str, outcome: str) -> Hostile:
    overrides = {"description": description, "description_content_type": "text/x-rst"}
    return Hostile(label, lambda project: (make_sdist(project), overrides), outcome)


def rst_text(length: int) -> str:
    """reStructuredText of exactly ``length`` characters, shaped like a long README: sections
    of paragraphs with inline markup (about 2 s of processor time for 256 KiB, well inside
    the render limit)."""
    paragraph = "A paragraph with *emphasis*, ``code`` and plain words to make it longer.\n\n"
    unit = "Section\n=======\n\n" + paragraph * 10
    body = unit * (length // len(unit))
    return body + "y" * (length - len(body))


def _wheel_with_metadata(extra_lines: str, **members: bytes) -> Callable[[str], Any]:
    def build(project: str) -> tuple[Dist, dict[str, Any]]:
        plain = make_wheel(project)
        dist_info = f"{project}-1.0.dist-info"
        metadata = plain.metadata.replace(b"\n\n", f"\n{extra_lines}\n\n".encode(), 1)
        return make_wheel(project, members={f"{dist_info}/METADATA": metadata, **members}), {}

    return build


def _sdist_with_pkg_info(metadata_version: str) -> Callable[[str], Any]:
    def build(project: str) -> tuple[Dist, dict[str, Any]]:
        plain = make_sdist(project)
        pkg_info = plain.metadata.replace(b"Metadata-Version: 2.4", metadata_version.encode())
        return make_sdist(project, members={f"{project}-1.0/PKG-INFO": pkg_info}), {}

    return build


def _marker(parentheses: int) -> str:
    return "other; " + "(" * parentheses + "os_name == 'a'" + ")" * parentheses


def _indented(levels: int) -> str:
    """reStructuredText block quotes nested ``levels`` deep."""
    return "".join(" " * level + "quote\n\n" for level in range(levels))


@dataclass
class Family:
    bounds: list[Bound]
    hostile: list[Hostile] = field(default_factory=list)


LONG_VERSION = "10" + ".0" * 48 + ".1"
FAMILIES: dict[str, Family] = {
    "names and versions": Family(
        [
            Bound("name", "n" * 200, lambda _p, value: (make_sdist(value), {})),
            Bound("version", LONG_VERSION, lambda p, value: (make_sdist(p, value), {})),
            Bound(
                "metadata_version", "2.40000000", in_form("metadata_version"), "metadata version"
            ),
            Bound(
                "pyversion",
                ".".join(["py39"] * 13),
                lambda p, value: (make_wheel(p, tag="py39-none-any"), {"pyversion": value}),
            ),
            Bound("filetype", "x" * 16, in_form("filetype"), "Unsupported filetype"),
            Bound("protocol_version", "9" * 8, in_form("protocol_version"), "protocol_version"),
            Bound("md5_digest", "0" * 128, in_form("md5_digest"), "not a hexadecimal md5"),
            Bound("sha256_digest", "0" * 128, in_form("sha256_digest"), "not a hexadecimal sha256"),
            Bound(
                "blake2_256_digest",
                "0" * 128,
                in_form("blake2_256_digest"),
                "not a hexadecimal blake2_256",
            ),
        ],
        [
            hostile("version of 50 '1.'", "version", "1." * 50, "is invalid for 'version'"),
            hostile("name of dots", "name", "a" + "." * 198 + "!", "is invalid for 'name'"),
            hostile("5,000-digit version", "version", "1" * 5000, "'version' is longer than"),
            Hostile(
                "wheel member named with a 5,000-digit version",
                lambda p: (
                    make_wheel(p, members={f"{p}-{'1' * 5000}.dist-info/x": b""}),
                    {},
                ),
                UPLOADS,
            ),
            Hostile(
                "sdist whose PKG-INFO has a 5,000-digit metadata version",
                _sdist_with_pkg_info("Metadata-Version: " + "1" * 5000),
                UPLOADS,
            ),
        ],
    ),
    "text": Family(
        [
            Bound("summary", text(512), in_form("summary")),
            Bound("author", text(1024), in_form("author")),
            Bound("maintainer", text(1024), in_form("maintainer")),
            Bound("keywords", exact("k", ",kw", ",kwx", 1024), in_form("keywords")),
            Bound(
                "license",
                text(bounds.MAX_LICENSE_LENGTH, "Permission is granted.\n"),
                in_form("license", license_expression=None),
            ),
            Bound(
                "comment", text(bounds.MULTI_LINE["comment"], "A comment.\n"), in_form("comment")
            ),
            Bound("classifiers", "Topic :: " + "x" * 247, in_form("classifiers"), "classifier"),
            Bound("platform", text(256), in_form("platform")),
            Bound("supported_platform", text(256), in_form("supported_platform")),
            Bound("dynamic", "d" * 64, in_form("dynamic"), "not a valid dynamic field"),
            Bound("license_file", "d/" * 511 + "fi", in_form("license_file")),
            Bound("license_files", "d/" * 511 + "fi", in_form("license_files")),
            Bound("import_name", "a" * 256, in_form("import_name", metadata_version="2.5")),
            Bound(
                "import_namespace", "a" * 256, in_form("import_namespace", metadata_version="2.5")
            ),
        ],
        [
            hostile("keywords of commas", "keywords", "," * 1024, UPLOADS),
            hostile("classifier of colons", "classifiers", ":" * 256, "classifier"),
            hostile("private classifier", "classifiers", "Private :: " + "x" * 245, "private"),
        ],
    ),
    "emails": Family(
        [
            Bound(
                key,
                exact("a@example.com", ", b@example.com", ", bb@example.com", 1024),
                in_form(key),
            )
            for key in ("author_email", "maintainer_email")
        ],
        [
            # Issue 12: 30 s in the old regular expression, the embedded server frozen.
            hostile(
                "30,000 dots (issue 12)",
                "author_email",
                "a@[" + "." * 30_000 + "@]",
                "'author_email' is longer than 1024",
            ),
            hostile("1,019 dots", "author_email", "a@[" + "." * 1019 + "@]", "not a valid email"),
            hostile("nested comments", "author_email", "(" * 1024, "'(' and ':'"),
            hostile("nested groups", "maintainer_email", ":" * 1024, "'(' and ':'"),
            hostile("quotes", "author_email", '"' * 1024, "not a valid email"),
            hostile("angle brackets", "author_email", "<" * 1024, "not a valid email"),
            hostile("many at-signs", "author_email", "@" * 1024, "not a valid email"),
        ],
    ),
    "URLs": Family(
        [
            Bound(key, "https://example.com/" + "a" * 2028, in_form(key))
            for key in ("home_page", "download_url")
        ]
        + [
            Bound(key, "Home, https://example.com/" + "a" * 2022, in_form(key))
            for key in ("project_urls", "project_url")
        ],
        [
            hostile("unclosed IPv6 bracket", "home_page", "http://[", "not a valid http(s) URL"),
            hostile(
                "unclosed IPv6 bracket",
                "project_urls",
                "Home, http://[::1",
                "not a valid http(s) URL",
            ),
            hostile("port not a number", "download_url", "http://a:b/", "not a valid http(s)"),
            hostile("brackets", "home_page", "https://" + "[" * 2040, "not a valid http(s) URL"),
        ],
    ),
    "requirements": Family(
        [
            Bound(
                "requires_python",
                exact(">=3", ",!=3.1", ",!=3.10", 200),
                in_both("requires_python"),
            ),
            Bound(
                "requires_dist",
                exact(_marker(1), " or os_name == 'a'", " or os_name == 'ab'", 1024),
                in_both("requires_dist", repeated=True),
            ),
            Bound("provides_extra", "e" * 128, in_both("provides_extra", repeated=True)),
            Bound(
                "license_expression",
                exact("MIT", " OR MIT", " OR 0BSD", 1024),
                in_form("license_expression"),
            ),
        ]
        + [
            Bound(key, "o" * 1024, in_form(key))
            for key in (
                "provides_dist",
                "obsoletes_dist",
                "requires_external",
                "requires",
                "provides",
                "obsoletes",
            )
        ],
        [
            Hostile(
                "32 nested parentheses",
                lambda p: (make_sdist(p, requires_dist=[_marker(32)]), {}),
                UPLOADS,
            ),
            hostile("33 nested parentheses", "requires_dist", _marker(33), "parentheses"),
            hostile("500 nested parentheses", "requires_dist", _marker(500), "parentheses"),
            hostile(
                "specifier of dots",
                "requires_python",
                "==" + "1." * 99,
                "is invalid for 'requires-python'",
            ),
            hostile(
                "license expression of parentheses",
                "license_expression",
                "(" * 1024,
                "is invalid for 'license-expression'",
            ),
            Hostile(
                "wheel METADATA: 600 nested parentheses",
                _wheel_with_metadata("Requires-Dist: " + _marker(600)),
                "more or longer values than an upload form may have",
            ),
            Hostile(
                "wheel METADATA: 1,025 requirements",
                _wheel_with_metadata("\n".join(["Requires-Dist: other"] * 1025)),
                "more or longer values than an upload form may have",
            ),
        ],
    ),
    "description": Family(
        [
            Bound(
                "description_content_type",
                exact("text/plain; charset=UTF-8; x=", "a", "aa", 128),
                in_form("description_content_type"),
            ),
        ],
        [
            hostile(
                "content type with comments",
                "description_content_type",
                "text/plain" + " (" * 59,
                "may only hold a type and parameters",
            ),
            hostile(
                "content type of quotes",
                "description_content_type",
                '"' * 128,
                "description-content-type",
            ),
            rst("block quotes nested 300 deep", _indented(300), "nested too deeply"),
            rst(
                "a 20,000-character line",
                "word " * 4000,
                "failed to render as reStructuredText",
            ),
        ],
    ),
}
ONE_LINE_FIELDS = [*bounds.SINGLE_LINE, *bounds.REPEATED]


@pytest.fixture
def uploader(app: Any, db: Any) -> Callable[[Dist, dict[str, Any]], Any]:
    """Upload as a user with a verified address and an account-wide token; every request
    must be answered with 200 or a 4xx; returns (response, seconds)."""
    user = UserFactory(username="bounds")
    token, _ = mint_token(db, user)
    render_in_worker("warm up", "text/plain", 10)  # a render worker's start is not an upload's
    auth = {"Authorization": f"Bearer {token}"}

    def send(dist: Dist, overrides: dict[str, Any]) -> tuple[Any, float]:
        started = time.perf_counter()
        response = upload(app, dist, auth=auth, status="*", **overrides)
        elapsed = time.perf_counter() - started
        assert response.status_code < 500, response.status
        return response, elapsed

    return send


def _check(response: Any, outcome: str, what: str) -> None:
    if outcome == UPLOADS:
        assert response.status_code == 200, f"{what}: {response.status}"
    else:
        assert response.status_code == 400, f"{what}: {response.status}"
        # The body: the reason phrase is cut at 1,000 characters.
        assert outcome in response.text, f"{what}: {response.text[:2000]}"


def test_every_form_field_has_a_bound_and_a_case():
    read_by_the_form = {*STRING_FIELDS, *LIST_FIELDS, "keywords", "comment", "pyversion"}
    read_by_the_form |= {"project_urls", "project_url", "filetype", "protocol_version"}
    read_by_the_form |= {"md5_digest", "sha256_digest", "blake2_256_digest"}
    bounded = {*bounds.SINGLE_LINE, *bounds.MULTI_LINE, *bounds.REPEATED, "description"}
    assert read_by_the_form <= bounded
    cased = {b.field for family in FAMILIES.values() for b in family.bounds} | {"description"}
    assert cased == bounded
    for family in FAMILIES.values():
        for case in family.bounds:
            assert len(case.value) == case.limit, case.field


@pytest.mark.parametrize("name", FAMILIES)
def test_fields_at_and_past_their_bounds(name, uploader, storage_dir, figure):
    family = FAMILIES[name]
    worst = 0.0
    for number, case in enumerate(family.bounds):
        project = f"bound{number}"
        dist, overrides = case.build(project, case.value)
        response, seconds = uploader(dist, overrides)
        _check(response, case.outcome, f"{case.field} at its bound")
        # One past the bound: refused before anything parses it, naming the field.
        response, past = uploader(make_sdist(f"past{number}"), {case.field: "x" * (case.limit + 1)})
        _check(response, f"The field {case.field!r} is longer than {case.limit}", case.field)
        worst = max(worst, seconds, past)
    for number, bad in enumerate(family.hostile):
        dist, overrides = bad.build(f"hostile{number}")
        response, seconds = uploader(dist, overrides)
        _check(response, bad.outcome, bad.label)
        worst = max(worst, seconds)
    figure(
        f"upload bounds, {name}: fields accepted at their bound and refused one past it (400 "
        f"naming the field): {len(family.bounds)}; hostile values decided by rule: "
        f"{len(family.hostile)}; slowest request {worst * 1000:.0f} ms"
    )


def test_description_at_and_past_its_size(uploader, storage_dir, settings, figure):
    limit = settings.max_description_size
    two_byte = "é" * (limit // 2)  # characters and bytes differ: the limit is in bytes
    response, at_limit = uploader(
        make_sdist("sized"), {"description": two_byte, "description_content_type": "text/plain"}
    )
    _check(response, UPLOADS, "description at its size")
    response, past = uploader(make_sdist("oversized"), {"description": two_byte + "x"})
    _check(response, f"The field 'description' is {limit + 1} bytes long", "description")
    response, rendered = uploader(
        make_sdist("rst"),
        {"description": rst_text(limit), "description_content_type": "text/x-rst"},
    )
    _check(response, UPLOADS, "reStructuredText at the description's size")
    figure(
        f"upload bounds, description: {limit // 1024} KiB accepted (plain text and "
        f"reStructuredText), one byte more refused; slowest request "
        f"{max(at_limit, past, rendered) * 1000:.0f} ms"
    )


@pytest.mark.parametrize("character", ["\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028"])
def test_single_line_fields_refuse_line_breaks_and_control_characters(
    character, uploader, storage_dir, figure
):
    for key in ONE_LINE_FIELDS:
        response, _ = uploader(make_sdist("lines"), {key: f"a{character}b"})
        assert response.status_code == 400, (key, response.status)
        assert f"The field {key!r}" in response.status, (key, response.status)
    figure(
        f"single-line fields: {len(ONE_LINE_FIELDS)} refuse {character!r} (400 naming the field)"
    )


def test_repeated_fields_refuse_too_many_values(uploader, storage_dir, figure):
    for key in bounds.REPEATED:
        response, _ = uploader(make_sdist("many"), {key: ["v"] * (bounds.MAX_VALUES + 1)})
        _check(response, f"The field {key!r} was sent {bounds.MAX_VALUES + 1} times", key)
    figure(
        f"repeated fields: {len(bounds.REPEATED)} refuse {bounds.MAX_VALUES + 1} values "
        "(400 naming the field)"
    )


# ---- the parsers themselves, on generated values -------------------------------------------

PARSED_FIELDS = [
    "author_email",
    "maintainer_email",
    "requires_dist",
    "requires_python",
    "license_expression",
    "version",
    "name",
    "description_content_type",
    "home_page",
    "project_urls",
    "provides_extra",
    "keywords",
    "classifiers",
    "dynamic",
]
HOSTILE_ALPHABET = [*"()[]<>:;,.@\"'\\ !=~*-_/aZ09é", "\t", "\n"]


def _post(key: str, value: str) -> MultiDict[str, Any]:
    fields = [(k, v) for k, v in make_sdist("generated").form() if k != key] + [(key, value)]
    post: MultiDict[str, Any] = MultiDict(fields)
    post["content"] = SimpleNamespace(file=None, filename="generated-1.0.tar.gz")
    return post


def test_parsers_decide_generated_values_by_rule(figure):
    slowest: dict[str, float] = {}

    @hypothesis_settings(
        max_examples=600,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        key=st.sampled_from(PARSED_FIELDS),
        piece=st.text(alphabet=st.sampled_from(HOSTILE_ALPHABET), min_size=1, max_size=12),
        repeat=st.integers(min_value=1, max_value=2100),
    )
    # The repetitions that made the old checks crash (recursion, ValueError) or crawl.
    @example(key="author_email", piece="(", repeat=1024)
    @example(key="maintainer_email", piece=":", repeat=1024)
    @example(key="author_email", piece=".", repeat=2000)
    @example(key="home_page", piece="http://[", repeat=200)
    @example(key="version", piece="1", repeat=2000)
    @example(key="description_content_type", piece="(", repeat=128)
    def check(key: str, piece: str, repeat: int) -> None:
        # A short random piece repeated up to past the field's bound: the shapes that make
        # regular expressions backtrack and parsers recurse are repetitions.
        value = (piece * repeat)[: 2 * bounds.SINGLE_LINE.get(key, 1024)]
        post = _post(key, value)
        started = time.perf_counter()
        try:
            bounds.check_form_bounds(post, 256 * 1024)
            validate_metadata(parse_upload_form(post).raw)
        except UploadError:
            pass  # refused by a rule, with a message; anything else fails the test
        slowest[key] = max(slowest.get(key, 0.0), time.perf_counter() - started)

    check()
    key = max(slowest, key=slowest.__getitem__)
    figure(
        f"upload parsers on generated repetitions: {len(slowest)} fields, every value accepted "
        f"or refused by rule (UploadError); slowest check {slowest[key] * 1000:.1f} ms ({key})"
    )
