"""factory_boy factories for projects, releases, files and roles (packaging models)."""

from __future__ import annotations

import hashlib

import factory
from packaging.utils import canonicalize_name, canonicalize_version

from tests.common.factories import Base, UserFactory, _register
from warehouse_lite.packaging.models import File, Project, Release, Role, RoleName


@_register
class ProjectFactory(Base):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"project-{n}")
    normalized_name = factory.LazyAttribute(lambda o: canonicalize_name(o.name))


@_register
class ReleaseFactory(Base):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    canonical_version = factory.LazyAttribute(lambda o: canonicalize_version(o.version))
    metadata_version = "2.4"
    summary = factory.LazyAttribute(lambda o: f"The {o.project.name} package")
    description = "A *description*."
    description_content_type = "text/markdown"
    rendered_description = None


def _digest(algorithm: str, o: object) -> str:
    return hashlib.new(algorithm, o.filename.encode()).hexdigest()  # type: ignore[attr-defined]


@_register
class FileFactory(Base):
    class Meta:
        model = File

    release = factory.SubFactory(ReleaseFactory)
    project_id = factory.LazyAttribute(lambda o: o.release.project.id)
    filename = factory.LazyAttribute(
        lambda o: (
            f"{o.release.project.normalized_name.replace('-', '_')}-{o.release.version}.tar.gz"
        )
    )
    path = factory.LazyAttribute(lambda o: f"{_digest('sha256', o)[:2]}/{o.filename}")
    size = 1234
    sha256_digest = factory.LazyAttribute(lambda o: _digest("sha256", o))
    blake2_256_digest = factory.LazyAttribute(
        lambda o: hashlib.blake2b(o.filename.encode(), digest_size=32).hexdigest()
    )
    md5_digest = factory.LazyAttribute(lambda o: _digest("md5", o))
    packagetype = "sdist"
    python_version = "source"


@_register
class RoleFactory(Base):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role_name = RoleName.OWNER
