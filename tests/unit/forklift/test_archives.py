"""Archive inspection: valid containers, safe member paths, bombs, metadata present and matching."""

from __future__ import annotations

import io
import re
import tarfile
import zipfile

import pytest

from tests.common.dists import (
    Meta,
    header_bomb_sdist_bytes,
    make_sdist,
    make_wheel,
    tar_gz_bytes,
    zip_bytes,
)
from warehouse_lite.forklift import archives
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.metadata import validate_metadata

META = validate_metadata(
    {"metadata_version": "2.4", "name": "sample", "version": "1.0", "requires_python": ">=3.8"}
)


def _meta(**fields):
    return validate_metadata(
        {"metadata_version": "2.4", "name": "sample", "version": "1.0", **fields}
    )


def _wheel(dist, filename=None):
    name = filename or dist.filename
    return archives.inspect_wheel(io.BytesIO(dist.content), name, len(dist.content), META)


def _sdist(data, filename="sample-1.0.tar.gz"):
    return archives.inspect_sdist(io.BytesIO(data), filename, len(data), META)


def test_a_good_wheel_gives_its_metadata():
    dist = make_wheel()
    assert _wheel(dist) == dist.metadata


def test_a_good_sdist_passes():
    assert _sdist(make_sdist().content) is None


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/abs", "\\windows\\abs", "C:/x", "a\\..\\..\\x", "nul\x00byte", ""],
)
def test_unsafe_member_names(name):
    with pytest.raises(UploadError, match=re.escape("unsafe path")):
        archives.check_member_name("f.whl", name)


@pytest.mark.parametrize("name", ["a/b.py", "a/..b/c", "./a/b", "a..b"])
def test_safe_member_names(name):
    archives.check_member_name("f.whl", name)


def test_bomb_threshold_is_a_ratio_above_a_floor():
    archives._check_expansion("f", archives.BOMB_FLOOR, 1)
    archives._check_expansion("f", 60 * 1024 * 1024, 2 * 1024 * 1024)  # 30x: fine
    with pytest.raises(UploadError, match=re.escape("compression bomb")):
        archives._check_expansion("f", archives.BOMB_FLOOR + 1, 1000)
    with pytest.raises(UploadError, match=re.escape("compression bomb")):
        archives._check_expansion("f", 51 * 1024 * 1024, 1024 * 1024)


def test_duplicate_zip_members_are_refused():
    dist = make_wheel()
    with zipfile.ZipFile(io.BytesIO(dist.content)) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    with pytest.warns(UserWarning, match=re.escape("Duplicate name")):
        data = zip_bytes([*members, ("sample/__init__.py", b"again")])
    with pytest.raises(UploadError, match=re.escape("duplicate members")):
        archives.inspect_wheel(io.BytesIO(data), dist.filename, len(data), META)


def test_dist_info_spelled_differently_from_the_filename_is_found():
    dist = make_wheel()
    # Older tools wrote "Sample-1.0-..." filenames around a "sample-1.0.dist-info".
    found = archives.inspect_wheel(
        io.BytesIO(dist.content), "Sample-1.0.0-py3-none-any.whl", len(dist.content), META
    )
    assert found == dist.metadata


def test_dist_info_of_another_project_does_not_count():
    dist = make_wheel(
        members={"other-1.0.dist-info/METADATA": b"x", "other-1.0.dist-info/WHEEL": b"x"},
        omit=["{dist_info}/METADATA"],
    )
    with pytest.raises(
        UploadError, match=re.escape("does not contain sample-1.0.dist-info/METADATA")
    ):
        _wheel(dist)


def test_two_dist_info_directories_are_ambiguous():
    dist = make_wheel(members={"Sample-1.0.0.dist-info/METADATA": b"x"})
    with pytest.raises(UploadError, match=re.escape("more than one .dist-info")):
        _wheel(dist)


