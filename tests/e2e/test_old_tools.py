"""Old build tools and the fields twine sends besides the metadata, against the real server.

An sdist built by setuptools 65.5 (what a Python 3.11 virtualenv ships; Debian 12 ships 66)
is named ``WL-e2e.Old_Tools-1.0.tar.gz``, not PEP 625's ``wl_e2e_old_tools-1.0.tar.gz``. twine
uploads it, pip finds it, and the uploader gets one deprecation email for the project. twine's
``--attestations`` is refused (no trusted publishing here); a ``.asc`` signature is accepted
and the answer says it was not kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.common.dists import make_wheel
from tests.e2e.servers import LiveServer, text_of
from tests.e2e.test_clients import BIN, client_env, run, simple_json

USER, PASSWORD, EMAIL = (
    "old-tools-uploader",
    "an old tools upload password",
    "old-tools@example.org",
)
SUBJECT = "Deprecated sdist filename in"


@pytest.fixture(scope="session")
def setuptools65(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a virtualenv with setuptools 65.5.0 and wheel, installed by pip from the
    configured index (so this also checks the index has that version), built once."""
    root = tmp_path_factory.mktemp("setuptools65")
    run(sys.executable, "-m", "venv", root / "venv")
    python = root / "venv" / "bin" / "python"
    # The ambient environment: pip's configured index, not the isolated client one.
    run(
        python, "-m", "pip", "install", "--force-reinstall", "--disable-pip-version-check",
        "setuptools==65.5.0", "wheel", env=dict(os.environ),
    )  # fmt: skip
    version = run(python, "-c", "import setuptools; print(setuptools.__version__)")
    assert version.strip() == "65.5.0"
    return python


def old_sdist(python: Path, root: Path, name: str, version: str) -> Path:
    """``python setup.py sdist`` of a one-module project, as a legacy setup.py build does."""
    project = root / f"{name}-{version}-src"
    project.mkdir(parents=True)
    (project / "setup.py").write_text(
        textwrap.dedent(f"""
            from setuptools import setup

            setup(
                name={name!r},
                version={version!r},
                packages=["wl_e2e_old"],
                description="Built by an old setuptools",
                long_description="# Old tools\\n\\nBuilt by *setuptools 65*.\\n",
                long_description_content_type="text/markdown",
                python_requires=">=3.8",
            )
        """)
    )
    (project / "wl_e2e_old").mkdir()
    (project / "wl_e2e_old" / "__init__.py").write_text(f'__version__ = "{version}"\n')
    run(python, "setup.py", "-q", "sdist", "--dist-dir", project / "dist", cwd=project)
    [sdist] = (project / "dist").iterdir()
    return sdist


def twine(live_server: LiveServer, *args: str | Path, env: dict[str, str]) -> str:
    """twine's output (with the server's answers: --verbose), unwrapped to one line."""
    output = run(
        BIN / "twine", "upload", "--non-interactive", "--disable-progress-bar", "--verbose",
        "--repository-url", f"{live_server.url}/legacy/", "-u", USER, "-p", PASSWORD,
        *args, env=env,
    )  # fmt: skip
    return " ".join(output.split())


def wheel_on_disk(root: Path, name: str) -> Path:
    """A small pure-Python wheel of ``name`` 1.0, written to ``root``."""
    dist = make_wheel(name, "1.0")
    path = root / dist.filename
    path.write_bytes(dist.content)
    return path


@pytest.fixture(scope="module")
def uploader(live_server: LiveServer) -> str:
    live_server.create_user(USER, PASSWORD, EMAIL)
    return USER


def _notices_for(live_server: LiveServer, project_name: str) -> list[str]:
    return [
        text_of(m)
        for m in live_server.mailbox.messages
        if str(m["To"]).endswith(EMAIL) and f"{SUBJECT} {project_name}" in str(m["Subject"])
    ]


