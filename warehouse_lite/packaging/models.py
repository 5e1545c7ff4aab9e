"""Projects, releases, files, roles, the filename registry and the change journal."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import TYPE_CHECKING, Any

from pyramid.authorization import Allow
from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse_lite.authnz import Permissions, user_principal
from warehouse_lite.db import Base, UUIDPrimaryKey, utcnow
from warehouse_lite.events.models import HasEvents, ProjectEvent

if TYPE_CHECKING:
    from warehouse_lite.accounts.models import User


class RoleName(enum.StrEnum):
    OWNER = "Owner"
    MAINTAINER = "Maintainer"


class Project(HasEvents[ProjectEvent], UUIDPrimaryKey, Base):
    """A project; ``normalized_name`` is the PEP 503 form and is unique."""

    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String(200))
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # Serial of the newest journal entry about this project (X-PyPI-Last-Serial, cache keys).
    last_serial: Mapped[int] = mapped_column(BigInteger, default=0)
    total_size: Mapped[int] = mapped_column(BigInteger, default=0)

    releases: Mapped[list[Release]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    roles: Mapped[list[Role]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    # Written by record_journal, never read: the newest journal entry about the project.
    # Journal entries outlive their project, so the schema has no foreign key; this link
    # (last_serial as the "foreign" side) makes a flush INSERT the entries before the
    # project's UPDATE and copy the entry's id into last_serial in that same UPDATE.
    newest_journal_entry: Mapped[JournalEntry | None] = relationship(
        primaryjoin="foreign(Project.last_serial) == JournalEntry.id"
    )

    @property
    def __acl__(self) -> list[tuple[str, str, Any]]:
        acl: list[tuple[str, str, Any]] = []
        for role in self.roles:
            principal = user_principal(role.user_id)
            if role.role_name == RoleName.OWNER:
                acl.append(
                    (
                        Allow,
                        principal,
                        [
                            Permissions.PROJECTS_READ,
                            Permissions.PROJECTS_UPLOAD,
                            Permissions.PROJECTS_MANAGE,
                        ],
                    )
                )
            else:
                acl.append(
                    (Allow, principal, [Permissions.PROJECTS_READ, Permissions.PROJECTS_UPLOAD])
                )
        return acl

    def explain_denial(self, permission: str) -> str:
        """Why someone without ``permission`` on this project is refused (the 403 message)."""
        if permission == Permissions.PROJECTS_MANAGE:
            return (
                f"Only owners of the project '{self.name}' can manage it; ask one of its owners "
                "if something needs to change."
            )
        if permission == Permissions.PROJECTS_UPLOAD:
            return (
                f"You are not an owner or maintainer of the project '{self.name}', so you cannot "
                "upload to it."
            )
        return f"You are not allowed to do that with the project '{self.name}'."


class Release(UUIDPrimaryKey, Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("project_id", "canonical_version", name="uq_releases_project_version"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(100))
    canonical_version: Mapped[str] = mapped_column(String(100))
    # Sort key computed with packaging.version at upload, so listings need no parsing.
    sort_key: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    metadata_version: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str | None] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    description_content_type: Mapped[str | None] = mapped_column(String(128))
    rendered_description: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    author_email: Mapped[str | None] = mapped_column(Text)
    maintainer: Mapped[str | None] = mapped_column(Text)
    maintainer_email: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(Text)
    license_expression: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    home_page: Mapped[str | None] = mapped_column(Text)
    download_url: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(Text)
    requires_python: Mapped[str | None] = mapped_column(String(200))
    # Lists as JSON: classifiers, requires_dist, provides_extra, project_urls ("Label, URL") ...
    classifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    requires_dist: Mapped[list[str]] = mapped_column(JSON, default=list)
    provides_extra: Mapped[list[str]] = mapped_column(JSON, default=list)
    project_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    dynamic: Mapped[list[str]] = mapped_column(JSON, default=list)
    # PEP 639 License-File paths (inside the distribution), shown by the JSON API; None for
    # releases uploaded before it was kept.
    license_files: Mapped[list[str] | None] = mapped_column(JSON)
    yanked: Mapped[bool] = mapped_column(default=False)
    yanked_reason: Mapped[str] = mapped_column(Text, default="")
    uploader_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    project: Mapped[Project] = relationship(back_populates="releases")
    files: Mapped[list[File]] = relationship(
        back_populates="release", cascade="all, delete-orphan", passive_deletes=True
    )
    uploader: Mapped[User | None] = relationship()


class File(UUIDPrimaryKey, Base):
    __tablename__ = "release_files"

    release_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    # Denormalised so the simple page for a project is one indexed query.
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(512), unique=True)
    path: Mapped[str] = mapped_column(String(512), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    blake2_256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    md5_digest: Mapped[str] = mapped_column(String(32))
    packagetype: Mapped[str] = mapped_column(String(32))  # "sdist" | "bdist_wheel"
    python_version: Mapped[str] = mapped_column(String(64), default="source")
    requires_python: Mapped[str | None] = mapped_column(String(200))
    upload_time: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # PEP 658: sha256 of the METADATA stored beside a wheel (None for sdists without it).
    metadata_sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_via: Mapped[str | None] = mapped_column(String(200))
    # The uploader's note on this file (twine upload --comment), shown by the JSON API.
    comment_text: Mapped[str | None] = mapped_column(Text)

    release: Mapped[Release] = relationship(back_populates="files")


class FilenameRegistry(Base):
    """Every filename ever uploaded: a deleted file's name can never be used again."""

    __tablename__ = "filename_registry"

    filename: Mapped[str] = mapped_column(String(512), primary_key=True)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class Role(UUIDPrimaryKey, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "project_id", name="uq_roles_user_project"),)

    role_name: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=20))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship()
    project: Mapped[Project] = relationship(back_populates="roles")


class RoleInvitation(UUIDPrimaryKey, Base):
    """An owner's invitation to a user to take a role on a project (packaging/invitations.py).

    Not a role: it gives no access and is shown to nobody but the project's owners and the
    invitee. Accepting, declining or revoking deletes it; one per user and project.
    """

    __tablename__ = "role_invitations"
    __table_args__ = (
        UniqueConstraint("user_id", "project_id", name="uq_role_invitations_user_project"),
    )

    role_name: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=20))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime.datetime]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    project: Mapped[Project] = relationship()

    def expired(self, now: datetime.datetime) -> bool:
        return now >= self.expires


class JournalEntry(Base):
    """Append-only change log; its id is the serial clients see as X-PyPI-Last-Serial."""

    __tablename__ = "journals"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(Text)
    submitted_date: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
