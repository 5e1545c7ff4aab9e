"""Real bandersnatch mirrors the production-shape server (nginx → gunicorn → PostgreSQL), in
both of its modes: XML-RPC (its default: list_packages_with_serial, then changelog_since_serial)
and `api-method = simple` (/simple, redirected to /simple/, read as PEP 691 JSON). Each mode
makes a full mirror, sees an upload, makes an incremental mirror; pip then installs from the
mirror's own files (a file:// index), with no server of ours involved.
"""

from __future__ import annotations

import http.client
import json
import re
import textwrap
import xmlrpc.client
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.common.dists import Dist, make_sdist, make_wheel
from tests.e2e.servers import LiveServer
from tests.e2e.test_clients import BIN, client_env, new_venv, run, version_of

USER, PASSWORD = "mirror-uploader", "a long e2e mirror password"


@pytest.fixture(scope="module")
def uploader(live_server: LiveServer) -> str:
    live_server.create_user(USER, PASSWORD, "mirror-uploader@example.org")
    return USER


def twine_upload(live_server: LiveServer, env: dict[str, str], folder: Path, *dists: Dist) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for dist in dists:
        path = folder / dist.filename
        path.write_bytes(dist.content)
        paths.append(path)
    run(
        BIN / "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", f"{live_server.url}/legacy/", "-u", USER, "-p", PASSWORD,
        *paths, env=env,
    )  # fmt: skip


def write_config(root: Path, master: str, mode: str, project: str) -> Path:
    config = root / "bandersnatch.conf"
    config.write_text(
        textwrap.dedent(
            f"""
            [mirror]
            directory = {root / "mirror"}
            master = {master}
            ; our test server speaks plain http on loopback
            allow-non-https = true
            api-method = {mode}
            storage-backend = filesystem
            json = true
            release-files = true
            hash-index = false
            workers = 2
            verifiers = 1
            timeout = 30
            global-timeout = 600
            stop-on-error = true

            [plugins]
            enabled =
                allowlist_project

            [allowlist]
            packages =
                {project}
            """
        )
    )
    return config


def mirror(config: Path, env: dict[str, str]) -> str:
    return run(BIN / "bandersnatch", "-c", config, "mirror", env=env)


def mirrored_serial(root: Path) -> int:
    return int((root / "mirror" / "status").read_text())


def newest_serial(live_server: LiveServer) -> int:
    with xmlrpc.client.ServerProxy(f"{live_server.url}/pypi") as proxy:
        serials = proxy.list_packages_with_serial()
    return max(serials.values())


def mirrored_file(root: Path, filename: str) -> bytes:
    (path,) = (root / "mirror" / "web" / "packages").rglob(filename)
    return path.read_bytes()


