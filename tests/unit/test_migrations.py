"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warehouse_lite.models import metadata


def test_migrations_match_models(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; alembic warns and skips them.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ (run `warehouse-lite db revision`): {diff}"


def test_single_head_and_full_downgrade(session_tmp) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from tests.common.db import throwaway_database_url
    from warehouse_lite import migrations
    from warehouse_lite.db import make_engine
    from warehouse_lite.settings import load_settings

    with throwaway_database_url(session_tmp) as url:
        engine = make_engine(load_settings({}, var_dir=session_tmp, database_url=url))
        config = migrations.alembic_config(engine)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1
        migrations.upgrade(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(engine)
        assert "release_files" in inspect(engine).get_table_names()
        engine.dispose()
