"""Alembic from empty on SQLite and PostgreSQL: up, matches the models, down, up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from dbhelpers import drop_schema, fresh_schema_url, postgres_or_skip
from sqlalchemy import inspect

from api.cli import alembic_config, migrate
from api.core.db import Base, make_engine

TABLES = {
    "users",
    "api_tokens",
    "web_sessions",
    "screenings",
    "messages",
    "verdicts",
    "audit_events",
    "teams_user_links",
    "teams_conversations",
    "alembic_version",
}


def check(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == TABLES
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
    command.downgrade(alembic_config(url), "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    migrate(url)
    engine.dispose()


def test_sqlite_from_empty(tmp_path):
    check(f"sqlite:///{tmp_path / 'nested' / 'fresh.db'}")


@pytest.mark.postgres
def test_postgresql_from_empty():
    postgres_or_skip()
    url, schema = fresh_schema_url()
    try:
        check(url)
    finally:
        drop_schema(schema)
