"""Engine, sessions, the declarative base and shared column types."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


DEFAULT_CONNECTIONS = 15  # SQLAlchemy's own default pool: 5 kept, 10 more when busy


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for an in-memory one (or another backend)."""
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1]
    return path if path and path != ":memory:" and "mode=memory" not in url else None


def pooled(url: str) -> bool:
    """Whether the engine keeps a pool of connections (an in-memory SQLite database is one
    connection shared by everybody, and takes no pool sizes)."""
    return not url.startswith("sqlite") or sqlite_file(url) is not None


def connections_per_request(engine: Engine) -> int:
    """The most connections one request holds at once: on PostgreSQL a screening's turn holds
    its advisory lock on a connection of its own beside its session's (screenings/service.py
    `_lock`); elsewhere one."""
    return 2 if engine.dialect.name == "postgresql" else 1


def requests_at_once(engine: Engine, connections: int) -> int:
    """How many requests the API serves at once so that none can wait for a connection that
    only a waiting request could give back (api/core/admission.py)."""
    per_request = connections_per_request(engine)
    if connections < per_request:
        raise ValueError(
            f"SCREENER_DB_CONNECTIONS is {connections}: a request on {engine.dialect.name} "
            f"holds up to {per_request} connections at once; give it at least {per_request}"
        )
    return connections // per_request


def make_engine(url: str, connections: int = DEFAULT_CONNECTIONS, **kwargs: Any) -> Engine:
    """`connections`: the most the pool opens at once (5 kept open, the rest when busy). The
    API admits as many requests at once (api/core/admission.py)."""
    if pooled(url):
        kept = min(5, connections)
        kwargs = {"pool_size": kept, "max_overflow": connections - kept, **kwargs}
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