def test_unparseable_metadata_version_is_reported():
    dist = make_wheel(members={"sample-1.0.dist-info/METADATA": b"Name: sample\nVersion: x.y\n"})
    with pytest.raises(
        UploadError, match=re.escape("sample-1.0.dist-info/METADATA cannot be parsed")
    ):
        _wheel(dist)


def test_stored_uncompressed_wheels_are_fine():
    dist = make_wheel()
    with zipfile.ZipFile(io.BytesIO(dist.content)) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    data = zip_bytes(members, compression=zipfile.ZIP_STORED)
    assert archives.inspect_wheel(io.BytesIO(data), dist.filename, len(data), META) == dist.metadata


def _member(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (_member("sample-1.0/dev", tarfile.CHRTYPE), "is a device or FIFO"),
        (_member("sample-1.0/fifo", tarfile.FIFOTYPE), "is a device or FIFO"),
        (_member("sample-1.0/l", tarfile.SYMTYPE, "/etc/passwd"), "points outside"),
        (_member("sample-1.0/h", tarfile.LNKTYPE, "../../etc/passwd"), "points outside"),
    ],
)
def test_special_tar_members_are_refused(member, message):
    data = tar_gz_bytes([("sample-1.0/PKG-INFO", Meta("sample", "1.0").email()), member])
    with pytest.raises(UploadError, match=message):
        _sdist(data)


def test_links_inside_the_archive_are_fine():
    data = tar_gz_bytes(
        [
            ("sample-1.0/PKG-INFO", Meta("sample", "1.0").email()),
            _member("sample-1.0/README", tarfile.SYMTYPE, "docs/README.md"),
        ]
    )
    _sdist(data)


def test_sdist_pkg_info_must_be_at_the_top_directory():
    data = tar_gz_bytes([("other-dir/PKG-INFO", Meta("sample", "1.0").email())])
    with pytest.raises(UploadError, match=re.escape("does not contain sample-1.0/PKG-INFO")):
        _sdist(data)


def test_dot_slash_prefixed_members_are_understood():
    _sdist(tar_gz_bytes([("./sample-1.0/PKG-INFO", Meta("sample", "1.0").email())]))


def test_gzip_that_is_not_a_tar():
    import gzip

    data = gzip.compress(b"plain text, not a tar archive" * 20)
    with pytest.raises(UploadError, match=re.escape("not a readable .tar.gz")):
        _sdist(data)


@pytest.mark.parametrize("kind", ["gnu", "pax"])
def test_an_oversized_extended_header_is_refused_unread(kind):
    # 64 MiB of long name or PAX record in a ~64 KiB upload: tarfile would read it all into
    # memory (and, being a header, it counts for no member's size).
    data = header_bomb_sdist_bytes(kind, 64 * 1024 * 1024)
    assert len(data) < 200_000
    with pytest.raises(UploadError, match=re.escape("extended tar header")):
        _sdist(data)


@pytest.mark.parametrize("kind", ["gnu", "pax"])
def test_small_extended_headers_are_fine(kind):
    data = header_bomb_sdist_bytes(kind, 4096)
    _sdist(data)


def test_headers_under_the_size_limit_still_count_towards_the_expansion():
    # Each member's PAX header is just allowed, but together they expand far beyond the
    # limit while every member declares 0 bytes.
    members: list = [("sample-1.0/PKG-INFO", Meta("sample", "1.0").email())]
    for index in range(400):
        info = tarfile.TarInfo(f"sample-1.0/f{index}")
        info.pax_headers = {"comment": "a" * 60_000}
        members.append(info)
    data = tar_gz_bytes(members)
    assert len(data) < 1024 * 1024
    with pytest.raises(UploadError, match=re.escape("compression bomb")):
        _sdist(data)


