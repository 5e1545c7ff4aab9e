"""Property-based tests (hypothesis) of the code that reads untrusted input: the upload form,
core metadata, descriptions, filenames, archives, API tokens, caveats and auth headers.

The property is the same everywhere: whatever comes in, the function returns normally or
raises its module's own error type (UploadError, InvalidMacaroon, CaveatError), whose message
becomes a 4xx; anything else escaping would be a 500. Archive cases also run under tracemalloc:
peak memory stays bounded whatever the archive claims about itself.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tarfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webob import Request
from webob.multidict import MultiDict

from tests.common.dists import make_sdist, make_wheel, tar_gz_bytes, zip_bytes
from tests.common.factories import UserFactory
from tests.common.macaroon_factories import mint_token
from warehouse_lite.accounts.security_policy import parse_basic_auth
from warehouse_lite.forklift import archives
from warehouse_lite.forklift.description import render_description
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.filenames import check_filename
from warehouse_lite.forklift.form import LIST_FIELDS, STRING_FIELDS, parse_upload_form, raw_metadata
from warehouse_lite.forklift.metadata import ValidatedMetadata, validate_metadata
from warehouse_lite.macaroons import caveats as cv
from warehouse_lite.macaroons.security_policy import token_from_request
from warehouse_lite.macaroons.services import InvalidMacaroon, MacaroonService
from warehouse_lite.macaroons.tokens import parse_token


def fast(examples: int) -> settings:
    """A fixed number of derandomized examples (the same cases in every CI run), no example
    database, no deadline (archive cases are bounded by Bounded instead)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MEMORY_LIMIT = 64 * 1024 * 1024

# Text with the awkward parts over-represented: NUL, surrogate-free control characters,
# non-ASCII, separators and markup.
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\x00\x01\n\r\t ,;:=<>\"'&/\\.-_+@%#[]{}()*")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=60,
)
names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?", fullmatch=True)
versions = st.one_of(
    st.from_regex(
        r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc|\.post|\.dev)[0-9]{1,2})?", fullmatch=True
    ),
    st.sampled_from(["1.0+local", "v1", "1.0-", "01.00", "1!2.0", "", "latest"]),
    nasty_text,
)
field_names = st.sampled_from(
    [
        *STRING_FIELDS,
        *LIST_FIELDS,
        "keywords",
        "project_urls",
        "project_url",
        "filetype",
        "pyversion",
        "protocol_version",
        "md5_digest",
        "sha256_digest",
        "blake2_256_digest",
        "comment",
        ":action",
    ]
)


def _count(tally: dict[str, int], key: str) -> None:
    tally[key] = tally.get(key, 0) + 1


def test_upload_form_and_metadata(figure: Callable[[str], None]):
    tally: dict[str, int] = {}

    @fast(400)
    @given(
        pairs=st.lists(
            st.tuples(
                st.one_of(field_names, nasty_text),
                st.one_of(nasty_text, names, versions),
            ),
            max_size=25,
        ),
        filename=st.one_of(nasty_text, st.just("sample-1.0.tar.gz")),
        with_file=st.booleans(),
        strict=st.booleans(),
    )
    def check(pairs: list[tuple[str, str]], filename: str, with_file: bool, strict: bool) -> None:
        _count(tally, "form")
        post = MultiDict(pairs)
        if with_file:
            post.add("content", SimpleNamespace(file=io.BytesIO(b"x"), filename=filename))
        try:
            form = parse_upload_form(post)
        except UploadError:
            form = None
        try:
            meta = validate_metadata(form.raw if form else raw_metadata(post))
        except UploadError:
            return
        _count(tally, "valid metadata")
        with contextlib.suppress(UploadError):
            check_filename(
                filename,
                form.filetype if form else "sdist",
                "source",
                meta,
                strict_sdist_names=strict,
                allow_linux_wheels=not strict,
            )

    check()
    figure(
        f"hypothesis: upload forms {tally['form']} (metadata accepted: "
        f"{tally.get('valid metadata', 0)}), exceptions other than UploadError: 0"
    )


