"""Data and rendering of the simple repository API (PEP 503 HTML, PEP 691 JSON).

One query loads everything a project page shows: releases LEFT JOIN files, so the number of
queries does not depend on how many files a project has. Versions without files still appear
in the JSON "versions" list (PEP 700).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import select

from warehouse_lite.packaging.models import File, Project, Release

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# 1.1: PEP 700 (versions, size, upload-time) on top of 1.0 (PEP 691, 658/714, 592).
API_VERSION = "1.1"


@dataclass(frozen=True)
class SimpleFile:
    filename: str
    url: str
    sha256: str
    size: int
    upload_time: datetime.datetime
    requires_python: str | None
    metadata_sha256: str | None
    yanked: bool
    yanked_reason: str


@dataclass(frozen=True)
class SimpleProject:
    name: str
    normalized_name: str
    last_serial: int
    files: list[SimpleFile]
    versions: list[str]


def load_project_files(
    db: Session, project: Project, files_prefix: str
) -> tuple[list[SimpleFile], list[str]]:
    """Every file (oldest version first, then by name) and every version, in ONE query."""
    rows = db.execute(
        select(
            Release.version,
            Release.yanked,
            Release.yanked_reason,
            Release.requires_python,
            File.filename,
            File.path,
            File.sha256_digest,
            File.size,
            File.upload_time,
            File.requires_python.label("file_requires_python"),
            File.metadata_sha256,
        )
        .select_from(Release)
        .outerjoin(File, File.release_id == Release.id)
        .where(Release.project_id == project.id)
        .order_by(Release.sort_key, Release.created, File.filename)
    ).all()
    files: list[SimpleFile] = []
    versions: list[str] = []
    for row in rows:
        if not versions or versions[-1] != row.version:
            versions.append(row.version)
        if row.filename is None:
            continue
        files.append(
            SimpleFile(
                filename=row.filename,
                url=files_prefix + quote(row.path),
                sha256=row.sha256_digest,
                size=row.size,
                upload_time=row.upload_time,
                requires_python=row.file_requires_python or row.requires_python,
                metadata_sha256=row.metadata_sha256,
                yanked=row.yanked,
                yanked_reason=row.yanked_reason or "",
            )
        )
    return files, versions


def iso_time(value: datetime.datetime) -> str:
    """PEP 700 upload-time: yyyy-mm-ddThh:mm:ss.ffffffZ in UTC."""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _html_page(title: str, lines: list[str]) -> bytes:
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>{escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{escape(title)}</h1>\n"
    )
    return (head + "".join(lines) + "  </body>\n</html>\n").encode()


def project_html(project: SimpleProject) -> bytes:
    """PEP 503 page with PEP 592 yanked, PEP 658/714 metadata and requires-python."""
    lines = []
    for f in project.files:
        attrs = [f'href="{escape(f.url)}#sha256={f.sha256}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{escape(f.requires_python)}"')
        if f.metadata_sha256:
            value = f"sha256={f.metadata_sha256}"
            attrs.append(f'data-dist-info-metadata="{value}"')
            attrs.append(f'data-core-metadata="{value}"')
        if f.yanked:
            attrs.append(f'data-yanked="{escape(f.yanked_reason)}"')
        lines.append(f"    <a {' '.join(attrs)}>{escape(f.filename)}</a><br />\n")
    return _html_page(f"Links for {project.name}", lines)


def project_json(project: SimpleProject) -> bytes:
    """PEP 691 JSON with PEP 700's versions, size and upload-time."""
    files: list[dict[str, Any]] = []
    for f in project.files:
        metadata: dict[str, str] | bool = (
            {"sha256": f.metadata_sha256} if f.metadata_sha256 else False
        )
        files.append(
            {
                "filename": f.filename,
                "url": f.url,
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "core-metadata": metadata,
                "dist-info-metadata": metadata,
                "yanked": (f.yanked_reason or True) if f.yanked else False,
                "size": f.size,
                "upload-time": iso_time(f.upload_time),
            }
        )
    document = {
        "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
        "name": project.normalized_name,
        "files": files,
        "versions": project.versions,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def load_index(db: Session) -> list[tuple[str, str, int]]:
    """(name, normalized name, last serial) of every project, in ONE query."""
    rows = db.execute(
        select(Project.name, Project.normalized_name, Project.last_serial).order_by(
            Project.normalized_name
        )
    ).all()
    return [(r.name, r.normalized_name, r.last_serial) for r in rows]


def index_html(projects: list[tuple[str, str, int]], simple_prefix: str) -> bytes:
    lines = [
        f'    <a href="{escape(simple_prefix + quote(normalized))}/">{escape(name)}</a><br />\n'
        for name, normalized, _ in projects
    ]
    return _html_page("Simple index", lines)


def index_json(projects: list[tuple[str, str, int]], serial: int) -> bytes:
    document = {
        "meta": {"api-version": API_VERSION, "_last-serial": serial},
        "projects": [{"name": name, "_last-serial": s} for name, _, s in projects],
    }
    return json.dumps(document, separators=(",", ":")).encode()
