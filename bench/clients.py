"""The clients whose wall time is measured: twine (upload), pip (install), raw HTTP uploads."""

from __future__ import annotations

import base64
import hashlib
import http.client
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import urlsplit

from bench.packages import Dist, metadata
from bench.servers import Index, clean_env, run

TWINE = Path(sys.executable).parent / "twine"


@dataclass(frozen=True)
class Timing:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _twine_args(index: Index, files: list[Path]) -> list[str]:
    return [
        str(TWINE),
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        index.upload_url,
        "--username",
        index.username,
        "--password",
        index.password,
        *map(str, files),
    ]


def twine_sequential(index: Index, files: list[Path]) -> Timing:
    """One twine process uploading every file, one after the other."""
    start = time.perf_counter()
    run(_twine_args(index, files), timeout=900)
    return Timing(len(files), time.perf_counter() - start)


def twine_concurrent(index: Index, groups: list[list[Path]]) -> Timing:
    """One twine process per group, all started together; wall time until the last ends."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            _twine_args(index, group),
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for group in groups
    ]
    outputs = [proc.communicate(timeout=900)[0] for proc in procs]
    seconds = time.perf_counter() - start
    failed = [
        out.decode(errors="replace") for p, out in zip(procs, outputs, strict=True) if p.returncode
    ]
    if failed:
        raise RuntimeError("concurrent twine upload failed:\n" + failed[0][-3000:])
    return Timing(sum(len(g) for g in groups), seconds)


def verify_uploads(index: Index, projects: list[str], files_each: int) -> None:
    """Every project's simple page lists its files: the uploads really happened."""
    parts = urlsplit(index.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        for project in projects:
            conn.request("GET", index.simple_path(project), headers={"Accept": "text/html"})
            response = conn.getresponse()
            body = response.read().decode()
            links = body.count("<a ")
            if response.status != 200 or links != files_each:
                raise RuntimeError(
                    f"{index.name}: /simple/{project}/ answered {response.status} with "
                    f"{links} links, expected {files_each}"
                )
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(
                    parts.hostname or "127.0.0.1", parts.port or 80, timeout=30
                )
    finally:
        conn.close()


def pip_install(index: Index, peer_bin: Path, projects: list[str], work: Path) -> Timing:
    """``pip install --index-url`` of ``projects`` into a new, empty virtualenv (no cache)."""
    target = work / f"pip-target-{index.name}"
    run([sys.executable, "-m", "venv", "--without-pip", str(target)])
    start = time.perf_counter()
    run(
        [
            str(peer_bin / "python"),
            "-m",
            "pip",
            "--python",
            str(target / "bin" / "python"),
            "install",
            "--no-cache-dir",
            "--index-url",
            index.simple_url,
            *projects,
        ],
        timeout=600,
    )
    return Timing(len(projects), time.perf_counter() - start)


class RawUploader:
    """Uploads with the legacy API's multipart form over one keep-alive connection.

    Used where twine's start-up (~0.5 s per process) would hide the server's own cost of one
    upload. Sends the fields twine sends.
    """

    def __init__(self, index: Index) -> None:
        parts = urlsplit(index.upload_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        token = base64.b64encode(f"{index.username}:{index.password}".encode()).decode()
        self.auth = f"Basic {token}"
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def close(self) -> None:
        self.conn.close()

    def upload(self, dist: Dist) -> float:
        """Upload one file; returns the request's wall time in seconds."""
        status, reason, elapsed = self.post(dist)
        if status != 200:
            raise RuntimeError(f"upload of {dist.filename} failed: {status} {reason}")
        return elapsed

    def post(self, dist: Dist, overrides: Sequence[tuple[str, str]] = ()) -> tuple[int, str, float]:
        """Upload one file with some form fields replaced (``overrides``: every field of
        those names goes, these come instead); returns (status, reason, wall time in s)."""
        body, content_type = _form(dist, overrides)
        headers = {"Authorization": self.auth, "Content-Type": content_type}
        start = time.perf_counter()
        try:
            self.conn.request("POST", self.path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            # The server closed an idle keep-alive connection: retry once on a fresh one.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            start = time.perf_counter()
            self.conn.request("POST", self.path, body=body, headers=headers)
            response = self.conn.getresponse()
        response.read()
        return response.status, response.reason, time.perf_counter() - start


def _form(dist: Dist, overrides: Sequence[tuple[str, str]] = ()) -> tuple[bytes, str]:
    meta = HeaderParser().parsestr(metadata(dist.project, dist.version))
    fields: list[tuple[str, str]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", meta["Metadata-Version"]),
        ("name", dist.project),
        ("version", dist.version),
        ("filetype", dist.packagetype),
        ("pyversion", dist.pyversion),
        ("summary", meta["Summary"]),
        ("author", meta["Author"]),
        ("author_email", meta["Author-email"]),
        ("license", meta["License"]),
        ("requires_python", meta["Requires-Python"]),
        ("description", str(meta.get_payload())),
        ("description_content_type", meta["Description-Content-Type"]),
        ("md5_digest", dist.md5),
        ("sha256_digest", dist.sha256),
        ("blake2_256_digest", hashlib.blake2b(dist.content, digest_size=32).hexdigest()),
    ]
    fields += [("classifiers", c) for c in meta.get_all("Classifier", [])]
    replaced = {name for name, _ in overrides}
    fields = [item for item in fields if item[0] not in replaced] + list(overrides)
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{dist.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + dist.content
        + b"\r\n"
    )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
