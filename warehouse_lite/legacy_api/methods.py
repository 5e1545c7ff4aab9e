"""The read-only XML-RPC methods mirrors and older tools call, in the shapes Warehouse answers.

Everything here is public and read-only. The journal (packaging/journal.py) is the change log
mirrors follow: ``changelog_since_serial`` lists its entries and ``list_packages_with_serial``
the ``last_serial`` of every project, the same serials /simple/ and the JSON API send in
X-PyPI-Last-Serial. pypi.org has since switched off ``list_packages``, ``package_releases``,
``release_urls`` and ``release_data`` (to shed load); they cost little here, and older tools
still call them, so they are served. The methods PyPI retired for good answer a fault saying
what to use instead (RETIRED).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version
from sqlalchemy import func, select

from warehouse_lite.legacy_api.protocol import APPLICATION_ERROR, INVALID_PARAMS, fault
from warehouse_lite.packaging.models import File, JournalEntry, Project, Release
from warehouse_lite.packaging.presenters import file_url, latest_release
from warehouse_lite.packaging.queries import project_roles
from warehouse_lite.packaging.simple_render import iso_time

if TYPE_CHECKING:
    from pyramid.request import Request

# Warehouse's page size for the changelog: a mirror far behind asks again from the last serial.
CHANGELOG_LIMIT = 50_000
# Longer than any name or version can be; longer strings are refused, not looked up.
MAX_TEXT = 1000
_MAX_SERIAL = 2**63 - 1  # the journal id is a BIGINT


# ---- parameters ------------------------------------------------------------------------------


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise fault(INVALID_PARAMS, f"{label} must be a string, not {type(value).__name__}.")
    # PostgreSQL cannot compare a string holding NUL: refuse it rather than fail the query.
    if "\x00" in value or len(value) > MAX_TEXT:
        raise fault(INVALID_PARAMS, f"{label} is not a valid {label}.")
    return value


def _serial(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_SERIAL:
        raise fault(INVALID_PARAMS, f"{label} must be a non-negative integer.")
    return value


def _flag(value: Any, label: str) -> bool:
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise fault(INVALID_PARAMS, f"{label} must be a boolean.")


@dataclass(frozen=True)
class Param:
    label: str
    check: Callable[[Any, str], Any]
    required: bool = True


@dataclass(frozen=True)
class Method:
    function: Callable[..., Any]
    params: tuple[Param, ...] = ()

    def call(self, request: Request, name: str, args: tuple[Any, ...]) -> Any:
        """Check ``args`` against the parameters, then run the method."""
        required = sum(1 for p in self.params if p.required)
        if not required <= len(args) <= len(self.params):
            expected = (
                str(required)
                if required == len(self.params)
                else f"{required} to {len(self.params)}"
            )
            labels = ", ".join(p.label for p in self.params) or "none"
            raise fault(
                INVALID_PARAMS,
                f"{name} takes {expected} parameter(s) ({labels}); {len(args)} given.",
            )
        checked = [p.check(arg, p.label) for p, arg in zip(self.params, args, strict=False)]
        return self.function(request, *checked)


# ---- lookups ---------------------------------------------------------------------------------


def _project(request: Request, name: str) -> Project | None:
    return request.db.scalar(
        select(Project).where(Project.normalized_name == canonicalize_name(name))
    )


def _release(request: Request, name: str, version: str) -> Release | None:
    """The release ``version`` of project ``name``, whatever the spelling of either."""
    try:
        canonical = canonicalize_version(Version(version))
    except InvalidVersion:
        return None
    return request.db.scalar(
        select(Release)
        .join(Project, Project.id == Release.project_id)
        .where(
            Project.normalized_name == canonicalize_name(name),
            Release.canonical_version == canonical,
        )
    )


def _timestamp(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return int(value.timestamp())


# ---- the methods -----------------------------------------------------------------------------


def list_packages(request: Request) -> list[str]:
    return list(request.db.scalars(select(Project.name).order_by(Project.name)))


def list_packages_with_serial(request: Request) -> dict[str, int]:
    rows = request.db.execute(select(Project.name, Project.last_serial))
    return {name: serial for name, serial in rows}


def changelog_last_serial(request: Request) -> int | None:
    return request.db.scalar(select(func.max(JournalEntry.id)))


def changelog_since_serial(request: Request, serial: int) -> list[tuple[Any, ...]]:
    """(name, version, timestamp, action, serial) of the entries after ``serial``, oldest first,
    at most CHANGELOG_LIMIT of them."""
    entries = request.db.scalars(
        select(JournalEntry)
        .where(JournalEntry.id > serial)
        .order_by(JournalEntry.id)
        .limit(CHANGELOG_LIMIT)
    )
    return [(e.name, e.version, _timestamp(e.submitted_date), e.action, e.id) for e in entries]


def package_releases(request: Request, name: str, show_hidden: bool = False) -> list[str]:
    """Every version, newest first, with ``show_hidden``; else the version the JSON API's
    ``info`` describes, unless every release is yanked."""
    project = _project(request, name)
    if project is None:
        return []
    releases = list(
        request.db.scalars(
            select(Release)
            .where(Release.project_id == project.id)
            .order_by(Release.sort_key, Release.created)
        )
    )
    if show_hidden:
        return [r.version for r in reversed(releases)]
    latest = latest_release(releases)
    return [] if latest is None or latest.yanked else [latest.version]


def release_urls(request: Request, name: str, version: str) -> list[dict[str, Any]]:
    release = _release(request, name, version)
    if release is None:
        return []
    files = request.db.scalars(
        select(File).where(File.release_id == release.id).order_by(File.filename)
    )
    return [
        {
            "comment_text": "",
            "digests": {"md5": f.md5_digest, "sha256": f.sha256_digest},
            "downloads": -1,
            "filename": f.filename,
            "has_sig": False,
            "md5_digest": f.md5_digest,
            "packagetype": f.packagetype,
            "path": f.path,
            "python_version": f.python_version,
            "sha256_digest": f.sha256_digest,
            "size": f.size,
            "upload_time": iso_time(f.upload_time),
            "url": file_url(request, f),
        }
        for f in files
    ]


def release_data(request: Request, name: str, version: str) -> dict[str, Any]:
    release = _release(request, name, version)
    if release is None:
        return {}
    project = release.project
    return {
        "name": project.name,
        "version": release.version,
        "stable_version": None,
        "bugtrack_url": None,
        "package_url": request.route_url("packaging.project", name=project.normalized_name),
        "release_url": request.route_url(
            "packaging.release", name=project.normalized_name, version=release.version
        ),
        "docs_url": None,
        "home_page": release.home_page,
        "download_url": release.download_url,
        "project_url": list(release.project_urls or []),
        "author": release.author,
        "author_email": release.author_email,
        "maintainer": release.maintainer,
        "maintainer_email": release.maintainer_email,
        "summary": release.summary,
        "description": release.description,
        "license": release.license,
        "keywords": release.keywords,
        "platform": release.platform,
        "classifiers": list(release.classifiers or []),
        "requires_dist": list(release.requires_dist or []),
        "requires_python": release.requires_python,
        # Metadata 1.1 fields this index does not keep (nothing has written them since 2005).
        "requires": [],
        "provides": [],
        "provides_dist": [],
        "obsoletes": [],
        "obsoletes_dist": [],
        "requires_external": [],
        "_pypi_ordering": release.sort_key,
        "_pypi_hidden": False,
        "downloads": {"last_day": -1, "last_week": -1, "last_month": -1},
        "cheesecake_code_kwalitee_id": None,
        "cheesecake_documentation_id": None,
        "cheesecake_installability_id": None,
    }


def package_roles(request: Request, name: str) -> list[tuple[str, str]]:
    project = _project(request, name)
    return [] if project is None else project_roles(request.db, project.id)


_NAME = Param("package_name", _text)
_VERSION = Param("version", _text)

METHODS: dict[str, Method] = {
    "list_packages": Method(list_packages),
    "list_packages_with_serial": Method(list_packages_with_serial),
    "changelog_last_serial": Method(changelog_last_serial),
    "changelog_since_serial": Method(changelog_since_serial, (Param("since_serial", _serial),)),
    "package_releases": Method(
        package_releases, (_NAME, Param("show_hidden", _flag, required=False))
    ),
    "release_urls": Method(release_urls, (_NAME, _VERSION)),
    "release_data": Method(release_data, (_NAME, _VERSION)),
    "package_roles": Method(package_roles, (_NAME,)),
}

_JSON_API = "the JSON API (/pypi/<project>/json and /pypi/<project>/<version>/json)"
_NO_STATISTICS = "This index keeps no download statistics."
# Methods PyPI has retired for good (or that this index does not offer), and what to use.
RETIRED: dict[str, str] = {
    "search": "XML-RPC search is retired, as on PyPI (pip search cannot work): search on the "
    "web at /search/ instead.",
    "changelog": "changelog is retired: use changelog_since_serial.",
    "package_data": f"package_data is retired: use release_data or {_JSON_API}.",
    "package_urls": f"package_urls is retired: use release_urls or {_JSON_API}.",
    "release_downloads": _NO_STATISTICS,
    "top_packages": _NO_STATISTICS,
    "user_packages": "user_packages is not offered: each project's roles are in the "
    "'ownership' key of the JSON API, or from package_roles.",
    "browse": "browse is not offered: search on the web at /search/.",
    "system.multicall": "Multicall is not supported: send each call on its own.",
}


def retired_fault(name: str) -> Any:
    """The fault answering a retired method, shaped like Warehouse's (a RuntimeError)."""
    return fault(APPLICATION_ERROR, f"RuntimeError: {RETIRED[name]}")
