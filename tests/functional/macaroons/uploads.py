"""A minimal valid sdist and the /legacy/ form that uploads it, for token tests."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from typing import Any

from packaging.utils import canonicalize_name


def sdist(name: str, version: str = "1.0") -> tuple[str, bytes, dict[str, str]]:
    """(filename, bytes, form fields) of a small sdist with a matching PKG-INFO."""
    stem = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    pkg_info = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: A test package\n"
    ).encode()
    buffer = io.BytesIO()
    # A second member, so that tools which take the members' common path as the root (twine)
    # find {root}/PKG-INFO.
    members = {"PKG-INFO": pkg_info, "README.txt": b"A test package.\n"}
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(f"{stem}/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    content = buffer.getvalue()
    fields = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name,
        "version": version,
        "summary": "A test package",
        "filetype": "sdist",
        "pyversion": "source",
        "sha256_digest": hashlib.sha256(content).hexdigest(),
    }
    return f"{stem}.tar.gz", content, fields


def basic(username: str, password: str) -> dict[str, str]:
    value = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def upload(app: Any, name: str, headers: dict[str, str], version: str = "1.0") -> Any:
    """POST an sdist of ``name`` to /legacy/ with ``headers``; the response, whatever it is."""
    filename, content, fields = sdist(name, version)
    return app.post(
        "/legacy/",
        params=list(fields.items()),
        upload_files=[("content", filename, content)],
        headers=headers,
        expect_errors=True,
    )
