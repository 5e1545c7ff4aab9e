"""`warehouse-lite nginx-config`: negotiation agrees with the app; nginx accepts the file."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from warehouse_lite.ops.nginx_config import (
    KNOWN_ACCEPT_HEADERS,
    NO_PAGE,
    ProxyOptions,
    server_config,
    standalone_config,
    variant_for_accept,
)
from warehouse_lite.settings import load_settings

PIP, UV = KNOWN_ACCEPT_HEADERS[5], KNOWN_ACCEPT_HEADERS[6]


@pytest.mark.parametrize(
    ("accept", "variant"),
    [
        (PIP, "index.v1json"),
        (UV, "index.v1json"),
        ("", "index.html"),
        ("*/*", "index.html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "index.html"),
        ("application/vnd.pypi.simple.v1+html", "index.v1html"),
        ("application/json", NO_PAGE),
    ],
)
def test_variants_follow_the_apps_negotiation(accept, variant):
    assert variant_for_accept(accept) == variant


def options(tmp_path: Path, pages: bool = True) -> ProxyOptions:
    return ProxyOptions(
        listen="127.0.0.1:18080",
        upstream="127.0.0.1:18000",
        server_name="pypi.example.org",
        pages_dir=tmp_path / "pages" if pages else None,
        access_log=str(tmp_path / "access.log"),
    )


def test_the_server_block_serves_pages_for_get_and_head_without_a_query(tmp_path):
    settings = dataclasses.replace(load_settings({}), simple_cache_seconds=30)
    text = server_config(settings, options(tmp_path))
    assert f'"GET {PIP}" index.v1json;' in text
    assert f'"HEAD {PIP}" index.v1json;' in text
    assert "POST" not in text
    # The page's link is resolved once; body and serial header come from that directory.
    assert f'set $warehouse_lite_page_root "{tmp_path / "pages" / "links"}/' in text
    assert "set $warehouse_lite_page_dir $realpath_root;" in text
    assert "add_header X-PyPI-Last-Serial $warehouse_lite_page_serial;" in text
    assert 'add_header Cache-Control "max-age=30, public";' in text
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "client_max_body_size 110m;" in text
    # Races and validators: a withdrawn page goes to the app, never a 404 or a stale 304.
    for directive in ("error_page 404 418 = @warehouse_lite;", "open_file_cache off;", "etag off;"):
        assert directive in text
    # Email links' tokens are in the query string: the access log leaves it out.
    assert "$request_method $uri $server_protocol" in text and "$http_referer" not in text


def test_without_a_pages_directory_everything_goes_to_the_app(tmp_path):
    text = server_config(load_settings({}), options(tmp_path, pages=False))
    assert "try_files" not in text
    assert "proxy_pass http://warehouse_lite;" in text


def test_redirects_and_xml_rpc_go_to_the_app(tmp_path):
    # The app answers these (308s, XML-RPC): no location but "/" (the proxy) may take them.
    text = server_config(load_settings({}), options(tmp_path))
    # nginx's PCRE names groups (?<name>...); Python's re spells it (?P<name>...).
    found = re.findall(r"location ~ (\S+) \{", text)
    regexes = [re.compile(r.strip('"').replace("(?<", "(?P<")) for r in found]
    assert regexes, "the published pages' location is expected"
    assert all(r.search("/simple/") and r.search("/simple/sample/") for r in regexes)
    for path in ("/simple", "/pypi", "/pypi/", "/pypi/Sample/json/", "/pypi/Sample/1.0/json/"):
        assert not any(r.search(path) for r in regexes), path
    exact = re.findall(r"location = (\S+) \{", text)
    assert exact == []
    assert "    location / {\n        proxy_pass http://warehouse_lite;" in text


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (apt-get install nginx)",
)
def test_nginx_accepts_the_standalone_configuration(tmp_path):
    config = tmp_path / "nginx.conf"
    config.write_text(standalone_config(load_settings({}), options(tmp_path), tmp_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
