"""The benchmark's package generator makes valid, distinct wheels and sdists (no servers)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import tarfile
import zipfile

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from bench.compare import chunks, split_by_project
from bench.packages import make_projects, make_release, many_versions


def test_wheel_is_valid_with_matching_record_and_metadata():
    wheel, _ = make_release("Bench.Proj_x", "2.3.0")

    name, version, _build, tags = parse_wheel_filename(wheel.filename)
    assert (name, str(version)) == ("bench-proj-x", "2.3.0")
    assert {str(t) for t in tags} == {"py3-none-any"}
    with zipfile.ZipFile(io.BytesIO(wheel.content)) as archive:
        assert archive.testzip() is None
        info = "bench_proj_x-2.3.0.dist-info"
        meta = Metadata.from_email(archive.read(f"{info}/METADATA"), validate=True)
        assert (meta.name, str(meta.version)) == ("Bench.Proj_x", "2.3.0")
        assert meta.description_content_type == "text/markdown"
        assert b"Tag: py3-none-any" in archive.read(f"{info}/WHEEL")
        rows = list(csv.reader(archive.read(f"{info}/RECORD").decode().splitlines()))
        listed = {row[0] for row in rows}
        assert listed == set(archive.namelist())
        for path, digest, size in rows:
            if path.endswith("RECORD"):
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(data)


def test_sdist_is_a_pep625_tarball_with_pkg_info():
    _, sdist = make_release("Bench.Proj_x", "2.3.0")

    assert sdist.filename == "bench_proj_x-2.3.0.tar.gz"
    name, version = parse_sdist_filename(sdist.filename)
    assert (name, str(version)) == ("bench-proj-x", "2.3.0")
    with tarfile.open(fileobj=io.BytesIO(sdist.content), mode="r:gz") as archive:
        names = archive.getnames()
        assert all(n.startswith("bench_proj_x-2.3.0") for n in names)
        pkg_info = archive.extractfile("bench_proj_x-2.3.0/PKG-INFO")
        assert pkg_info is not None
        meta = Metadata.from_email(pkg_info.read(), validate=True)
        assert str(meta.version) == "2.3.0"
        assert "bench_proj_x-2.3.0/pyproject.toml" in names


def test_projects_are_distinct_and_reproducible():
    dists = make_projects("bench-seq", 30)

    assert len(dists) == 60
    assert len({d.filename for d in dists}) == 60
    assert len({d.sha256 for d in dists}) == 60
    assert len({canonicalize_name(d.project) for d in dists}) == 30
    again = make_projects("bench-seq", 30)
    assert [d.sha256 for d in again] == [d.sha256 for d in dists]


def test_many_versions_of_one_project_differ():
    dists = many_versions("scale-big", 50)

    assert len(dists) == 100
    assert len({d.sha256 for d in dists}) == 100
    assert {d.project for d in dists} == {"scale-big"}


def test_concurrent_groups_keep_a_projects_files_together(tmp_path):
    dists = make_projects("bench-par", 10)
    paths = [d.write(tmp_path) for d in dists]

    groups = split_by_project(dists, paths, 8)

    assert len(groups) == 8
    assert sorted(p for g in groups for p in g) == sorted(paths)
    for group in groups:
        stems = {p.name.split("-")[0] for p in group}
        assert len(group) == 2 * len(stems)


def test_sequential_parts_keep_a_projects_files_together(tmp_path):
    dists = make_projects("bench-seq", 10)
    paths = [d.write(tmp_path) for d in dists]

    parts = chunks(paths, 4)

    assert [p for part in parts for p in part] == paths
    assert len(parts) == 4
    for part in parts:
        assert len(part) % 2 == 0
        assert part[0].name.endswith(".whl") and part[1].name.endswith(".tar.gz")
