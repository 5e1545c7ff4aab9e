"""Abandoned temporary upload files: swept at start-up and by `warehouse-lite storage check
--fix`; the check also lists rows without objects and objects without rows."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.common import factories
from tests.common.packaging_factories import FileFactory
from warehouse_lite import gunicorn_conf
from warehouse_lite.cli import main
from warehouse_lite.packaging.storage_check import ABANDONED_AFTER
from warehouse_lite.packaging.storage_local import LocalFileStorage


def _temporary(root: Path, directory: str, age: float) -> Path:
    """A temporary file as a killed store leaves it, last written ``age`` seconds ago."""
    path = root / directory / ".upload-k1ll3d.tmp"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a wheel")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_the_sweep_removes_only_abandoned_temporary_files(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    storage.store("ab/cd/kept.whl", io.BytesIO(b"a whole wheel"))
    old = _temporary(tmp_path, "ef/01/abc", ABANDONED_AFTER + 60)
    beside_an_object = _temporary(tmp_path, "ab/cd", ABANDONED_AFTER + 60)
    young = _temporary(tmp_path, "12/34/def", 5)  # perhaps another worker writing it now

    removed = storage.sweep_temporary_files(ABANDONED_AFTER)

    assert sorted(removed) == ["ab/cd/.upload-k1ll3d.tmp", "ef/01/abc/.upload-k1ll3d.tmp"]
    assert not old.exists() and not beside_an_object.exists() and young.exists()
    assert not (tmp_path / "ef").exists()  # its empty digest directories went too
    assert list(storage.objects()) == ["ab/cd/kept.whl"]


def test_gunicorn_sweeps_when_it_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_ENV", "development")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    monkeypatch.delenv("SIMPLE_PAGES_DIR", raising=False)
    old = _temporary(tmp_path / "files", "ab/cd/ef", ABANDONED_AFTER + 1)
    young = _temporary(tmp_path / "files", "ab/cd/01", 1)
    gunicorn_conf.on_starting(None)
    assert not old.exists() and young.exists()


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FILES_DIR", raising=False)
    monkeypatch.setenv("WAREHOUSE_ENV", "development")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    return runner


def test_storage_check_reports_and_fixes_only_temporary_files(
    runner: CliRunner, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite3'}")
    with Session(engine) as db:
        factories.bind(db)
        present = FileFactory(metadata_sha256="00" * 32)
        missing = FileFactory()
        paths = (present.path, missing.path)
        db.commit()
    engine.dispose()
    for name in (paths[0], paths[0] + ".metadata", "99/orphan-1.0.tar.gz"):
        (files / name).parent.mkdir(parents=True, exist_ok=True)
        (files / name).write_bytes(b"bytes")
    abandoned = _temporary(files, "77/88/99", ABANDONED_AFTER + 1)
    _temporary(files, "55/66/77", 1)

    result = runner.invoke(main, ["storage", "check"])
    assert result.exit_code == 1, result.output
    assert f"rows without their stored file: 1\n  {paths[1]}\n" in result.output
    assert "stored files without a row: 1\n  99/orphan-1.0.tar.gz\n" in result.output
    assert "abandoned temporary files (--fix removes them): 1\n  77/88/99/" in result.output
    assert "temporary files being written: 1" in result.output
    assert abandoned.exists()

    fixed = runner.invoke(main, ["storage", "check", "--fix"])
    assert "removed 1 abandoned temporary files" in fixed.output
    assert "abandoned temporary files (--fix removes them): 0" in fixed.output
    assert not abandoned.exists()
    assert fixed.exit_code == 1  # the rest is for a person to decide

    (files / "99/orphan-1.0.tar.gz").unlink()
    (files / paths[1]).parent.mkdir(parents=True, exist_ok=True)
    (files / paths[1]).write_bytes(b"bytes")
    clean = runner.invoke(main, ["storage", "check"])
    assert clean.exit_code == 0, clean.output
