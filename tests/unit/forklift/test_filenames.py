"""Filename rules for wheels and sdists."""

from __future__ import annotations

import pytest

from warehouse_lite.forklift import filenames
from warehouse_lite.forklift.errors import UploadError
from warehouse_lite.forklift.filenames import check_filename, escaped_name
from warehouse_lite.forklift.metadata import validate_metadata


def _meta(name="Sample.Pkg", version="1.0"):
    return validate_metadata({"metadata_version": "2.4", "name": name, "version": version})


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
    check_filename(filename, filetype, pyversion, _meta())


@pytest.mark.parametrize(
    ("filename", "filetype", "pyversion", "message"),
    [
        ("sample_pkg-1.0.zip", "sdist", "source", "must be .tar.gz"),
        ("sample_pkg-1.0.tar.bz2", "sdist", "source", "must be .tar.gz"),
        ("sample_pkg.tar.gz", "sdist", "source", "Invalid sdist filename"),
        ("Sample.Pkg-1.0.tar.gz", "sdist", "source", "must be normalized, 'sample_pkg'"),
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
        ("sample_pkg-1.0-cp311-cp311-linux_x86_64.whl", "bdist_wheel", "cp311", "platform tag"),
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
        check_filename(filename, filetype, pyversion, _meta())
    assert message in excinfo.value.message


def test_equal_versions_in_other_spellings_match():
    check_filename("sample_pkg-1.0.0.tar.gz", "sdist", "source", _meta(version="1.0.0"))
    check_filename("sample_pkg-1.0-py3-none-any.whl", "bdist_wheel", "py3", _meta(version="1.0.0"))


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