def test_plausible_metadata(figure: Callable[[str], None]):
    """Metadata that is nearly right, so that the deeper checks (classifiers, URLs, emails,
    requirements, filenames) are reached too."""
    tally: dict[str, int] = {}

    @fast(400)
    @given(
        name=names,
        version=versions,
        metadata_version=st.sampled_from(["1.0", "1.1", "1.2", "2.1", "2.4", "2.5", "3.0", "x"]),
        extra=st.dictionaries(
            st.sampled_from(
                [
                    "summary",
                    "home_page",
                    "author_email",
                    "requires_python",
                    "license_expression",
                    "description_content_type",
                    "download_url",
                    "maintainer_email",
                ]
            ),
            st.one_of(
                nasty_text,
                st.sampled_from(
                    [
                        "https://x.example",
                        "javascript:alert(1)",
                        "a@b.example",
                        ">=3.8",
                        "MIT OR (",
                        "",
                    ]
                ),
            ),
        ),
        lists=st.dictionaries(
            st.sampled_from(["classifiers", "requires_dist", "provides_extra", "dynamic"]),
            st.lists(
                st.one_of(
                    nasty_text,
                    st.sampled_from(
                        [
                            "Private :: X",
                            "License :: OSI Approved :: MIT License",
                            "pkg @ https://x",
                            "x[extra]>=1; python_version<'3'",
                            "Programming Language :: Python",
                        ]
                    ),
                ),
                max_size=3,
            ),
        ),
        project_urls=st.dictionaries(
            nasty_text, st.one_of(nasty_text, st.just("https://ok.example")), max_size=3
        ),
        filename=st.one_of(
            nasty_text,
            st.sampled_from(
                [
                    "{n}-{v}.tar.gz",
                    "{n}-{v}-py3-none-any.whl",
                    "{n}-{v}-cp311-cp311-linux_x86_64.whl",
                    "{n}-{v}-1.tar.gz",
                ]
            ),
        ),
        strict=st.booleans(),
    )
    def check(
        name: str,
        version: str,
        metadata_version: str,
        extra: dict[str, str],
        lists: dict[str, list[str]],
        project_urls: dict[str, str],
        filename: str,
        strict: bool,
    ) -> None:
        _count(tally, "cases")
        raw: dict[str, Any] = {
            "metadata_version": metadata_version,
            "name": name,
            "version": version,
            **extra,
            **lists,
        }
        if project_urls:
            raw["project_urls"] = project_urls
        try:
            meta = validate_metadata(raw)  # type: ignore[arg-type]
        except UploadError:
            return
        _count(tally, "accepted")
        filetype = "sdist" if filename.endswith(".tar.gz") else "bdist_wheel"
        try:
            check_filename(
                filename.format(n=name, v=version),
                filetype,
                "py3",
                meta,
                strict_sdist_names=strict,
                allow_linux_wheels=not strict,
            )
        except (UploadError, IndexError, KeyError, ValueError) as exc:
            # format() itself may choke on braces in generated text: not the code under test.
            if not isinstance(exc, UploadError) and "{" not in filename:
                raise

    check()
    figure(
        f"hypothesis: near-valid metadata {tally['cases']} (accepted: "
        f"{tally.get('accepted', 0)}), exceptions other than UploadError: 0"
    )


def test_descriptions(figure: Callable[[str], None]):
    tally: dict[str, int] = {}

    @fast(200)
    @given(
        text=st.one_of(
            nasty_text,
            st.sampled_from(
                [
                    "<script>alert(1)</script>",
                    ".. raw:: html\n\n   <script>x</script>\n",
                    "[x](javascript:alert(1))",
                    ".. include:: /etc/passwd\n",
                    "`x <javascript:y>`_",
                    "=" * 3 + "\nTitle\n" + "=" * 3 + "\n\n.. unknown-directive::\n",
                    ".. image:: x\n   :width: 99999999999999999999\n",
                ]
            ),
        ),
        content_type=st.one_of(
            st.none(),
            nasty_text,
            st.sampled_from(
                [
                    "text/markdown",
                    "text/markdown; variant=Nope",
                    "text/x-rst",
                    "text/plain",
                    "text/markdown; charset=\x00",
                    "text/x-rst\r\nX: y",
                ]
            ),
        ),
    )
    def check(text: str, content_type: str | None) -> None:
        # As in an upload: the content type is validated with the rest of the metadata first.
        _count(tally, "cases")
        raw: dict[str, Any] = {
            "metadata_version": "2.4",
            "name": "a",
            "version": "1",
            "description": text,
        }
        if content_type is not None:
            raw["description_content_type"] = content_type
        try:
            validate_metadata(raw)  # type: ignore[arg-type]
            html = render_description(text, content_type)
        except UploadError:
            return
        _count(tally, "rendered")
        if html:
            lowered = html.lower()
            assert "<script" not in lowered
            assert 'href="javascript:' not in lowered and 'src="javascript:' not in lowered

    check()
    figure(
        f"hypothesis: descriptions {tally['cases']} (rendered: {tally.get('rendered', 0)}), "
        f"exceptions other than UploadError: 0, <script> or javascript: links in HTML: 0"
    )


