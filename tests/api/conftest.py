"""Fixtures: the same suite on SQLite and PostgreSQL, an app with a fake Rasa at the seam,
and users of every role with API tokens."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli import migrate
from api.core.config import Settings
from api.main import create_app
from api.users import service as users

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # tests/player.py

from dbhelpers import drop_schema, fresh_schema_url, postgres_or_skip
from fakebot import FakeRasa


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A database migrated from empty, once per session and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'screener.db'}"
        migrate(url)
        yield url
        return
    postgres_or_skip()
    url, schema = fresh_schema_url()
    try:
        migrate(url)
        yield url
    finally:
        drop_schema(schema)


@pytest.fixture
def bot() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, rasa_timeout=1.0, secret_key="test-secret")


@pytest.fixture
def app(settings, bot):
    return create_app(settings, bot=bot)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def db(app):
    with app.state.sessionmaker() as session:
        yield session


@dataclass
class Person:
    id: str
    email: str
    role: str
    token: str

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(db, settings):
    def make(role: str = "clinician", password: str | None = None) -> Person:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        user = users.create_user(db, email=email, role=role, password=password)
        _, secret = users.create_token(db, user=user, name="test", settings=settings)
        db.commit()
        return Person(user.id, email, role, secret)

    return make


@pytest.fixture
def clinician(make_user) -> Person:
    return make_user("clinician")


@pytest.fixture
def other_clinician(make_user) -> Person:
    return make_user("clinician")


@pytest.fixture
def coordinator(make_user) -> Person:
    return make_user("coordinator")


@pytest.fixture
def admin(make_user) -> Person:
    return make_user("admin")
