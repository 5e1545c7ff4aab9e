"""Every route of the application, in one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyramid.config import Configurator
    from pyramid.request import Request

# Routes where credentials come from HTTP headers, never from the browser's cookie.
UPLOAD_ROUTES = frozenset({"forklift.legacy"})


def is_upload_route(request: Request) -> bool:
    route = request.matched_route
    return route is not None and route.name in UPLOAD_ROUTES


ROUTES: list[tuple[str, str]] = [
    ("index", "/"),
    ("help", "/help/"),
    # accounts
    ("accounts.register", "/account/register/"),
    ("accounts.login", "/account/login/"),
    ("accounts.logout", "/account/logout/"),
    ("accounts.two-factor", "/account/two-factor/"),
    ("accounts.webauthn-authenticate.options", "/account/webauthn-authenticate/options"),
    ("accounts.webauthn-authenticate.validate", "/account/webauthn-authenticate/validate"),
    ("accounts.recovery-code", "/account/recovery-code/"),
    ("accounts.verify-email", "/account/verify-email/"),
    ("accounts.request-password-reset", "/account/request-password-reset/"),
    ("accounts.reset-password", "/account/reset-password/"),
    ("accounts.confirm-password", "/account/confirm-password/"),
    # account management
    ("manage.account", "/manage/account/"),
    ("manage.account.password", "/manage/account/password/"),
    ("manage.account.emails", "/manage/account/emails/"),
    ("manage.account.totp-provision", "/manage/account/totp-provision"),
    ("manage.account.totp-provision.image", "/manage/account/totp-provision/image"),
    ("manage.account.totp-delete", "/manage/account/totp-delete"),
    ("manage.account.webauthn-provision", "/manage/account/webauthn-provision"),
    ("manage.account.webauthn-provision.options", "/manage/account/webauthn-provision/options"),
    ("manage.account.webauthn-provision.validate", "/manage/account/webauthn-provision/validate"),
    ("manage.account.webauthn-provision.delete", "/manage/account/webauthn-provision/delete"),
    ("manage.account.recovery-codes.generate", "/manage/account/recovery-codes/generate"),
    ("manage.account.token", "/manage/account/token/"),
    ("manage.account.token.delete", "/manage/account/token/delete"),
    ("manage.projects", "/manage/projects/"),
    ("manage.project.settings", "/manage/project/{project_name}/settings/"),
    ("manage.project.releases", "/manage/project/{project_name}/releases/"),
    ("manage.project.collaboration", "/manage/project/{project_name}/collaboration/"),
    ("manage.project.delete", "/manage/project/{project_name}/delete"),
    ("manage.project.release", "/manage/project/{project_name}/release/{version}/"),
    ("manage.project.release.yank", "/manage/project/{project_name}/release/{version}/yank"),
    ("manage.project.release.unyank", "/manage/project/{project_name}/release/{version}/unyank"),
    ("manage.project.release.delete", "/manage/project/{project_name}/release/{version}/delete"),
    ("manage.project.file.delete", "/manage/project/{project_name}/release/{version}/file/delete"),
    ("manage.project.collaboration.invite", "/manage/project/{project_name}/collaboration/invite"),
    ("manage.project.collaboration.revoke", "/manage/project/{project_name}/collaboration/revoke"),
    ("manage.project.collaboration.change", "/manage/project/{project_name}/collaboration/change"),
    ("manage.project.collaboration.remove", "/manage/project/{project_name}/collaboration/remove"),
    ("manage.project.collaboration.leave", "/manage/project/{project_name}/collaboration/leave"),
    ("manage.projects.invitation.accept", "/manage/projects/invitation/accept"),
    ("manage.projects.invitation.decline", "/manage/projects/invitation/decline"),
    # uploads, index and files
    ("forklift.legacy", "/legacy/"),
    ("forklift.legacy.noslash", "/legacy"),
    ("simple.index", "/simple/"),
    ("simple.index.noslash", "/simple"),
    ("simple.detail", "/simple/{name}/"),
    ("simple.detail.noslash", "/simple/{name}"),
    ("json.project", "/pypi/{name}/json"),
    ("json.release", "/pypi/{name}/{version}/json"),
    ("json.project.slash", "/pypi/{name}/json/"),
    ("json.release.slash", "/pypi/{name}/{version}/json/"),
    # read-only XML-RPC for mirrors (legacy_api/)
    ("legacy_api.xmlrpc", "/pypi"),
    ("legacy_api.xmlrpc.slash", "/pypi/"),
    ("packaging.project", "/project/{name}/"),
    ("packaging.release", "/project/{name}/{version}/"),
    ("packaging.file", "/packages/{path:.*}"),
    ("search", "/search/"),
    # administration (admins with a second factor, browser session only)
    ("admin.index", "/admin/"),
    ("admin.actions", "/admin/actions/"),
    ("admin.user", "/admin/user/{username}/"),
    ("admin.user.disable", "/admin/user/{username}/disable"),
    ("admin.user.enable", "/admin/user/{username}/enable"),
    ("admin.user.reset-2fa", "/admin/user/{username}/reset-2fa"),
    ("admin.user.revoke-tokens", "/admin/user/{username}/revoke-tokens"),
    ("admin.project", "/admin/project/{project_name}/"),
    ("admin.project.remove", "/admin/project/{project_name}/remove"),
    # secret scanning
    ("secrets.disclose-token", "/_/secrets/disclose-token"),
    # development mail outbox (only mounted in development)
    ("dev.mail", "/_dev/mail/"),
    ("dev.mail.message", "/_dev/mail/{name}"),
]


# Routes whose context is loaded from the URL: route name -> dotted path of its factory.
_PROJECT_FACTORY = "warehouse_lite.packaging.contexts.project_factory"
ROUTE_FACTORIES: dict[str, str] = {
    "packaging.project": _PROJECT_FACTORY,
    "packaging.release": _PROJECT_FACTORY,
    **{name: _PROJECT_FACTORY for name, _ in ROUTES if name.startswith("manage.project.")},
}


def includeme(config: Configurator) -> None:
    for name, pattern in ROUTES:
        config.add_route(name, pattern, factory=ROUTE_FACTORIES.get(name))
    config.add_static_view("static", "warehouse_lite:static", cache_max_age=3600)
