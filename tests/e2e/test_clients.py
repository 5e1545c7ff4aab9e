"""Real clients against the real server: build with `python -m build` and flit, upload with
twine, `uv publish` and `flit publish`, install with pip and `uv pip` from /simple/.

Two tiny projects: wl-e2e-base (setuptools; 1.0 by twine, 2.0 by uv, then 2.0 is yanked) and
wl-e2e-app (flit, depends on wl-e2e-base>=1.0). No network but loopback: every client points
at our index only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.e2e.servers import LiveServer

BIN = Path(sys.executable).parent
USER, PASSWORD = "clients-uploader", "a long e2e upload password"


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{args[0]} failed ({result.returncode}):\n{output}"
    return output


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def base_project(root: Path, version: str) -> Path:
    return write(
        root / f"base-{version}",
        {
            "pyproject.toml": f"""
                [build-system]
                requires = ["setuptools>=69"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "wl-e2e-base"
                version = "{version}"
                description = "The base package of the warehouse_lite client tests"
                readme = "README.md"
                requires-python = ">=3.8"
                license = "MIT"
                classifiers = ["Programming Language :: Python :: 3"]

                [project.urls]
                Source = "https://example.com/wl-e2e-base"

                [tool.setuptools]
                packages = ["wl_e2e_base"]
            """,
            "README.md": f"# wl-e2e-base\n\nVersion **{version}** of the base package.\n",
            "wl_e2e_base/__init__.py": f'__version__ = "{version}"\n',
        },
    )


def app_project(root: Path) -> Path:
    return write(
        root / "app",
        {
            "pyproject.toml": """
                [build-system]
                requires = ["flit_core>=3.4,<5"]
                build-backend = "flit_core.buildapi"

                [project]
                name = "wl-e2e-app"
                version = "0.1"
                description = "An app that depends on wl-e2e-base"
                readme = "README.rst"
                requires-python = ">=3.8"
                dependencies = ["wl-e2e-base>=1.0"]
            """,
            "README.rst": "wl-e2e-app\n==========\n\nDepends on *wl-e2e-base*.\n",
            "wl_e2e_app/__init__.py": (
                '"""The app."""\nimport wl_e2e_base\n\n__version__ = "0.1"\n'
                "BASE = wl_e2e_base.__version__\n"
            ),
        },
    )


def client_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for client tools: no user config, no caches, no proxies."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_CACHE_DIR": str(home / "uv-cache"),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "NO_PROXY": "*",
        "PYTHONUTF8": "1",
    }
    env.update(extra)
    return env


def simple_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def yank(db_url: str, project: str, version: str, reason: str) -> None:
    """What the manage page does: mark the release yanked and journal it (new serial)."""
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        project_id = conn.execute(
            "SELECT id FROM projects WHERE normalized_name = %s FOR UPDATE", (project,)
        ).fetchone()[0]
        conn.execute(
            "UPDATE releases SET yanked = true, yanked_reason = %s "
            "WHERE project_id = %s AND version = %s",
            (reason, project_id, version),
        )
        serial = conn.execute(
            "INSERT INTO journals (name, version, action, submitted_date) "
            "VALUES (%s, %s, 'yank release', now()) RETURNING id",
            (project, version),
        ).fetchone()[0]
        conn.execute("UPDATE projects SET last_serial = %s WHERE id = %s", (serial, project_id))


def new_venv(path: Path, env: dict[str, str]) -> Path:
    run(BIN / "uv", "venv", "--python", sys.executable, path, env=env)
    return path / "bin" / "python"


def pip_install(python: Path, index: str, *reqs: str, env: dict[str, str]) -> str:
    return run(
        BIN / "pip", "--python", python, "install", "-v", "--no-cache-dir",
        "--index-url", index, *reqs, env=env,
    )  # fmt: skip


def uv_install(python: Path, index: str, *reqs: str, env: dict[str, str]) -> str:
    return run(
        BIN / "uv", "pip", "install", "--python", python, "--no-cache",
        "--index-url", index, *reqs, env=env,
    )  # fmt: skip


def version_of(python: Path, module: str) -> str:
    return run(python, "-c", f"import {module}; print({module}.__version__)").strip()


@pytest.fixture(scope="module")
def published(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build both projects and upload them with three different clients."""
    live_server.create_user(USER, PASSWORD, "clients-uploader@example.org")
    root = tmp_path_factory.mktemp("clients")
    home = root / "home"
    home.mkdir()
    env = client_env(home)
    legacy = f"{live_server.url}/legacy/"

    base1 = base_project(root, "1.0")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", base1 / "dist", base1, env=env)
    dists1 = sorted((base1 / "dist").iterdir())
    assert sorted(p.suffix for p in dists1) == [".gz", ".whl"]
    out = run(
        BIN / "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", legacy, "-u", USER, "-p", PASSWORD, *dists1, env=env,
    )  # fmt: skip
    assert "View at" in out or "Uploading" in out

    base2 = base_project(root, "2.0")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", base2 / "dist", base2, env=env)
    run(
        BIN / "uv", "publish", "--publish-url", legacy, "--username", USER,
        "--password", PASSWORD, "--trusted-publishing", "never",
        *sorted((base2 / "dist").iterdir()), env=env,
    )  # fmt: skip

    app = app_project(root)
    run(
        BIN / "flit", "publish",
        env={**env, "FLIT_INDEX_URL": legacy, "FLIT_USERNAME": USER, "FLIT_PASSWORD": PASSWORD},
        cwd=app,
    )  # fmt: skip
    yank(live_server.db_url, "wl-e2e-base", "2.0", "broken on purpose")
    # A change made in the database by hand bypasses the app: withdraw the published pages,
    # as docs/deployment.md tells operators to.
    live_server.run_cli("simple-pages", "clear")
    return {"root": root, "env": env, "index": f"{live_server.url}/simple/", "legacy": legacy}


def test_the_index_lists_what_the_clients_uploaded(live_server: LiveServer, published):
    base = simple_json(published["index"] + "wl-e2e-base/")
    assert base["versions"] == ["1.0", "2.0"]
    names = {f["filename"]: f for f in base["files"]}
    assert set(names) == {
        "wl_e2e_base-1.0.tar.gz",
        "wl_e2e_base-1.0-py3-none-any.whl",
        "wl_e2e_base-2.0.tar.gz",
        "wl_e2e_base-2.0-py3-none-any.whl",
    }
    assert names["wl_e2e_base-2.0-py3-none-any.whl"]["yanked"] == "broken on purpose"
    assert names["wl_e2e_base-1.0-py3-none-any.whl"]["core-metadata"]
    assert names["wl_e2e_base-1.0-py3-none-any.whl"]["requires-python"] == ">=3.8"
    app = simple_json(published["index"] + "wl-e2e-app/")
    assert {f["filename"] for f in app["files"]} == {
        "wl_e2e_app-0.1.tar.gz",
        "wl_e2e_app-0.1-py3-none-any.whl",
    }
    with urllib.request.urlopen(f"{live_server.url}/pypi/wl-e2e-base/json", timeout=30) as r:
        info = json.load(r)["info"]
    assert info["version"] == "1.0"  # 2.0 is yanked
    assert info["license_expression"] == "MIT"
    assert info["project_urls"] == {"Source": "https://example.com/wl-e2e-base"}


def _index_state(live_server: LiveServer, project: str) -> dict:
    """Everything a re-upload must leave alone: serial, files, page ETag and the rows."""
    with urllib.request.urlopen(f"{live_server.url}/pypi/{project}/json", timeout=30) as r:
        data = json.load(r)
    request = urllib.request.Request(
        f"{live_server.url}/simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        etag = response.headers["ETag"]
        serial = response.headers["X-PyPI-Last-Serial"]
    joined = "FROM {} t JOIN projects p ON p.id = t.project_id WHERE p.normalized_name = %s"
    url = live_server.db_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:
        rows = {
            table: conn.execute(f"SELECT count(*) {joined.format(table)}", (project,)).fetchone()
            for table in ("releases", "release_files", "project_events")
        }
        rows["journals"] = conn.execute(
            "SELECT count(*), max(id) FROM journals WHERE name = %s", (project,)
        ).fetchone()
    return {
        "last_serial": data["last_serial"],
        "files": sorted(
            (f["filename"], f["digests"]["sha256"], f["size"])
            for files in data["releases"].values()
            for f in files
        ),
        "etag": etag,
        "serial_header": serial,
        "rows": rows,
    }


def test_uploading_the_same_files_again_is_harmless(live_server: LiveServer, published):
    before = _index_state(live_server, "wl-e2e-base")
    base1 = published["root"] / "base-1.0" / "dist"
    run(  # asserts that twine exits 0
        BIN / "twine", "upload", "--non-interactive", "--disable-progress-bar",
        "--repository-url", published["legacy"], "-u", USER, "-p", PASSWORD,
        *sorted(base1.iterdir()), env=published["env"],
    )  # fmt: skip
    after = _index_state(live_server, "wl-e2e-base")
    assert len(before["files"]) == 4
    assert before["rows"]["journals"][0] > 0
    assert after == before


def test_pip_installs_the_app_and_its_dependency_skipping_the_yanked_release(
    live_server: LiveServer, published
):
    env = published["env"]
    python = new_venv(published["root"] / "pip-venv", env)
    out = pip_install(python, published["index"], "wl-e2e-app", env=env)
    assert version_of(python, "wl_e2e_app") == "0.1"
    assert version_of(python, "wl_e2e_base") == "1.0"
    assert "wl_e2e_base-2.0" not in out.split("Successfully installed")[-1]
    # pip read the dependency metadata from the PEP 658 file instead of the whole wheel.
    access_log = live_server.process("gunicorn").log()
    metadata_requests = re.findall(
        r'"GET (/packages/\S+\.whl\.metadata) HTTP/1\.1" 200 .*pip/', access_log
    )
    assert any("wl_e2e_app-0.1-py3-none-any.whl.metadata" in p for p in metadata_requests)
    assert any("wl_e2e_base-1.0-py3-none-any.whl.metadata" in p for p in metadata_requests)


def test_pip_installs_a_yanked_release_when_pinned(published):
    env = published["env"]
    python = new_venv(published["root"] / "pip-pinned", env)
    out = pip_install(python, published["index"], "wl-e2e-base==2.0", env=env)
    assert version_of(python, "wl_e2e_base") == "2.0"
    assert "yanked" in out.lower() and "broken on purpose" in out


def test_uv_installs_the_app_and_its_dependency(published):
    env = published["env"]
    python = new_venv(published["root"] / "uv-venv", env)
    uv_install(python, published["index"], "wl-e2e-app", env=env)
    assert version_of(python, "wl_e2e_app") == "0.1"
    assert version_of(python, "wl_e2e_base") == "1.0"


def test_uv_installs_a_yanked_release_only_when_pinned(published):
    env = published["env"]
    python = new_venv(published["root"] / "uv-pinned", env)
    uv_install(python, published["index"], "wl-e2e-base==2.0", env=env)
    assert version_of(python, "wl_e2e_base") == "2.0"
    python = new_venv(published["root"] / "uv-unpinned", env)
    uv_install(python, published["index"], "wl-e2e-base>=1.0", env=env)
    assert version_of(python, "wl_e2e_base") == "1.0"


def _twine_upload(published, *files: Path, password: str = PASSWORD):
    return subprocess.run(
        [str(BIN / "twine"), "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", published["legacy"], "-u", USER, "-p", password,
         *map(str, files)],
        env=published["env"], capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_twine_shows_why_the_server_refused(published, tmp_path):
    sdist = published["root"] / "base-1.0" / "dist" / "wl_e2e_base-1.0.tar.gz"
    result = _twine_upload(published, sdist, password="wrong password")
    assert result.returncode != 0
    assert "Invalid or non-existent authentication information" in result.stdout + result.stderr

    # Same filename, other bytes: refused with the existing file's hash.
    changed = base_project(tmp_path, "1.0")
    (changed / "README.md").write_text("# changed\n")
    env = published["env"]
    run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--outdir", changed / "dist",
        changed, env=env)  # fmt: skip
    result = _twine_upload(published, changed / "dist" / "wl_e2e_base-1.0.tar.gz")
    assert result.returncode != 0
    assert "File already exists ('wl_e2e_base-1.0.tar.gz', with sha256 hash" in (
        result.stdout + result.stderr
    )


def test_concurrent_first_uploads_of_a_new_project(live_server: LiveServer, published):
    """CI often uploads the sdist and the wheel of a brand-new project at the same moment:
    both must succeed, as one project with one owner."""
    import base64
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.common.dists import make_sdist, make_wheel

    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def post(dist):
        return requests.post(
            published["legacy"],
            data=dist.fields,
            files={"content": (dist.filename, dist.content)},
            headers={"Authorization": auth},
            timeout=60,
        )

    for i in range(4):
        name = f"wl-race-{i}"
        dists = [make_wheel(name, "1.0"), make_sdist(name, "1.0")]
        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(post, dists))
        assert [r.status_code for r in responses] == [200, 200], [r.reason for r in responses]
        files = simple_json(published["index"] + f"{name}/")["files"]
        assert sorted(f["filename"] for f in files) == sorted(d.filename for d in dists)
    with psycopg.connect(live_server.db_url.replace("+psycopg", "", 1)) as conn:
        owners = conn.execute(
            "SELECT p.normalized_name, count(r.id) FROM projects p JOIN roles r "
            "ON r.project_id = p.id WHERE p.normalized_name LIKE 'wl-race-%' "
            "GROUP BY p.normalized_name"
        ).fetchall()
    assert sorted(owners) == [(f"wl-race-{i}", 1) for i in range(4)]