def pip_install_from_mirror(root: Path, python: Path, requirement: str, env: dict) -> str:
    index = (root / "mirror" / "web" / "simple").as_uri()
    return run(
        BIN / "pip", "--python", python, "install", "--no-cache-dir", "--upgrade",
        "--index-url", index, requirement, env=env,
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["xmlrpc", "simple"])
def test_bandersnatch_mirrors_then_follows_an_upload(
    live_server: LiveServer, uploader: str, tmp_path: Path, mode: str
):
    project = f"WL-Mirror-{mode.title()}"  # not normalized: the JSON API redirects to it
    normalized, module = f"wl-mirror-{mode}", f"wl_mirror_{mode}"
    env = client_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    first = [make_wheel(project, "1.0"), make_sdist(project, "1.0")]
    twine_upload(live_server, env, tmp_path / "dist1", *first)
    config = write_config(tmp_path, live_server.url, mode, normalized)
    log_start = len(live_server.process("gunicorn").log())

    # The full mirror.
    out = mirror(config, env)
    assert "Syncing all packages." in out
    assert mirrored_serial(tmp_path) == newest_serial(live_server)
    page = (tmp_path / "mirror" / "web" / "simple" / normalized / "index.html").read_text()
    for dist in first:
        assert dist.filename in page
        assert mirrored_file(tmp_path, dist.filename) == dist.content
    # json = true keeps our JSON document, ownership included.
    saved = json.loads((tmp_path / "mirror" / "web" / "json" / normalized).read_text())
    assert saved["info"]["name"] == project
    assert saved["ownership"] == {"roles": [{"role": "Owner", "user": USER}], "organization": None}
    python = new_venv(tmp_path / "venv", env)
    pip_install_from_mirror(tmp_path, python, normalized, env)
    assert version_of(python, module) == "1.0"

    # An upload, then the incremental mirror picks it up (and only what changed).
    second = [make_wheel(project, "2.0"), make_sdist(project, "2.0")]
    twine_upload(live_server, env, tmp_path / "dist2", *second)
    out = mirror(config, env)
    assert "Syncing all packages." not in out
    assert mirrored_serial(tmp_path) == newest_serial(live_server)
    page = (tmp_path / "mirror" / "web" / "simple" / normalized / "index.html").read_text()
    for dist in first + second:
        assert dist.filename in page
    assert mirrored_file(tmp_path, second[0].filename) == second[0].content
    pip_install_from_mirror(tmp_path, python, normalized, env)
    assert version_of(python, module) == "2.0"

    # Each mode used its own way in, through nginx to the app.
    log = live_server.process("gunicorn").log()[log_start:]
    xml_rpc = re.findall(r'"POST /pypi HTTP/1\.1" 200 \d+ "-" "bandersnatch', log)
    simple = re.findall(r'"GET /simple HTTP/1\.1" 308 \d+ "-" "bandersnatch', log)
    if mode == "xmlrpc":
        assert len(xml_rpc) == 2 and simple == []  # list_packages..., changelog_since_serial
    else:
        assert len(simple) == 2 and xml_rpc == []  # the full index, then again to compare


def _head(url: str) -> tuple[int, str | None]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("Location")
    finally:
        connection.close()


def test_redirects_and_xml_rpc_through_nginx(live_server: LiveServer, uploader: str, tmp_path):
    env = client_env(tmp_path)
    twine_upload(live_server, env, tmp_path / "dist", make_wheel("WL_Redirects", "1.0"))
    base = live_server.url
    assert _head(f"{base}/simple") == (308, f"{base}/simple/")
    assert _head(f"{base}/pypi/WL_Redirects/json/") == (308, f"{base}/pypi/WL_Redirects/json")
    assert _head(f"{base}/pypi/WL_Redirects/1.0/json/") == (
        308,
        f"{base}/pypi/WL_Redirects/1.0/json",
    )
    assert _head(f"{base}/pypi")[0] == 405
    with xmlrpc.client.ServerProxy(f"{base}/pypi") as proxy:
        assert proxy.package_releases("wl-redirects") == ["1.0"]
        (file,) = proxy.release_urls("wl-redirects", "1.0")
        assert file["filename"] == "wl_redirects-1.0-py3-none-any.whl"
        with pytest.raises(xmlrpc.client.Fault) as caught:
            proxy.search({"name": "wl"})
        assert caught.value.faultString.startswith("RuntimeError: XML-RPC search is retired")
    with xmlrpc.client.ServerProxy(f"{base}/pypi") as proxy:
        serial = proxy.changelog_last_serial()
        entries = proxy.changelog_since_serial(serial - 2)
        assert [e[4] for e in entries] == [serial - 1, serial]
    # The billion laughs through the whole stack: a fault, and the server goes on.
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]><methodCall><methodName>&i;</methodName></methodCall>"
    ).encode()
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", "/pypi", laughs, {"Content-Type": "text/xml"})
    response = connection.getresponse()
    assert response.status == 200
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(response.read())
    assert "DOCTYPE" in caught.value.faultString
    connection.close()
