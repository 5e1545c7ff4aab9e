"""A corpus of bad uploads. Each one must be refused with the right 4xx and a message a person
understands (in the reason phrase and the body), and must leave nothing behind: no project,
release, file, role, journal or event row, and no object in the file storage."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import trove_classifiers
from sqlalchemy import select

from tests.common.dists import (
    Dist,
    Meta,
    header_bomb_sdist_bytes,
    make_old_style_sdist,
    make_sdist,
    make_wheel,
    tar_gz_bytes,
    with_content,
)
from tests.common.factories import UserFactory
from tests.common.uploads import basic_auth, row_counts, stored, upload
from warehouse_lite.accounts.models import User
from warehouse_lite.packaging.models import File, FilenameRegistry

MiB = 1024 * 1024
DEPRECATED = next(iter(trove_classifiers.deprecated_classifiers))


@dataclass
class Bad:
    id: str
    message: str
    status: int = 400
    dist: Callable[[], Dist] = make_wheel
    overrides: dict[str, Any] = field(default_factory=dict)
    content: Callable[[Dist], bytes] | None = None
    auth: str | None = "alice"
    setup: Callable[[Any, Any], None] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    no_file: bool = False


def _symlink_sdist() -> Dist:
    link = tarfile.TarInfo("sample-1.0/escape")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../../etc/passwd"
    data = tar_gz_bytes([("sample-1.0/PKG-INFO", Meta("sample", "1.0").email()), link])
    return make_sdist(raw=data)


def _plain_tar_sdist() -> Dist:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = Meta("sample", "1.0").email()
        info = tarfile.TarInfo("sample-1.0/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return make_sdist(raw=buffer.getvalue())


def _upload_as(username: str, dist: Dist) -> Callable[[Any, Any], None]:
    def setup(app: Any, db: Any) -> None:
        upload(app, dist, auth=basic_auth(username))

    return setup


def _unverify(username: str) -> Callable[[Any, Any], None]:
    def setup(app: Any, db: Any) -> None:
        user = db.scalar(select(User).where(User.username == username))
        for address in user.emails:
            address.verified = False
        db.flush()

    return setup


def _reserve(filename: str) -> Callable[[Any, Any], None]:
    def setup(app: Any, db: Any) -> None:
        db.add(FilenameRegistry(filename=filename))
        db.flush()

    return setup


def _broken(dist: Dist, content: bytes) -> Dist:
    return with_content(dist, content)


def _truncated(dist: Dist) -> Dist:
    return with_content(dist, dist.content[: len(dist.content) // 2])


def _renamed_wheel() -> Dist:
    dist = make_wheel()
    return with_content(dist, dist.content, filename="sample-1.0-py2.py3-none-any.whl")


CASES = [
    # --- core metadata, field by field ---
    Bad(
        "missing-metadata-version",
        "'metadata_version' is required",
        overrides={"metadata_version": None},
    ),
    Bad(
        "unknown-metadata-version",
        "'3.0' is not a valid metadata version",
        overrides={"metadata_version": "3.0"},
    ),
    Bad("missing-name", "'name' is required", overrides={"name": None}),
    Bad("invalid-name", "'-sample-' is invalid for 'name'", overrides={"name": "-sample-"}),
    Bad("missing-version", "'version' is required", overrides={"version": None}),
    Bad("invalid-version", "is invalid for 'version'", overrides={"version": "1.0-foo!"}),
    Bad("local-version", "Local versions such as '1.0+local'", overrides={"version": "1.0+local"}),
    Bad("multiline-summary", "'summary' must be a single line", overrides={"summary": "one\ntwo"}),
    Bad("long-summary", "'summary' is longer than 512", overrides={"summary": "x" * 600}),
    Bad("html-description", "must be one of", overrides={"description_content_type": "text/html"}),
    Bad(
        "unknown-markdown-variant",
        "valid Markdown variants",
        overrides={"description_content_type": "text/markdown; variant=Foo"},
    ),
    Bad(
        "latin1-description",
        "can only specify the UTF-8 charset",
        overrides={"description_content_type": "text/plain; charset=latin-1"},
    ),
    Bad(
        "default-rst-does-not-render",
        "failed to render as reStructuredText (the default",
        overrides={"description_content_type": None, "description": "Title\n=====\n\n.. foo::\n"},
    ),
    Bad(
        "rst-does-not-render",
        "The first problem: line 1: (WARNING/2) Inline interpreted text",
        overrides={"description_content_type": "text/x-rst", "description": "`unclosed"},
    ),
    Bad(
        "bad-requires-python",
        "'=>3.8' is invalid for 'requires-python'",
        overrides={"requires_python": "=>3.8"},
    ),
    Bad(
        "bad-requires-dist",
        "'other>=' is invalid for 'requires-dist'",
        overrides={"requires_dist": "other>="},
    ),
    Bad(
        "direct-url-dependency",
        "Direct URL dependencies",
        overrides={"requires_dist": "other @ https://example.com/other-1.0-py3-none-any.whl"},
    ),
    Bad(
        "unknown-classifier",
        "'Foo :: Bar' is not a valid classifier",
        overrides={"classifiers": "Foo :: Bar"},
    ),
    Bad("private-classifier", "is private", overrides={"classifiers": "Private :: Do Not Upload"}),
    Bad("deprecated-classifier", "is deprecated", overrides={"classifiers": DEPRECATED}),
    Bad(
        "license-classifier-with-expression",
        "cannot be combined with License-Expression",
        overrides={"classifiers": "License :: OSI Approved :: MIT License"},
    ),
    Bad(
        "bad-license-expression",
        "is invalid for 'license-expression'",
        overrides={"license_expression": "MIT OR"},
    ),
    Bad(
        "field-newer-than-metadata-version",
        "introduced in metadata version",
        overrides={"metadata_version": "1.0"},
    ),
    Bad("dynamic-name", "'name' is not allowed as a dynamic field", overrides={"dynamic": "Name"}),
    Bad(
        "bad-extra-name",
        "is invalid for 'provides-extra'",
        overrides={"provides_extra": "bad extra!"},
    ),
    Bad(
        "javascript-home-page",
        "is not a valid http(s) URL for Home-page",
        overrides={"home_page": "javascript:alert(1)"},
    ),
    Bad(
        "project-url-without-label",
        "each project_urls value is 'Label, URL'",
        overrides={"project_urls": "https://example.com"},
    ),
    Bad(
        "project-url-label-too-long",
        "is longer than 32 characters",
        overrides={"project_urls": "L" * 40 + ", https://example.com"},
    ),
    Bad(
        "project-url-not-http",
        "is not a valid http(s) URL",
        overrides={"project_urls": "Source, ftp://example.com/"},
    ),
    Bad(
        "bad-author-email",
        "is not a valid email address list for Author-email",
        overrides={"author_email": "not-an-email"},
    ),
    Bad(
        "field-sent-twice",
        "'summary' was sent more than once",
        overrides={"summary": ["one", "two"]},
    ),
    # --- control characters and column widths (a NUL is a driver error on PostgreSQL) ---
    Bad(
        "nul-in-summary",
        "The field 'summary' contains the control character '\\x00'",
        overrides={"summary": "x\x00y"},
    ),
    Bad(
        "nul-in-description",
        "The field 'description' contains the control character '\\x00'",
        overrides={"description": "# Sample\n\x00"},
    ),
    Bad(
        "escape-in-author",
        "The field 'author' contains the control character '\\x1b'",
        overrides={"author": "\x1b[31mred"},
    ),
    Bad(
        "nul-in-requires-dist",
        "The field 'requires_dist' contains the control character '\\x00'",
        overrides={"requires_dist": "other\x00"},
    ),
    Bad(
        "nul-in-pyversion",
        "The field 'pyversion' contains the control character '\\x00'",
        overrides={"pyversion": "py3\x00"},
    ),
    Bad(
        "nul-in-a-field-name",
        "The form field name 'x\\x00' contains a control character",
        overrides={"x\x00": "1"},
    ),
    Bad("pyversion-too-long", "'pyversion' is longer than 64", overrides={"pyversion": "p" * 100}),
    Bad(
        "pyversion-not-the-wheels-tag",
        "The pyversion 'cp311' does not match the Python tag of the wheel",
        overrides={"pyversion": "cp311"},
    ),
    Bad(
        "sdist-pyversion-not-source",
        "Use 'source' as the pyversion of an sdist",
        dist=make_sdist,
        overrides={"pyversion": "py3"},
    ),
    Bad(
        "requires-python-too-long",
        "'requires_python' is longer than 200",
        overrides={"requires_python": ", ".join([">=3.8"] * 60)},
    ),
    Bad(
        "content-type-too-long",
        "'description_content_type' is longer than 128",
        overrides={"description_content_type": "text/markdown; x=" + "a" * 200},
    ),
    # --- the form itself ---
    Bad(
        "unknown-protocol-version",
        "Unknown protocol_version '2'",
        overrides={"protocol_version": "2"},
    ),
    Bad("missing-action", "Missing :action", overrides={":action": None}),
    Bad("unknown-action", "Unknown :action 'remove_pkg'", overrides={":action": "remove_pkg"}),
    Bad(
        "submit-is-gone",
        "pre-registration is no longer required",
        status=410,
        overrides={":action": "submit"},
    ),
    Bad(
        "doc-upload-is-gone",
        "Uploading documentation is no longer supported",
        status=410,
        overrides={":action": "doc_upload"},
    ),
    Bad("egg-filetype", "Unsupported filetype 'bdist_egg'", overrides={"filetype": "bdist_egg"}),
    Bad("missing-filetype", "'filetype' is required", overrides={"filetype": None}),
    Bad(
        "no-digest",
        "Include at least one message digest",
        overrides={"md5_digest": None, "sha256_digest": None, "blake2_256_digest": None},
    ),
    Bad(
        "md5-mismatch",
        "md5 digest of the uploaded file does not match",
        overrides={"md5_digest": "0" * 32},
    ),
    Bad(
        "sha256-mismatch",
        "sha256 digest of the uploaded file does not match",
        overrides={"sha256_digest": "0" * 64},
    ),
    Bad(
        "blake2-mismatch",
        "blake2_256 digest of the uploaded file does not match",
        overrides={"blake2_256_digest": "0" * 64},
    ),
    Bad("digest-not-hex", "is not a hexadecimal sha256 digest", overrides={"sha256_digest": "xyz"}),
    Bad("no-file", "The upload has no file", no_file=True),
    Bad(
        "attestations-without-trusted-publishing",
        "Attestations are only supported when using Trusted Publishing",
        overrides={"attestations": '[{"version": 1}]'},
    ),
    Bad(
        "empty-attestations",
        "Invalid attestations supplied during upload",
        overrides={"attestations": ""},
    ),
    Bad(
        "comment-too-long",
        "The field 'comment' is longer than 2000 characters",
        overrides={"comment": "c" * 2001},
    ),
    # --- filenames ---
    Bad(
        "zip-sdist",
        "source distributions must be .tar.gz",
        dist=lambda: make_sdist(filename="sample-1.0.zip"),
    ),
    Bad(
        "wheel-sent-as-sdist",
        "is a wheel, but filetype says sdist",
        overrides={"filetype": "sdist", "pyversion": "source"},
    ),
    Bad(
        "sdist-sent-as-wheel",
        "is not a wheel, but filetype says bdist_wheel",
        dist=make_sdist,
        overrides={"filetype": "bdist_wheel", "pyversion": "py3"},
    ),
    Bad(
        "malformed-wheel-filename",
        "Invalid wheel filename",
        dist=lambda: make_wheel(filename="sample-1.0.whl"),
    ),
    Bad(
        "filename-name-mismatch",
        "The project name in the filename 'other-1.0-py3-none-any.whl'",
        dist=lambda: make_wheel(filename="other-1.0-py3-none-any.whl"),
    ),
    Bad(
        "filename-version-mismatch",
        "The version in the filename 'sample-2.0-py3-none-any.whl' (2.0)",
        dist=lambda: make_wheel(filename="sample-2.0-py3-none-any.whl"),
    ),
    Bad(
        "sdist-name-not-normalized-when-strict",
        "it must be normalized, 'sample-1.0.tar.gz' (PEP 625)",
        dist=lambda: make_old_style_sdist("Sample", "1.0"),
        settings={"strict_sdist_names": True},
    ),
    Bad(
        "old-style-sdist-of-another-project",
        "(sample-extra) does not match the project name in the metadata (sample)",
        dist=lambda: make_old_style_sdist("sample", "1.0", stem="sample-extra-1.0"),
    ),
    Bad(
        "old-style-sdist-of-another-version",
        "The version in the filename 'sample-1.0-1.tar.gz' (1)",
        dist=lambda: make_old_style_sdist("sample", "1.0.post2", stem="sample-1.0-1"),
    ),
    Bad(
        "filename-with-directory",
        "must be a plain file name",
        dist=lambda: make_sdist(filename="sub/sample-1.0.tar.gz"),
    ),
    Bad(
        "linux-platform-tag-when-not-allowed",
        "unsupported platform tag 'linux_x86_64'",
        dist=lambda: make_wheel(tag="cp311-cp311-linux_x86_64"),
        settings={"allow_linux_wheels": False},
    ),
    Bad(
        "unknown-platform-tag",
        "has an unsupported platform tag 'evil_os'",
        dist=lambda: make_wheel(tag="py3-none-evil_os"),
    ),
    Bad(
        "malformed-manylinux-tag",
        "has an unsupported platform tag 'manylinux_x86_64'",
        dist=lambda: make_wheel(tag="cp312-cp312-manylinux_x86_64"),
    ),
    Bad(
        "unknown-platform-in-a-compressed-tag-set",
        "has an unsupported platform tag 'evil_os'",
        dist=lambda: make_wheel(tag="py3-none-any.evil_os"),
    ),
    Bad(
        "malformed-abi-tag",
        "has an invalid ABI tag 'no$ne'",
        dist=lambda: make_wheel(tag="py3-no$ne-any"),
    ),
    Bad(
        "wheel-without-python-tag",
        "needs its Python tag in pyversion",
        overrides={"pyversion": "source"},
    ),
    # --- archive contents ---
    # (digests sent match these broken files: the archive check itself must catch them)
    Bad(
        "not-a-zip", "is not a readable zip archive", dist=lambda: _broken(make_wheel(), b"no zip")
    ),
    Bad("truncated-wheel", "is not a readable zip archive", dist=lambda: _truncated(make_wheel())),
    Bad(
        "truncated-sdist",
        "is not a readable .tar.gz archive",
        dist=lambda: _truncated(make_sdist()),
    ),
    Bad("uncompressed-tar-sdist", "is not a readable .tar.gz archive", dist=_plain_tar_sdist),
    Bad("empty-file", "The uploaded file is empty", content=lambda d: b""),
    Bad(
        "zip-bomb",
        "(a compression bomb?)",
        dist=lambda: make_wheel(members={"sample/zeros.bin": bytes(20 * MiB)}),
    ),
    Bad(
        "tar-bomb",
        "(a compression bomb?)",
        dist=lambda: make_sdist(members={"sample-1.0/zeros.bin": bytes(20 * MiB)}),
    ),
    Bad(
        "tar-long-name-bomb",
        "a 67108864-byte extended tar header",
        dist=lambda: make_sdist(raw=header_bomb_sdist_bytes("gnu", 64 * MiB)),
    ),
    Bad(
        "tar-pax-header-bomb",
        "a 67108864-byte extended tar header",
        dist=lambda: make_sdist(raw=header_bomb_sdist_bytes("pax", 64 * MiB)),
    ),
    Bad(
        "zip-path-traversal",
        "'../evil.py' has an unsafe path",
        dist=lambda: make_wheel(members={"../evil.py": b"x"}),
    ),
    Bad(
        "zip-absolute-path",
        "'/etc/cron.d/evil' has an unsafe path",
        dist=lambda: make_wheel(members={"/etc/cron.d/evil": b"x"}),
    ),
    Bad(
        "tar-path-traversal",
        "has an unsafe path",
        dist=lambda: make_sdist(members={"sample-1.0/../../evil.py": b"x"}),
    ),
    Bad("tar-symlink-escape", "the link 'sample-1.0/escape' points outside", dist=_symlink_sdist),
    Bad(
        "wheel-without-metadata",
        "does not contain sample-1.0.dist-info/METADATA",
        dist=lambda: make_wheel(omit=["{dist_info}/METADATA"]),
    ),
    Bad(
        "wheel-without-wheel-file",
        "does not contain sample-1.0.dist-info/WHEEL",
        dist=lambda: make_wheel(omit=["{dist_info}/WHEEL"]),
    ),
    Bad(
        "sdist-without-pkg-info",
        "does not contain sample-1.0/PKG-INFO",
        dist=lambda: make_sdist(omit=["{top}/PKG-INFO"]),
    ),
    Bad(
        "metadata-names-another-project",
        "The name in sample-1.0.dist-info/METADATA ('other')",
        dist=lambda: make_wheel(
            members={"sample-1.0.dist-info/METADATA": Meta("other", "1.0").email()}
        ),
    ),
    Bad(
        "pkg-info-other-version",
        "The version in sample-1.0/PKG-INFO (2.0) does not match",
        dist=lambda: make_sdist(members={"sample-1.0/PKG-INFO": Meta("sample", "2.0").email()}),
    ),
    Bad(
        "metadata-requires-python-differs-from-form",
        "The Requires-Python in sample-1.0.dist-info/METADATA (>=3.13) does not match",
        dist=lambda: make_wheel(requires_python=">=3.13"),
        overrides={"requires_python": ">=2.7"},
    ),
    Bad(
        "form-adds-a-dependency",
        "The Requires-Dist in sample-1.0.dist-info/METADATA ((none)) does not match",
        overrides={"requires_dist": "evil-dep"},
    ),
    Bad(
        "form-adds-an-extra",
        "The Provides-Extra in sample-1.0/PKG-INFO ((none)) does not match",
        dist=make_sdist,
        overrides={"provides_extra": "test"},
    ),
    # --- limits ---
    Bad(
        "file-too-large", "File too large: the limit is 100 bytes", settings={"max_file_size": 100}
    ),
    Bad("project-too-large", "Project size too large", settings={"max_project_size": 100}),
    # --- who is uploading ---
    Bad("unauthenticated", "Authentication required", status=401, auth=None),
    Bad(
        "wrong-password",
        "Invalid or non-existent authentication information",
        status=403,
        auth="wrong",
    ),
    Bad(
        "no-permission-on-project",
        "The user 'mallory' isn't allowed to upload to the project 'sample'",
        status=403,
        auth="mallory",
        setup=_upload_as("alice", make_wheel("sample", "0.9")),
    ),
    Bad(
        "unverified-primary-email",
        "User 'alice' does not have a verified primary email address",
        setup=_unverify("alice"),
    ),
    # --- duplicates and reuse ---
    Bad(
        "second-sdist-for-release",
        "Only one sdist may be uploaded per release",
        dist=make_sdist,
        setup=_upload_as("alice", make_sdist("sample", "1.0.0")),
    ),
    Bad(
        "same-filename-other-content",
        "File already exists ('sample-1.0.tar.gz', with sha256 hash",
        dist=make_sdist,
        setup=_upload_as("alice", make_sdist("sample", "1.0", summary="The first one")),
    ),
    Bad(
        "deleted-filename",
        "has already been used by a file that was deleted",
        setup=_reserve("sample-1.0-py3-none-any.whl"),
    ),
    Bad(
        "same-content-other-filename",
        "the same content was uploaded as 'sample-1.0-py3-none-any.whl'",
        dist=_renamed_wheel,
        setup=_upload_as("alice", make_wheel()),
    ),
]


def test_the_corpus_is_large_and_ids_are_unique():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_upload_is_refused_and_leaves_nothing(case, app, db, storage_dir, override_settings):
    UserFactory(username="alice")
    UserFactory(username="mallory")
    if case.setup is not None:
        case.setup(app, db)
    if case.settings:
        override_settings(**case.settings)
    rows_before, files_before = row_counts(db), stored(storage_dir)
    dist = case.dist()
    auth = {None: None, "wrong": basic_auth("alice", "not the password")}.get(
        case.auth, basic_auth(case.auth or "")
    )
    content = case.content(dist) if case.content else dist.content
    if case.no_file:
        response = app.post(
            "/legacy/", params=dist.form(**case.overrides), headers=auth, status=case.status
        )
    else:
        response = upload(
            app, dist, auth=auth, status=case.status, content=content, **case.overrides
        )

    assert response.status_code == case.status
    assert case.message in response.status, response.status
    assert case.message in response.text
    assert row_counts(db) == rows_before
    assert stored(storage_dir) == files_before
    assert db.scalar(select(File).where(File.sha256_digest == dist.sha256)) is None or (
        case.id == "same-content-other-filename"
    )
