"""A project's releases: yank / unyank, delete a release, delete one file (owners only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from warehouse_lite.authnz import Permissions
from warehouse_lite.manage.project_changes import CHANGE, record_change
from warehouse_lite.manage.project_forms import DeleteFileForm, DeleteReleaseForm, YankForm
from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.deletion import delete_file, delete_release
from warehouse_lite.packaging.models import File, Project, Release
from warehouse_lite.packaging.pages import find_release

if TYPE_CHECKING:
    from pyramid.request import Request

_MANAGE = {"context": Project, "permission": Permissions.PROJECTS_MANAGE}


@view_config(
    route_name="manage.project.releases",
    renderer="manage/project_releases.html",
    request_method=("GET", "HEAD"),
    **_MANAGE,
)
def releases_page(project: Project, request: Request) -> dict[str, Any]:
    return {
        "project": project,
        "section": "releases",
        "releases": presenters.sorted_releases(project.releases),
    }


def _release(project: Project, request: Request) -> Release:
    version = request.matchdict["version"]
    release = find_release(project, version)
    if release is None:
        raise HTTPNotFound(f"{project.name} has no release with version '{version}'.")
    return release


def release_context(project: Project, release: Release, **forms: Any) -> dict[str, Any]:
    return {
        "project": project,
        "release": release,
        "section": "releases",
        "files": sorted(release.files, key=lambda f: f.filename),
        "human_size": presenters.human_size,
        "yank_form": forms.get("yank_form") or YankForm(),
        "delete_form": forms.get("delete_form") or DeleteReleaseForm(),
        "file_form": forms.get("file_form"),
        "file_form_id": forms.get("file_form_id"),
    }


def _back(request: Request, project: Project, release: Release | None, message: str) -> Any:
    request.session.flash(message, queue="success")
    if release is None:
        return HTTPSeeOther(
            request.route_path("manage.project.releases", project_name=project.normalized_name)
        )
    return HTTPSeeOther(
        request.route_path(
            "manage.project.release", project_name=project.normalized_name, version=release.version
        )
    )


@view_config(
    route_name="manage.project.release",
    renderer="manage/project_release.html",
    request_method=("GET", "HEAD"),
    **_MANAGE,
)
def release_page(project: Project, request: Request) -> dict[str, Any]:
    return release_context(project, _release(project, request))


@view_config(
    route_name="manage.project.release.yank",
    renderer="manage/project_release.html",
    **CHANGE,
)
def yank_release(project: Project, request: Request) -> Any:
    release = _release(project, request)
    form = YankForm(request.POST)
    if not form.validate():
        request.response.status = 400
        return release_context(project, release, yank_form=form)
    if release.yanked:
        request.response.status = 409
        request.session.flash(f"{release.version} is already yanked.", queue="error")
        return release_context(project, release)
    release.yanked = True
    release.yanked_reason = (form.yanked_reason.data or "").strip()
    record_change(
        request,
        project,
        tag="project:release:yank",
        journal="yank release",
        email="release-yanked",
        version=release.version,
        yanked_reason=release.yanked_reason,
    )
    return _back(request, project, release, f"Release {release.version} was yanked.")


@view_config(
    route_name="manage.project.release.unyank",
    renderer="manage/project_release.html",
    **CHANGE,
)
def unyank_release(project: Project, request: Request) -> Any:
    release = _release(project, request)
    if not release.yanked:
        request.response.status = 409
        request.session.flash(f"{release.version} is not yanked.", queue="error")
        return release_context(project, release)
    release.yanked = False
    release.yanked_reason = ""
    record_change(
        request,
        project,
        tag="project:release:unyank",
        journal="unyank release",
        email="release-unyanked",
        version=release.version,
    )
    return _back(request, project, release, f"Release {release.version} was un-yanked.")


@view_config(
    route_name="manage.project.release.delete",
    renderer="manage/project_release.html",
    **CHANGE,
)
def delete_release_view(project: Project, request: Request) -> Any:
    release = _release(project, request)
    form = DeleteReleaseForm(request.POST)
    if form.validate() and form.confirm_version.data.strip() != release.version:
        form.confirm_version.errors = [
            f"That is not this release's version: type '{release.version}' exactly to delete it."
        ]
    if form.confirm_version.errors:
        request.response.status = 400
        return release_context(project, release, delete_form=form)
    version = release.version
    filenames = sorted(f.filename for f in release.files)
    delete_release(request, release)
    record_change(
        request,
        project,
        tag="project:release:remove",
        journal="remove release",
        email="release-deleted",
        version=version,
        filenames=filenames,
    )
    return _back(request, project, None, f"Release {version} and its files were deleted.")


@view_config(
    route_name="manage.project.file.delete",
    renderer="manage/project_release.html",
    **CHANGE,
)
def delete_file_view(project: Project, request: Request) -> Any:
    release = _release(project, request)
    form = DeleteFileForm(request.POST)
    file: File | None = next((f for f in release.files if str(f.id) == form.file_id.data), None)
    if file is None:
        raise HTTPNotFound(f"Release {release.version} of {project.name} has no such file.")
    if form.validate() and form.confirm_filename.data.strip() != file.filename:
        form.confirm_filename.errors = [
            f"That is not the file's name: type '{file.filename}' exactly to delete it."
        ]
    if form.confirm_filename.errors:
        request.response.status = 400
        return release_context(project, release, file_form=form, file_form_id=str(file.id))
    filename = file.filename
    delete_file(request, file)
    record_change(
        request,
        project,
        tag="project:release:file:remove",
        journal=f"remove file {filename}",
        email="file-deleted",
        version=release.version,
        filename=filename,
    )
    return _back(request, project, release, f"The file {filename} was deleted.")
