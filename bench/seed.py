"""Bulk rows for the scale benchmark: thousands of projects written straight into the database.

Only read paths are measured against these rows, so they are inserted with SQLAlchemy Core in
a few statements instead of through the upload API (which would take many minutes). Each
project gets what an upload leaves behind: a release, a wheel row, the filename registry entry,
an Owner role and a journal entry whose id becomes the project's serial. Column defaults of
the models fill everything not given here, so the seed follows the schema as it evolves.
"""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import create_engine, func, insert, select, update

from bench.packages import normalize


def seed_projects(db_url: str, username: str, prefix: str, count: int) -> int:
    """Insert ``count`` projects named ``<prefix>-00001``...; returns how many projects exist."""
    import warehouse_lite.models  # noqa: F401  (every table)
    from warehouse_lite.accounts.models import User
    from warehouse_lite.packaging.models import (
        File,
        FilenameRegistry,
        JournalEntry,
        Project,
        Release,
        Role,
        RoleName,
    )

    url = db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            user_id = conn.scalar(select(User.id).where(User.username == username))
            projects, releases, files, registry, roles, journals = [], [], [], [], [], []
            for i in range(1, count + 1):
                name = f"{prefix}-{i:05d}"
                project_id, release_id = uuid.uuid4(), uuid.uuid4()
                filename = f"{name.replace('-', '_')}-1.0.0-py3-none-any.whl"
                digest = hashlib.sha256(filename.encode()).hexdigest()
                projects.append(
                    {"id": project_id, "name": name, "normalized_name": normalize(name)}
                )
                releases.append(
                    {
                        "id": release_id,
                        "project_id": project_id,
                        "version": "1.0.0",
                        "canonical_version": "1",
                        "metadata_version": "2.1",
                        "summary": f"Seeded project {name}",
                        "requires_python": ">=3.8",
                        "uploader_id": user_id,
                    }
                )
                files.append(
                    {
                        "release_id": release_id,
                        "project_id": project_id,
                        "filename": filename,
                        "path": f"{digest[:2]}/{digest[2:4]}/{digest}/{filename}",
                        "size": 1400,
                        "sha256_digest": digest,
                        "blake2_256_digest": hashlib.blake2b(
                            filename.encode(), digest_size=32
                        ).hexdigest(),
                        "md5_digest": hashlib.md5(
                            filename.encode(), usedforsecurity=False
                        ).hexdigest(),
                        "packagetype": "bdist_wheel",
                        "python_version": "py3",
                        "requires_python": ">=3.8",
                    }
                )
                registry.append({"filename": filename})
                roles.append(
                    {"role_name": RoleName.OWNER, "user_id": user_id, "project_id": project_id}
                )
                journals.append(
                    {
                        "name": name,
                        "version": "1.0.0",
                        "action": "add py3 file " + filename,
                        "submitted_by_id": user_id,
                    }
                )
            for model, rows in (
                (Project, projects),
                (Release, releases),
                (File, files),
                (FilenameRegistry, registry),
                (Role, roles),
                (JournalEntry, journals),
            ):
                conn.execute(insert(model), rows)
            # Each seeded project's serial is its journal entry, as after a real upload.
            serials = (
                select(JournalEntry.name, func.max(JournalEntry.id).label("serial"))
                .where(JournalEntry.name.like(f"{prefix}-%"))
                .group_by(JournalEntry.name)
                .subquery()
            )
            conn.execute(
                update(Project)
                .where(Project.name == serials.c.name)
                .values(last_serial=serials.c.serial)
            )
            conn.exec_driver_sql("ANALYZE")
            return int(conn.scalar(select(func.count()).select_from(Project)) or 0)
    finally:
        engine.dispose()
