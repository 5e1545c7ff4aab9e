"""A project's releases: yank / unyank, delete a release, delete one file (owners only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.decorator import reify
from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config, view_defaults

from warehouse_lite.manage.forms import DeleteFileForm, DeleteReleaseForm, YankForm
from warehouse_lite.manage.views.base import CHANGE, MANAGE, ProjectViews
from warehouse_lite.packaging import presenters
from warehouse_lite.packaging.queries import find_release

if TYPE_CHECKING:
    from warehouse_lite.packaging.models import File, Release

_READ = {"request_method": ("GET", "HEAD")}


@view_defaults(renderer="manage/project_release.html", **MANAGE)
class ReleaseViews(ProjectViews):
    """The releases list, and one release's page with its yank and delete forms."""

    route = "manage.project.release"

    @view_config(
        route_name="manage.project.releases", renderer="manage/project_releases.html", **_READ
    )
    def releases_page(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "section": "releases",
            "releases": presenters.sorted_releases(self.project.releases),
        }

    @reify
    def release(self) -> Release:
        version = self.request.matchdict["version"]
        release = find_release(self.project, version)
        if release is None:
            raise HTTPNotFound(f"{self.project.name} has no release with version '{version}'.")
        return release

    def page(self, **forms: Any) -> dict[str, Any]:
        return {
            "project": self.project,
            "release": self.release,
            "section": "releases",
            "files": sorted(self.release.files, key=lambda f: f.filename),
            "human_size": presenters.human_size,
            "yank_form": forms.get("yank_form") or YankForm(),
            "delete_form": forms.get("delete_form") or DeleteReleaseForm(),
            "file_form": forms.get("file_form"),
            "file_form_id": forms.get("file_form_id"),
        }

    def conflict(self, message: str) -> dict[str, Any]:
        """The release's page again with ``message`` (409: it already is as asked)."""
        self.request.session.flash(message, queue="error")
        return self.refuse(409)

    def back_to_release(self, message: str) -> Any:
        return self.back(message, version=self.release.version)

    @view_config(route_name="manage.project.release", **_READ)
    def release_page(self) -> dict[str, Any]:
        return self.page()

    @view_config(route_name="manage.project.release.yank", **CHANGE)
    def yank(self) -> Any:
        release = self.release
        form = self.form(YankForm)
        if not form.validate():
            return self.refuse(400, yank_form=form)
        if release.yanked:
            return self.conflict(f"{release.version} is already yanked.")
        self.projects.yank(release, self.actor, form.yanked_reason.data or "")
        return self.back_to_release(f"Release {release.version} was yanked.")

    @view_config(route_name="manage.project.release.unyank", **CHANGE)
    def unyank(self) -> Any:
        release = self.release
        if not release.yanked:
            return self.conflict(f"{release.version} is not yanked.")
        self.projects.unyank(release, self.actor)
        return self.back_to_release(f"Release {release.version} was un-yanked.")

    @view_config(route_name="manage.project.release.delete", **CHANGE)
    def delete_release(self) -> Any:
        release = self.release
        form = self.form(DeleteReleaseForm)
        if not self.confirmed(form, "confirm_version", release.version, "this release's version"):
            return self.refuse(400, delete_form=form)
        version = release.version
        self.projects.delete_release(release, self.actor)
        return self.back(
            f"Release {version} and its files were deleted.", "manage.project.releases"
        )

    @view_config(route_name="manage.project.file.delete", **CHANGE)
    def delete_file(self) -> Any:
        release = self.release
        form = self.form(DeleteFileForm)
        file: File | None = next((f for f in release.files if str(f.id) == form.file_id.data), None)
        if file is None:
            raise HTTPNotFound(
                f"Release {release.version} of {self.project.name} has no such file."
            )
        filename = file.filename
        if not self.confirmed(form, "confirm_filename", filename, "the file's name"):
            return self.refuse(400, file_form=form, file_form_id=str(file.id))
        self.projects.delete_file(file, self.actor)
        return self.back_to_release(f"The file {filename} was deleted.")
