"""/pypi/<name>/json and /pypi/<name>/<version>/json in the shape of PyPI's JSON API."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version
from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound, HTTPPermanentRedirect
from pyramid.view import view_config
from sqlalchemy import select

from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.models import File, Project, Release
from warehouse_lite.packaging.queries import project_roles
from warehouse_lite.packaging.simple_http import cached_page, page_response
from warehouse_lite.packaging.simple_render import iso_time

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

JSON = "application/json"


def _project_urls(entries: list[str]) -> dict[str, str] | None:
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    return urls or None


def _file_dict(request: Request, file: File, release: Release) -> dict[str, Any]:
    upload_time = file.upload_time.astimezone(datetime.UTC)
    # PEP 658/714: the METADATA served beside the file; pypi.org sends both spellings.
    metadata: dict[str, str] | bool = (
        {"sha256": file.metadata_sha256} if file.metadata_sha256 else False
    )
    return {
        "comment_text": file.comment_text or "",
        "core-metadata": metadata,
        "data-dist-info-metadata": metadata,
        "digests": {
            "blake2b_256": file.blake2_256_digest,
            "md5": file.md5_digest,
            "sha256": file.sha256_digest,
        },
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5_digest,
        "packagetype": file.packagetype,
        "python_version": file.python_version,
        "requires_python": file.requires_python or release.requires_python,
        "size": file.size,
        "upload_time": upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": iso_time(upload_time),
        "url": presenters.file_url(request, file),
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def _info(request: Request, project: Project, release: Release) -> dict[str, Any]:
    project_url = request.route_url("packaging.project", name=project.normalized_name)
    return {
        "author": release.author,
        "author_email": release.author_email,
        "bugtrack_url": None,
        "classifiers": list(release.classifiers or []),
        "description": release.description,
        "description_content_type": release.description_content_type,
        "docs_url": None,
        "download_url": release.download_url,
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": list(release.dynamic or []),
        "home_page": release.home_page,
        "keywords": release.keywords,
        "license": release.license,
        "license_expression": release.license_expression,
        "license_files": list(release.license_files or []) or None,
        "maintainer": release.maintainer,
        "maintainer_email": release.maintainer_email,
        "name": project.name,
        "package_url": project_url,
        "platform": release.platform,
        "project_url": project_url,
        "project_urls": _project_urls(list(release.project_urls or [])),
        "provides_extra": list(release.provides_extra or []) or None,
        "release_url": request.route_url(
            "packaging.release", name=project.normalized_name, version=release.version
        ),
        "requires_dist": list(release.requires_dist or []) or None,
        "requires_python": release.requires_python,
        "summary": release.summary,
        "version": release.version,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def _document(request: Request, project: Project, version: str | None) -> bytes:
    db = request.db
    releases = list(
        db.scalars(
            select(Release)
            .where(Release.project_id == project.id)
            .order_by(Release.sort_key, Release.created)
        )
    )
    if version is None:
        release = presenters.latest_release(releases)
        missing = "has no releases"
    else:
        release = next((r for r in releases if r.canonical_version == version), None)
        missing = f"has no release {version}"
    if release is None:
        raise HTTPNotFound(f"The project {project.name!r} {missing}.")
    by_release: dict[Any, list[File]] = defaultdict(list)
    for file in db.scalars(
        select(File).where(File.project_id == project.id).order_by(File.filename)
    ):
        by_release[file.release_id].append(file)
    document: dict[str, Any] = {
        "info": _info(request, project, release),
        "last_serial": project.last_serial,
        "ownership": {
            "organization": None,  # no organizations on this index
            "roles": [
                {"role": role, "user": username} for role, username in project_roles(db, project.id)
            ],
        },
        "urls": [_file_dict(request, f, release) for f in by_release[release.id]],
        "vulnerabilities": [],
    }
    if version is None:
        document["releases"] = {
            r.version: [_file_dict(request, f, r) for f in by_release[r.id]] for r in releases
        }
    return json.dumps(document, indent=None, separators=(",", ":")).encode()


def _json_view(request: Request, version: str | None) -> Response:
    name = request.matchdict["name"]
    project = request.db.scalar(
        select(Project).where(Project.normalized_name == canonicalize_name(name))
    )
    if project is None:
        raise HTTPNotFound(f"No project named {name!r} on this index.")
    if name != project.name:
        route = "json.project" if version is None else "json.release"
        kwargs = {"name": project.name}
        if version is not None:
            kwargs["version"] = request.matchdict["version"]
        return HTTPMovedPermanently(location=request.route_path(route, **kwargs))
    key = ("pypi-json", project.id, project.last_serial, version, request.host_url)
    page = cached_page(request, key, JSON, lambda: _document(request, project, version))
    response = page_response(request, page, project.last_serial)
    response.vary = None
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@view_config(route_name="json.project", request_method="GET")
def json_project(request: Request) -> Response:
    return _json_view(request, None)


@view_config(route_name="json.release", request_method="GET")
def json_release(request: Request) -> Response:
    try:
        version = canonicalize_version(Version(request.matchdict["version"]))
    except InvalidVersion:
        raise HTTPNotFound(f"{request.matchdict['version']!r} is not a valid version.") from None
    return _json_view(request, version)


@view_config(route_name="json.project.slash", request_method="GET")
@view_config(route_name="json.release.slash", request_method="GET")
def json_slash(request: Request) -> Response:
    """/pypi/<name>/json/ and /pypi/<name>/<version>/json/ → the same URL without the slash
    (308, as pypi.org answers)."""
    route = "json.project" if "version" not in request.matchdict else "json.release"
    location = request.route_path(route, **request.matchdict, _query=request.GET)
    return HTTPPermanentRedirect(location=location)
