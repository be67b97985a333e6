"""PostgreSQL for the tests: reachable or skipped (failed when CI is set), a fresh schema each."""

from __future__ import annotations

import os
import uuid

import pytest

from api.core.db import make_engine

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_or_skip(url: str = PG_URL) -> None:
    import psycopg

    try:
        psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = f"PostgreSQL not reachable at {url}: {str(exc).strip()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: PostgreSQL tests must run)")
        pytest.skip(reason)


def fresh_schema_url() -> tuple[str, str]:
    schema = f"api_test_{uuid.uuid4().hex[:10]}"
    with make_engine(PG_URL).begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str) -> None:
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()