def test_a_long_chain_of_extended_headers_is_refused():
    pkg_info = Meta("sample", "1.0").email()
    raw = io.BytesIO()
    info = tarfile.TarInfo("sample-1.0/PKG-INFO")
    info.size = len(pkg_info)
    raw.write(info.tobuf(tarfile.USTAR_FORMAT) + pkg_info)
    raw.write(bytes(-len(pkg_info) % tarfile.BLOCKSIZE))
    record = b"20 comment=aaaaaaaa\n"
    for _ in range(5000):
        header = tarfile.TarInfo("././@PaxHeader")
        header.type = tarfile.XHDTYPE
        header.size = len(record)
        raw.write(header.tobuf(tarfile.USTAR_FORMAT) + record + bytes(512 - len(record)))
    raw.write(tarfile.TarInfo("sample-1.0/x").tobuf(tarfile.USTAR_FORMAT) + bytes(1024))
    import gzip

    with pytest.raises(UploadError, match=re.escape("too many extended tar headers")):
        _sdist(gzip.compress(raw.getvalue()))


@pytest.mark.parametrize(
    ("archive_fields", "form_fields", "field"),
    [
        ({"requires_python": ">=3.13"}, {"requires_python": ">=2.7"}, "Requires-Python"),
        ({"requires_python": ">=3.13"}, {}, "Requires-Python"),
        ({"requires_python": None}, {"requires_python": ">=3.8"}, "Requires-Python"),
        (
            {"requires_dist": []},
            {"requires_python": ">=3.8", "requires_dist": ["evil-dep"]},
            "Requires-Dist",
        ),
        (
            {"requires_dist": ["a>=1"]},
            {"requires_python": ">=3.8", "requires_dist": ["a>=2"]},
            "Requires-Dist",
        ),
        (
            {"members": {"sample-1.0.dist-info/METADATA": Meta("sample", "1.0").email()}},
            {"requires_python": ">=3.8", "provides_extra": ["test"]},
            "Provides-Extra",
        ),
    ],
)
def test_fields_the_index_shows_must_match_the_wheel(archive_fields, form_fields, field):
    dist = make_wheel(**archive_fields)
    meta = _meta(**form_fields)
    with pytest.raises(
        UploadError, match=re.escape(f"The {field} in sample-1.0.dist-info/METADATA")
    ):
        archives.inspect_wheel(io.BytesIO(dist.content), dist.filename, len(dist.content), meta)


def test_the_comparison_ignores_spelling():
    dist = make_wheel(
        requires_python=">=3.8,<4", requires_dist=["Other_Dep[Fast,x] >= 1.0 ; python_version<'4'"]
    )
    meta = _meta(
        requires_python="<4, >=3.8",
        requires_dist=['other-dep[x,fast]>=1.0; python_version < "4"'],
    )
    archives.inspect_wheel(io.BytesIO(dist.content), dist.filename, len(dist.content), meta)


def test_an_sdist_pkg_info_binds_from_metadata_2_2():
    sdist = make_sdist(requires_dist=["a"])
    with pytest.raises(UploadError, match=re.escape("The Requires-Dist in sample-1.0/PKG-INFO")):
        _sdist_with(sdist.content, _meta(requires_python=">=3.8", requires_dist=["evil-dep"]))


def test_older_or_dynamic_sdist_fields_are_not_compared():
    old = make_sdist(metadata_version="2.1", requires_python=None)
    _sdist_with(old.content, _meta(requires_dist=["whatever"]))
    pkg_info = Meta("sample", "1.0").email().replace(b"\n\n", b"\nDynamic: Requires-Dist\n\n", 1)
    dynamic = make_sdist(members={"sample-1.0/PKG-INFO": pkg_info})
    _sdist_with(dynamic.content, _meta(requires_python=">=3.8", requires_dist=["whatever"]))
    with pytest.raises(UploadError, match=re.escape("The Requires-Python in")):
        _sdist_with(dynamic.content, _meta(requires_python=">=3.9", requires_dist=["whatever"]))


def _sdist_with(data, meta):
    return archives.inspect_sdist(io.BytesIO(data), "sample-1.0.tar.gz", len(data), meta)