def test_a_setuptools_65_sdist_uploads_with_twine_and_the_uploader_is_told_once(
    live_server: LiveServer,
    uploader: str,
    setuptools65: Path,
    tmp_path: Path,
) -> None:
    env = client_env(tmp_path / "home")
    first = old_sdist(setuptools65, tmp_path, "WL-e2e.Old_Tools", "1.0")
    assert first.name == "WL-e2e.Old_Tools-1.0.tar.gz"  # what setuptools < 69.3 writes

    out = twine(live_server, first, env=env)

    assert "Uploaded WL-e2e.Old_Tools-1.0.tar.gz" in out
    files = simple_json(f"{live_server.url}/simple/wl-e2e-old-tools/")["files"]
    assert [f["filename"] for f in files] == [first.name]
    with urllib.request.urlopen(f"{live_server.url}/simple/wl-e2e-old-tools/") as page:
        assert first.name in page.read().decode()
    # The project's name is the metadata's, which setuptools 65 wrote as WL-e2e.Old-Tools.
    notice = live_server.mailbox.to(EMAIL, f"{SUBJECT} WL-e2e.Old-Tools")
    body = text_of(notice)
    assert "WL-e2e.Old_Tools-1.0.tar.gz" in body
    assert "wl_e2e_old_tools-1.0.tar.gz" in body
    assert "setuptools>=69.3" in body

    # A second old-style sdist of the project: accepted, and no second email. The email of
    # another project's upload comes after it through the same worker queue, so once that one
    # is here, a second notice for the first project would be too.
    second = old_sdist(setuptools65, tmp_path, "WL-e2e.Old_Tools", "1.1")
    twine(live_server, second, env=env)
    sentinel = old_sdist(setuptools65, tmp_path, "WL-e2e.Sentinel_Project", "1.0")
    twine(live_server, sentinel, env=env)
    live_server.mailbox.to(EMAIL, f"{SUBJECT} WL-e2e.Sentinel-Project")
    assert len(_notices_for(live_server, "WL-e2e.Old-Tools")) == 1

    # pip (the one in that old virtualenv) finds the old-style name in the index and builds it.
    downloads = tmp_path / "downloads"
    run(
        setuptools65, "-m", "pip", "download", "--no-deps", "--no-build-isolation",
        "--no-cache-dir", "--index-url", f"{live_server.url}/simple/", "--dest", downloads,
        "wl-e2e-old-tools==1.1", env=env,
    )  # fmt: skip
    [fetched] = downloads.iterdir()
    assert fetched.name == second.name
    assert fetched.read_bytes() == second.read_bytes()


def test_twine_attestations_are_refused_and_nothing_is_kept(
    live_server: LiveServer, uploader: str, tmp_path: Path
) -> None:
    env = client_env(tmp_path / "home")
    wheel = wheel_on_disk(tmp_path, "wl-e2e-attested")
    # twine pairs <dist>.<kind>.attestation files with their dist; the server must refuse
    # before it would ever look inside.
    attestation = tmp_path / f"{wheel.name}.publish.attestation"
    attestation.write_text(json.dumps({"version": 1, "envelope": {}, "verification_material": {}}))

    result = subprocess.run(
        [
            str(BIN / "twine"), "upload", "--non-interactive", "--disable-progress-bar",
            "--attestations", "--repository-url", f"{live_server.url}/legacy/",
            "-u", USER, "-p", PASSWORD, str(wheel), str(attestation),
        ],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    # twine wraps its messages to the terminal's width.
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert "400" in output
    assert "Attestations are only supported when using Trusted Publishing" in output
    with pytest.raises(urllib.error.HTTPError) as missing:
        simple_json(f"{live_server.url}/simple/wl-e2e-attested/")
    assert missing.value.code == 404

    # The same file without attestations goes in.
    out = twine(live_server, wheel, env=env)
    assert "Uploaded wl_e2e_attested-1.0-py3-none-any.whl" in out


def test_a_gpg_signature_is_accepted_and_twine_hears_it_was_not_kept(
    live_server: LiveServer, uploader: str, tmp_path: Path
) -> None:
    env = client_env(tmp_path / "home")
    wheel = wheel_on_disk(tmp_path, "wl-e2e-signed")
    signature = tmp_path / f"{wheel.name}.asc"
    signature.write_text("-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n")

    out = twine(live_server, wheel, signature, env=env)

    assert "The GPG signature sent with it was not stored" in out
    files = simple_json(f"{live_server.url}/simple/wl-e2e-signed/")["files"]
    assert [f["filename"] for f in files] == [wheel.name]
    assert not any(f["filename"].endswith(".asc") for f in files)
