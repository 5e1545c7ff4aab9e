"""`warehouse-lite nginx-config`: the reverse-proxy configuration that matches the settings.

nginx forwards everything to gunicorn except what it can answer from SIMPLE_PAGES_DIR: GET and
HEAD of /simple/ and /simple/<normalized-name>/ without a query string, for Accept headers the
installers really send. Which published variant answers which Accept header is decided here by
the application's own negotiation (simple_http.negotiate), so both paths agree; any other header
goes to the app. The headers of a published page repeat the app's (Cache-Control, Vary,
security headers, X-PyPI-Last-Serial: the number the published directory is named after).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from webob import Request as WebObRequest

from warehouse_lite.packaging import simple_http
from warehouse_lite.packaging.static_pages import GZIP_SUFFIX, INDEX_KEY, LINKS, VARIANTS
from warehouse_lite.web.headers import security_headers

if TYPE_CHECKING:
    from warehouse_lite.settings import Settings

# Accept headers of the clients that read the index, verbatim (pip 22.2+, uv, browsers and
# older tools); each is looked up exactly.
KNOWN_ACCEPT_HEADERS = (
    "",
    "*/*",
    "text/html",
    simple_http.V1_HTML,
    simple_http.V1_JSON,
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01",
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
)
# "combined" without the query string and the Referer: email links carry their secret token
# in the query, and the page they open sends its full URL as the Referer of its stylesheet.
LOG_FORMAT = (
    "log_format warehouse_lite '$remote_addr - $remote_user [$time_local] "
    '"$request_method $uri $server_protocol" $status $body_bytes_sent "$http_user_agent"\';'
)
# The file name nginx looks for when the app must decide; no published file has this name.
NO_PAGE = "-"
# /simple/ and the canonical (normalized) project URLs: other spellings go to the app, which
# redirects them.
SIMPLE_LOCATION = r'"^/simple/(?:(?<warehouse_lite_project>[a-z0-9]+(?:-[a-z0-9]+)*)/)?$"'


@dataclass(frozen=True)
class ProxyOptions:
    listen: str  # nginx's listen argument, e.g. "127.0.0.1:8080" or "443 ssl"
    upstream: str  # gunicorn's address, e.g. "127.0.0.1:8000"
    server_name: str
    pages_dir: Path | None
    access_log: str = "/var/log/nginx/warehouse-lite.access.log"


def variant_for_accept(accept: str) -> str:
    """The published file that answers ``accept``, as the app would negotiate it."""
    headers = {"Accept": accept} if accept else {}
    content_type = simple_http.negotiate(WebObRequest.blank("/simple/", headers=headers))
    return VARIANTS[content_type] if content_type is not None else NO_PAGE


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_map() -> str:
    """$warehouse_lite_page: the file answering this request, or NO_PAGE.

    The key joins the method, "?" when there is a query string, and the Accept header, so
    only GET and HEAD without a query (?format= is the app's to negotiate) find a page.
    ``if`` blocks would do the same less safely: inside them try_files does not apply.
    """
    lines = [f"    default {NO_PAGE};"]
    for method in ("GET", "HEAD"):
        for accept in KNOWN_ACCEPT_HEADERS:
            lines.append(f"    {_quoted(f'{method} {accept}')} {variant_for_accept(accept)};")
    # The longest key (a browser's Accept header) needs more than the default bucket.
    key = '"$request_method$is_args $http_accept"'
    head = f"map_hash_bucket_size 256;\nmap {key} $warehouse_lite_page {{\n"
    return head + "\n".join(lines) + "\n}\n"


def _proxy_directives(indent: str) -> str:
    return "".join(
        indent + line + "\n"
        for line in (
            "proxy_pass http://warehouse_lite;",
            "proxy_http_version 1.1;",
            'proxy_set_header Connection "";',
            "proxy_set_header Host $host;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
            "proxy_set_header X-Forwarded-For $remote_addr;  # replace, never append",
            'proxy_set_header X-Forwarded-Host "";',
        )
    )


def _page_maps() -> str:
    """$warehouse_lite_page_key: the page key of the matched URL (static_pages.page_key);
    $warehouse_lite_page_serial: the serial a resolved page directory is named after."""
    return (
        "map $warehouse_lite_project $warehouse_lite_page_key {\n"
        f'    "" {INDEX_KEY};\n'
        "    default $warehouse_lite_project;\n"
        "}\n"
        "map $warehouse_lite_page_dir $warehouse_lite_page_serial {\n"
        f'    "~/(?<warehouse_lite_serial>[0-9]+)-[0-9a-f]{{16}}$" $warehouse_lite_serial;\n'
        '    default "";\n'
        "}\n"
    )


def _published_pages_location(settings: Settings, pages_dir: Path) -> str:
    headers = {
        "Vary": "Accept",
        "Cache-Control": f"max-age={settings.simple_cache_seconds}, public",
        **security_headers(settings.cookies_secure),
    }
    add_headers = "".join(f"        add_header {k} {_quoted(v)};\n" for k, v in headers.items())
    types = "".join(
        f"            {content_type} {filename.rsplit('.', 1)[1]};\n"
        for content_type, filename in VARIANTS.items()
    )
    link = f"{pages_dir / LINKS}/$warehouse_lite_page_key"
    page = _quoted(f"{link}/$warehouse_lite_page")
    return (
        "    # Published simple pages (SIMPLE_PAGES_DIR, see packaging/static_pages.py): the link\n"
        "    # of the page's key is resolved once, and the page, its gzip twin and the serial\n"
        "    # header all come from the directory it resolved to. Anything else goes to the app.\n"
        f"    location ~ {SIMPLE_LOCATION} {{\n"
        "        # 418: not published (yet, or any more), or not a request nginx answers;\n"
        "        # 404: withdrawn between the checks below and the open. The app answers both.\n"
        "        error_page 404 418 = @warehouse_lite;\n"
        "        # Only an existing link is resolved (nginx logs a failed realpath as critical).\n"
        f"        if (!-f {page}) {{\n"
        "            return 418;\n"
        "        }\n"
        "        root $warehouse_lite_page_root;\n"
        f"        set $warehouse_lite_page_root {_quoted(link)};\n"
        "        set $warehouse_lite_page_dir $realpath_root;\n"
        '        if ($warehouse_lite_page_serial = "") {  # withdrawn meanwhile\n'
        "            return 418;\n"
        "        }\n"
        "        # From here on the resolved directory, whatever the link does meanwhile.\n"
        "        set $warehouse_lite_page_root $warehouse_lite_page_dir;\n"
        "        try_files /$warehouse_lite_page @warehouse_lite;\n"
        "        # A cached descriptor would keep serving a withdrawn page.\n"
        "        open_file_cache off;\n"
        "        # nginx's validators are mtime (in seconds) and size: a page republished within\n"
        "        # the same second with the same size would get a 304. Always send the page.\n"
        "        etag off;\n"
        "        if_modified_since off;\n"
        f"        types {{\n{types}        }}\n"
        "        charset utf-8;  # on text/html only, as the app\n"
        f"        gzip_static on;  # the {GZIP_SUFFIX} twin written beside each page\n"
        "        gzip_vary on;\n"
        f"{add_headers}"
        "        add_header X-PyPI-Last-Serial $warehouse_lite_page_serial;\n"
        "    }\n\n"
        "    location @warehouse_lite {\n"
        f"{_proxy_directives('        ')}"
        "    }\n\n"
    )


def server_config(settings: Settings, options: ProxyOptions) -> str:
    """The http-level part: the Accept map, the upstream and the server block."""
    body_limit_mib = settings.max_file_size // (1024 * 1024) + 10  # plus the form fields
    published = _published_pages_location(settings, options.pages_dir) if options.pages_dir else ""
    maps = _page_map() + (_page_maps() if options.pages_dir else "")
    return (
        "# Generated by `warehouse-lite nginx-config`; regenerate after changing the settings.\n"
        f"{maps}\n"
        f"{LOG_FORMAT}\n"
        "upstream warehouse_lite {\n"
        f"    server {options.upstream};\n"
        "    keepalive 32;\n"
        "}\n\n"
        "server {\n"
        f"    listen {options.listen};\n"
        f"    server_name {options.server_name};\n"
        f"    client_max_body_size {body_limit_mib}m;\n"
        "    proxy_read_timeout 120s;\n"
        f"    access_log {options.access_log} warehouse_lite buffer=64k flush=5s;\n\n"
        f"{published}"
        "    location / {\n"
        f"{_proxy_directives('        ')}"
        "    }\n"
        "}\n"
    )


def standalone_config(settings: Settings, options: ProxyOptions, prefix: Path) -> str:
    """A complete nginx.conf for an nginx of one's own under ``prefix`` (tests, benchmarks).

    Started by root, nginx's workers would run as "nobody" and could not read pages under a
    private temporary directory; they keep the starting user instead. Not for production,
    where the distribution's nginx.conf includes ``server_config``.
    """
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes auto;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        "    tcp_nopush on;\n"
        "    keepalive_requests 100000;\n"
        f"    client_body_temp_path {prefix / 'client_body'};\n"
        f"    proxy_temp_path {prefix / 'proxy'};\n"
        f"    fastcgi_temp_path {prefix / 'fastcgi'};\n"
        f"    uwsgi_temp_path {prefix / 'uwsgi'};\n"
        f"    scgi_temp_path {prefix / 'scgi'};\n"
        + _indented(server_config(settings, options))
        + "}\n"
    )


def _indented(text: str) -> str:
    return "".join("    " + line + "\n" if line else "\n" for line in text.splitlines())
