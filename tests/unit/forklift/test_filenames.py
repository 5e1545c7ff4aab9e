"""Filename rules for wheels and sdists."""

from __future__ import annotations

import pytest

from warehouse_lite.forklift import filenames
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.filenames import check_filename, escaped_name
from warehouse_lite.forklift.metadata import validate_metadata


def _meta(name="Sample.Pkg", version="1.0"):
    return validate_metadata({"metadata_version": "2.4", "name": name, "version": version})


def _check(filename, filetype, pyversion, meta=None, *, strict=False, allow_linux=True):
    return check_filename(
        filename,
        filetype,
        pyversion,
        meta or _meta(),
        strict_sdist_names=strict,
        allow_linux_wheels=allow_linux,
    )


@pytest.mark.parametrize(
    ("name", "escaped"), [("Sample.Pkg", "sample_pkg"), ("a--b__c", "a_b_c"), ("ABC", "abc")]
)
def test_escaped_name(name, escaped):
    assert escaped_name(name) == escaped


@pytest.mark.parametrize(
    ("filename", "filetype", "pyversion"),
    [
        ("sample_pkg-1.0.tar.gz", "sdist", "source"),
        ("sample_pkg-1.0.tar.gz", "sdist", ""),
        ("sample_pkg-1.0-py3-none-any.whl", "bdist_wheel", "py3"),
        ("Sample_Pkg-1.0-py3-none-any.whl", "bdist_wheel", "py3"),  # older wheel spelling
        ("sample_pkg-1.0.0-1-cp311-cp311-manylinux_2_17_x86_64.whl", "bdist_wheel", "cp311"),
        ("sample_pkg-1.0-cp311-cp311-musllinux_1_2_aarch64.whl", "bdist_wheel", "cp311"),
        ("sample_pkg-1.0-cp311-cp311-win_amd64.whl", "bdist_wheel", "cp311"),
        ("sample_pkg-1.0-py2.py3-none-any.whl", "bdist_wheel", "py2.py3"),
    ],
)
def test_good_filenames(filename, filetype, pyversion):
    assert _check(filename, filetype, pyversion) is None
    assert _check(filename, filetype, pyversion, strict=True) is None


@pytest.mark.parametrize(
    ("filename", "filetype", "pyversion", "message"),
    [
        ("sample_pkg-1.0.zip", "sdist", "source", "must be .tar.gz"),
        ("sample_pkg-1.0.tar.bz2", "sdist", "source", "must be .tar.gz"),
        ("sample_pkg.tar.gz", "sdist", "source", "Invalid sdist filename"),
        ("sample_pkg-2.0.tar.gz", "sdist", "source", "The version in the filename"),
        ("other-1.0.tar.gz", "sdist", "source", "The project name in the filename"),
        ("sample_pkg-1.0.tar.gz", "sdist", "py3", "Use 'source'"),
        ("sample_pkg-1.0-py3-none-any.whl", "sdist", "source", "is a wheel"),
        ("sample_pkg-1.0.tar.gz", "bdist_wheel", "py3", "is not a wheel"),
        ("sample_pkg-1.0-py3-none-any.egg", "bdist_wheel", "py3", "a wheel ends with .whl"),
        ("sample_pkg-1.0-py3-none.whl", "bdist_wheel", "py3", "wrong number of parts"),
        ("sample_pkg-1.0x-py3-none-any.whl", "bdist_wheel", "py3", "invalid version"),
        ("other-1.0-py3-none-any.whl", "bdist_wheel", "py3", "The project name in the filename"),
        ("sample_pkg-1.1-py3-none-any.whl", "bdist_wheel", "py3", "The version in the filename"),
        ("sample_pkg-1.0-py3-none-evil_os.whl", "bdist_wheel", "py3", "platform tag 'evil_os'"),
        ("sample_pkg-1.0-py3-none-any.whl", "bdist_wheel", "", "needs its Python tag"),
        ("sample_pkg-1.0-py3-none-any.whl", "bdist_wheel", "source", "needs its Python tag"),
        ("../sample_pkg-1.0.tar.gz", "sdist", "source", "plain file name"),
        (".sample_pkg-1.0.tar.gz", "sdist", "source", "plain file name"),
        ("sample_pkg-1.0\n.tar.gz", "sdist", "source", "plain file name"),
        ("a" * 250 + "-1.0.tar.gz", "sdist", "source", "longer than 255"),
    ],
)
def test_bad_filenames(filename, filetype, pyversion, message):
    with pytest.raises(UploadError) as excinfo:
        _check(filename, filetype, pyversion)
    assert message in excinfo.value.message


def test_equal_versions_in_other_spellings_match():
    assert _check("sample_pkg-1.0.0.tar.gz", "sdist", "source", _meta(version="1.0.0")) is None
    assert (
        _check("sample_pkg-1.0-py3-none-any.whl", "bdist_wheel", "py3", _meta(version="1.0.0"))
        is None
    )