META = validate_metadata({"metadata_version": "2.4", "name": "sample", "version": "1.0"})  # type: ignore[arg-type]
WHEEL = make_wheel("sample", "1.0")
SDIST = make_sdist("sample", "1.0")


class Bounded:
    """Runs one archive inspection under tracemalloc and a wall clock; keeps the worst."""

    def __init__(self) -> None:
        self.peak = 0
        self.slowest = 0.0
        self.cases = 0

    def inspect(self, data: bytes, kind: str, meta: ValidatedMetadata = META) -> None:
        self.cases += 1
        filename = "sample-1.0-py3-none-any.whl" if kind == "wheel" else "sample-1.0.tar.gz"
        inspect = archives.inspect_wheel if kind == "wheel" else archives.inspect_sdist
        tracemalloc.start()
        started = time.perf_counter()
        try:
            inspect(io.BytesIO(data), filename, len(data), meta)
        except UploadError:
            pass
        finally:
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        self.peak = max(self.peak, peak)
        self.slowest = max(self.slowest, elapsed)
        assert peak < MEMORY_LIMIT, f"{peak} bytes for a {len(data)}-byte archive"


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    buffer = bytearray(data if cut is None else data[: cut % (len(data) + 1)])
    for position, value in edits:
        if buffer:
            buffer[position % len(buffer)] = value
    return bytes(buffer)


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_archives(figure: Callable[[str], None]):
    bounded = Bounded()

    @fast(150)
    @given(data=st.binary(max_size=2000), kind=st.sampled_from(["wheel", "sdist"]))
    def random_bytes(data: bytes, kind: str) -> None:
        bounded.inspect(data, kind)

    @fast(250)
    @given(
        kind=st.sampled_from(["wheel", "sdist"]),
        edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
        cut=st.one_of(st.none(), st.integers(0, 10**6)),
    )
    def mutated(kind: str, edits: list[tuple[int, int]], cut: int | None) -> None:
        original = WHEEL.content if kind == "wheel" else SDIST.content
        bounded.inspect(_mutate(original, edits, cut), kind)

    member_names = st.one_of(
        nasty_text,
        st.sampled_from(
            [
                "../evil",
                "/abs",
                "C:\\x",
                "a/../../b",
                "sample-1.0.dist-info/METADATA",
                "sample-1.0/PKG-INFO",
                "a\\..\\b",
                "./sample-1.0/PKG-INFO",
                "a/" * 300,
            ]
        ),
    )

    @fast(200)
    @given(
        members=st.lists(st.tuples(member_names, st.binary(max_size=300)), max_size=6),
        kind=st.sampled_from(["wheel", "sdist"]),
        metadata=st.one_of(st.binary(max_size=200), st.just(WHEEL.metadata)),
    )
    def crafted(members: list[tuple[str, bytes]], kind: str, metadata: bytes) -> None:
        named = [(n, d) for n, d in members if n]
        if kind == "wheel":
            entries = [
                ("sample-1.0.dist-info/METADATA", metadata),
                ("sample-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
                *named,
            ]
            try:
                data = zip_bytes(entries)
            except (ValueError, UnicodeEncodeError):
                return
        else:
            try:
                data = tar_gz_bytes([("sample-1.0/PKG-INFO", metadata), *named])
            except (ValueError, UnicodeEncodeError):
                return
        bounded.inspect(data, kind)

    random_bytes()
    mutated()
    crafted()
    for _label, data, kind in hostile_archives():
        bounded.inspect(data, kind)
    figure(
        f"hypothesis + crafted archives: {bounded.cases} (random bytes, mutated and crafted "
        f"wheels/sdists, zip and gzip bombs, lying sizes, nested tars, links, devices), "
        f"exceptions other than UploadError: 0, peak memory {bounded.peak / 2**20:.1f} MiB "
        f"(limit {MEMORY_LIMIT // 2**20}), slowest {bounded.slowest * 1000:.0f} ms"
    )


def hostile_archives() -> list[tuple[str, bytes, str]]:
    """Hand-made hostile archives: each must be refused (or read) cheaply."""
    out: list[tuple[str, bytes, str]] = []
    metadata = WHEEL.metadata
    wheel_base = [("sample-1.0.dist-info/METADATA", metadata), ("sample-1.0.dist-info/WHEEL", b"x")]
    # Zip bomb: 256 MiB of zeros that deflate to a few hundred KiB, declared honestly.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in wheel_base:
            archive.writestr(name, data)
        with archive.open("sample/zeros.bin", "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(256):
                handle.write(chunk)
    out.append(("zip bomb", bomb.getvalue(), "wheel"))
    # METADATA that lies: the header says 30 bytes, the data inflates to 64 MiB.
    lying = bytearray(
        zip_bytes(
            [
                ("sample-1.0.dist-info/METADATA", b"\0" * (64 << 20)),
                ("sample-1.0.dist-info/WHEEL", b"x"),
            ]
        )
    )
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = lying.find(signature)
        lying[start + offset : start + offset + 4] = (30).to_bytes(4, "little")
    out.append(("lying zip sizes", bytes(lying), "wheel"))
    # gzip bomb in an sdist: a member header claiming 1 GiB, then zeros.
    big = tarfile.TarInfo("sample-1.0/big.bin")
    big.size = 1 << 30
    header = big.tobuf(format=tarfile.PAX_FORMAT)
    import gzip

    out.append(("gzip bomb", gzip.compress(header + b"\0" * (32 << 20), mtime=0), "sdist"))
    # Tars nested 40 deep: inspection never opens members, so this costs one level.
    nested = SDIST.content
    for depth in range(40):
        nested = tar_gz_bytes([(f"sample-1.0/level{depth}.tar.gz", nested)])
    out.append(("nested tars", nested, "sdist"))
    # Links out of the archive, a device node, a FIFO, a 10 000-deep path.
    for kind_name, tar_type, linkname in (
        ("symlink", tarfile.SYMTYPE, "../../etc/passwd"),
        ("hard link", tarfile.LNKTYPE, "/etc/passwd"),
        ("device", tarfile.CHRTYPE, ""),
        ("fifo", tarfile.FIFOTYPE, ""),
    ):
        info = tarfile.TarInfo(f"sample-1.0/{kind_name}")
        info.type = tar_type
        info.linkname = linkname
        out.append(
            (kind_name, tar_gz_bytes([("sample-1.0/PKG-INFO", SDIST.metadata), info]), "sdist")
        )
    out.append(("deep path", tar_gz_bytes([("sample-1.0/" + "d/" * 10_000 + "f", b"x")]), "sdist"))
    # A PKG-INFO far larger than any metadata.
    out.append(
        ("huge PKG-INFO", tar_gz_bytes([("sample-1.0/PKG-INFO", b"A" * (9 << 20))]), "sdist")
    )
    # Many members.
    out.append(
        ("5000 members", zip_bytes([*wheel_base, *((f"m/{i}", b"") for i in range(5000))]), "wheel")
    )
    return out


def test_tokens(db: Any, figure: Callable[[str], None]):
    user = UserFactory()
    token, _ = mint_token(db, user)
    service = MacaroonService(db)
    body = token.removeprefix("pypi-")
    tally: dict[str, int] = {}

    @fast(300)
    @given(
        raw=st.one_of(
            nasty_text,
            st.builds(
                lambda s: "pypi-" + s,
                st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789-_+/=", max_size=300),
            ),
            st.builds(
                lambda edits, cut: "pypi-" + _mutate(body.encode(), edits, cut).decode("latin-1"),
                st.lists(st.tuples(st.integers(0, 10**4), st.integers(32, 126)), max_size=4),
                st.one_of(st.none(), st.integers(0, 10**4)),
            ),
            st.builds(
                lambda b: "pypi-" + base64.urlsafe_b64encode(b).decode(), st.binary(max_size=300)
            ),
        )
    )
    def parse(raw: str) -> None:
        _count(tally, "parse")
        with contextlib.suppress(InvalidMacaroon):
            service.authenticate(raw)
        with contextlib.suppress(InvalidMacaroon):
            parse_token(raw)

    predicates = st.one_of(
        nasty_text,
        st.recursive(
            st.one_of(
                st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text
            ),
            lambda inner: st.one_of(
                st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=3)
            ),
            max_leaves=8,
        ).map(json.dumps),
        st.builds(
            lambda tag, args: json.dumps([tag, *args]),
            st.integers(-1, 5),
            st.lists(
                st.one_of(
                    st.integers(-(2**70), 2**70), nasty_text, st.lists(nasty_text, max_size=3)
                ),
                max_size=3,
            ),
        ),
        st.sampled_from(
            [
                '{"version": 1, "permissions": "user"}',
                '{"version": 1, "permissions": {"projects": [1]}}',
                '{"nbf": 1, "exp": true}',
                "[0, 1e400, 0]",
                "[3]",
                '[1, "x"]',
            ]
        ),
    )

    @fast(300)
    @given(predicates=st.lists(predicates, max_size=4))
    def attenuate(predicates: list[str]) -> None:
        """A holder adds any caveats: the server refuses or verifies, never crashes."""
        import pymacaroons

        _count(tally, "attenuated")
        macaroon = pymacaroons.Macaroon.deserialize(body)
        for predicate in predicates:
            macaroon.add_first_party_caveat(predicate)
        try:
            verified = service.authenticate("pypi-" + macaroon.serialize())
        except InvalidMacaroon:
            return
        _count(tally, "verified")
        result = verified.check(
            cv.Target(now=int(time.time()), user_id=str(user.id), project_name="x", project_id=None)
        )
        assert isinstance(result, cv.Success | cv.Failure)

    parse()
    attenuate()
    figure(
        f"hypothesis: API tokens parsed {tally['parse']}, attenuated with arbitrary caveats "
        f"{tally['attenuated']} (signature and caveats parsed: {tally.get('verified', 0)}), "
        f"exceptions other than InvalidMacaroon: 0"
    )


def test_caveats_and_auth_headers(figure: Callable[[str], None]):
    tally: dict[str, int] = {}

    @fast(500)
    @given(
        value=st.recursive(
            st.one_of(
                st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(), nasty_text
            ),
            lambda inner: st.one_of(
                st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=3)
            ),
            max_leaves=10,
        ),
        now=st.integers(-(2**70), 2**70),
        project=st.one_of(st.none(), nasty_text),
    )
    def caveat(value: Any, now: int, project: str | None) -> None:
        _count(tally, "caveats")
        for candidate in (
            value,
            [0, value, value],
            [1, value],
            [2, value],
            [3, value],
            {"version": 1, "permissions": value},
            {"nbf": value, "exp": value},
        ):
            try:
                parsed = cv.from_json(candidate)
            except cv.CaveatError:
                continue
            result = cv.verify_all(
                [parsed], cv.Target(now=now, user_id="u", project_name=project, project_id=project)
            )
            assert isinstance(result, cv.Success | cv.Failure)
        with contextlib.suppress(cv.CaveatError):
            cv.deserialize(json.dumps(value).encode() + b"\xff")

    @fast(300)
    @given(
        header=st.one_of(
            st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
            st.builds(
                lambda scheme, raw: scheme + " " + base64.b64encode(raw).decode(),
                st.sampled_from(["Basic", "basic", "Token", "Bearer", "bearer"]),
                st.binary(max_size=100),
            ),
        )
    )
    def auth_header(header: str) -> None:
        _count(tally, "headers")
        request = Request.blank("/legacy/")
        request.headers["Authorization"] = header
        parse_basic_auth(request)  # type: ignore[arg-type]
        token_from_request(request)  # type: ignore[arg-type]

    caveat()
    auth_header()
    figure(
        f"hypothesis: caveats {tally['caveats']} (x7 wire forms, verified against arbitrary "
        f"times and projects), Authorization headers {tally['headers']}, exceptions other than "
        f"CaveatError: 0"
    )
