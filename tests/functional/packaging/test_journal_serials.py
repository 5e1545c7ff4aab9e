"""A project's last_serial is the id of its newest journal entry after every kind of change
(record_journal leaves both to the next flush, where the entries go in first and the project's
UPDATE carries the newest id), and removing a project journals it without an UPDATE after the
project's DELETE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.common.dists import make_wheel
from tests.common.factories import UserFactory
from tests.common.queries import count_queries
from tests.common.uploads import basic_auth, upload
from tests.functional.conftest import form_for, login
from warehouse_lite.packaging.models import JournalEntry, Project

NAME = "Serial_Project"
MANAGE = "/manage/project/serial-project/"


def _journal(db: Any) -> list[tuple[int, str, str | None]]:
    query = select(JournalEntry).where(JournalEntry.name == NAME).order_by(JournalEntry.id)
    return [(entry.id, entry.action, entry.version) for entry in db.scalars(query)]


def _last_serial(db: Any) -> int:
    db.expire_all()
    return db.scalar(select(Project.last_serial).where(Project.normalized_name == "serial-project"))


def _newest_id(db: Any) -> int:
    return db.scalar(select(func.max(JournalEntry.id)).where(JournalEntry.name == NAME))


def _owner_with_project(app: Any, db: Any) -> list[tuple[int, str, str | None]]:
    UserFactory(username="owner")
    upload(app, make_wheel(NAME, "1.0"), auth=basic_auth("owner"))
    return _journal(db)


def test_an_upload_creating_a_project_ends_on_its_newest_serial(app, db, storage_dir) -> None:
    journal = _owner_with_project(app, db)
    # The four entries of the upload went in together, in the order they were recorded.
    assert [(action, version) for _, action, version in journal] == [
        ("create", None),
        ("add Owner owner", None),
        ("new release", "1.0"),
        ("add py3 file serial_project-1.0-py3-none-any.whl", "1.0"),
    ]
    ids = [entry_id for entry_id, _, _ in journal]
    assert ids == sorted(set(ids))
    assert _last_serial(db) == ids[-1] == _newest_id(db)


def test_a_new_release_ends_on_its_newest_serial(app, db, storage_dir) -> None:
    before = _owner_with_project(app, db)
    upload(app, make_wheel(NAME, "2.0"), auth=basic_auth("owner"))
    added = _journal(db)[len(before) :]
    assert [action for _, action, _ in added] == [
        "new release",
        "add py3 file serial_project-2.0-py3-none-any.whl",
    ]
    assert added[0][0] < added[1][0] == _newest_id(db) == _last_serial(db)


def test_yank_and_release_removal_end_on_their_serial(app, db, storage_dir) -> None:
    _owner_with_project(app, db)
    upload(app, make_wheel(NAME, "2.0"), auth=basic_auth("owner"))
    assert login(app, "owner").status_code == 303
    release_url = MANAGE + "release/1.0/"

    form = form_for(app.get(release_url), release_url + "yank")
    form["yanked_reason"] = "broken"
    assert form.submit().status_code == 303
    assert _journal(db)[-1][1:] == ("yank release", "1.0")
    assert _last_serial(db) == _newest_id(db)

    form = form_for(app.get(release_url), release_url + "delete")
    form["confirm_version"] = "1.0"
    assert form.submit().status_code == 303
    assert _journal(db)[-1][1:] == ("remove release", "1.0")
    assert _last_serial(db) == _newest_id(db)


def test_removing_a_project_journals_it_and_updates_no_deleted_row(
    app, db, engine, storage_dir
) -> None:
    _owner_with_project(app, db)
    assert login(app, "owner").status_code == 303
    form = form_for(app.get(MANAGE + "settings/"), MANAGE + "delete")
    form["confirm_project_name"] = NAME
    with count_queries(engine) as statements:
        assert form.submit().status_code == 303
    db.expire_all()
    assert db.scalar(select(Project).where(Project.normalized_name == "serial-project")) is None
    assert _journal(db)[-1][1:] == ("remove project", None)
    # The serial may reach the row before the DELETE (a query in between flushes the journal
    # entry), never after it: nothing updates a row deleted in this transaction.
    kinds = [s.lstrip().upper().split(" WHERE")[0] for s in statements]
    deletes = [i for i, s in enumerate(kinds) if s == "DELETE FROM PROJECTS"]
    updates = [i for i, s in enumerate(kinds) if s.startswith("UPDATE PROJECTS")]
    assert len(deletes) == 1 and all(i < deletes[0] for i in updates), statements