# (filename, project name and version in the form, the PEP 625 name it should have had)
OLD_BACKEND_SDISTS = [
    # setuptools < 69.3 keeps the name as written (only runs of other characters become "-")
    ("my-project-1.0.tar.gz", "my-project", "1.0", "my_project-1.0.tar.gz"),
    ("My_Project-1.0.tar.gz", "My_Project", "1.0", "my_project-1.0.tar.gz"),
    ("my.project-1.0.tar.gz", "my.project", "1.0", "my_project-1.0.tar.gz"),
    ("Sample.Pkg-1.0.0.tar.gz", "Sample.Pkg", "1.0.0", "sample_pkg-1.0.0.tar.gz"),
    # the name in the form need not be spelled as in the filename, only mean the same project
    ("My-Project-1.0.tar.gz", "my.project", "1.0", "my_project-1.0.tar.gz"),
    # a version spelled other than PEP 440's normal form
    ("sample_pkg-1.0-1.tar.gz", "sample-pkg", "1.0.post1", "sample_pkg-1.0.post1.tar.gz"),
    ("sample_pkg-1.0RC1.tar.gz", "sample-pkg", "1.0rc1", "sample_pkg-1.0rc1.tar.gz"),
    ("sample_pkg-1.0.tar.gz", "sample-pkg", "1.0.0", "sample_pkg-1.0.0.tar.gz"),
    # "-" in the name and in the version: the form's version decides where the name ends
    ("foo-1-0.tar.gz", "foo-1", "0", "foo_1-0.tar.gz"),
    ("foo-bar-1.0-1.tar.gz", "foo-bar", "1.0.post1", "foo_bar-1.0.post1.tar.gz"),
]


@pytest.mark.parametrize(("filename", "name", "version", "normalized"), OLD_BACKEND_SDISTS)
def test_old_backend_sdist_names_are_accepted_with_their_normal_form(
    filename, name, version, normalized
):
    meta = _meta(name=name, version=version)
    assert _check(filename, "sdist", "source", meta) == normalized
    assert _check(normalized, "sdist", "source", meta) is None


@pytest.mark.parametrize(("filename", "name", "version", "normalized"), OLD_BACKEND_SDISTS)
def test_strict_sdist_names_refuse_them(filename, name, version, normalized):
    with pytest.raises(UploadError) as excinfo:
        _check(filename, "sdist", "source", _meta(name=name, version=version), strict=True)
    assert f"it must be normalized, {normalized!r} (PEP 625)" in excinfo.value.message
    assert "Upgrade your build backend" in excinfo.value.message


@pytest.mark.parametrize(
    ("filename", "name", "version", "message"),
    [
        # foo-bar 1.0, not foo: the filename's name part must be exactly the project
        ("foo-bar-1.0.tar.gz", "foo", "1.0", "The project name in the filename"),
        ("foo_bar-1.0.tar.gz", "foo", "1.0", "(foo_bar) does not match the project name"),
        ("foo-1.0.tar.gz", "foo-bar", "1.0", "(foo) does not match the project name"),
        # foo 1.0.post1, or foo-1.0 1 (1 == 1.0): neither is release 1.0 of foo
        ("foo-1.0-1.tar.gz", "foo", "1.0", "(foo-1.0) does not match the project name"),
        ("foo-2.0.tar.gz", "foo", "1.0", "The version in the filename 'foo-2.0.tar.gz' (2.0)"),
        ("foo-1.0.tar.gz", "foo", "1.0.post1", "The version in the filename"),
        ("foo-.tar.gz", "foo", "1.0", "The version in the filename"),
        ("foo-bar.tar.gz", "foo", "1.0", "The version in the filename"),
        # look-alikes and spaces never count as part of a name or version
        ("\u212aoo-1.0.tar.gz", "koo", "1.0", "letters, digits and . _ - ! only"),
        ("foo- 1.0.tar.gz", "foo", "1.0", "letters, digits and . _ - ! only"),
        ("foo-1.0 .tar.gz", "foo", "1.0", "letters, digits and . _ - ! only"),
        ("foo.tar.gz", "foo", "1.0", "Invalid sdist filename"),
    ],
)
def test_sdist_names_of_other_projects_or_versions_are_refused(filename, name, version, message):
    for strict in (False, True):
        with pytest.raises(UploadError) as excinfo:
            _check(filename, "sdist", "source", _meta(name=name, version=version), strict=strict)
        assert message in excinfo.value.message


def test_linux_wheels_follow_the_setting():
    linux = "sample_pkg-1.0-cp311-cp311-linux_x86_64.whl"
    assert _check(linux, "bdist_wheel", "cp311", allow_linux=True) is None
    with pytest.raises(UploadError, match="unsupported platform tag 'linux_x86_64'"):
        _check(linux, "bdist_wheel", "cp311", allow_linux=False)


@pytest.mark.parametrize(
    ("filename", "pyversion"),
    [
        ("sample-1.0-py3-none-any.whl", "py3"),
        ("sample-1.0-py2.py3-none-any.whl", "py2.py3"),
        ("sample-1.0-py2.py3-none-any.whl", "py3"),
        ("sample-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl", "cp311"),
    ],
)
def test_the_wheels_python_tag_is_a_good_pyversion(filename, pyversion):
    filenames.check_wheel_pyversion(filename, pyversion)


@pytest.mark.parametrize(
    ("pyversion", "message"),
    [
        ("", "needs its Python tag"),
        ("source", "needs its Python tag"),
        ("cp311", "does not match the Python tag"),
        ("py3.cp311", "does not match the Python tag"),
        ("3" * 65, "longer than 64"),
    ],
)
def test_other_pyversions_are_refused(pyversion, message):
    with pytest.raises(UploadError, match=message):
        filenames.check_wheel_pyversion("sample-1.0-py3-none-any.whl", pyversion)
