"""Teams fixtures: the stand-in for Microsoft's side (tests/api/teams/standin.py) and an app
configured to trust it, on SQLite and PostgreSQL like the rest of the API tests."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from standin import APP_ID, APP_PASSWORD, TENANT, StandIn, StandInServer, Teams

from api.core.config import Settings
from api.teams import service as teams_service
from api.users.models import User


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandInServer() as running:
        yield running


@pytest.fixture
def settings(db_url, standin) -> Settings:
    return Settings(
        database_url=db_url,
        rasa_timeout=1.0,
        secret_key="test-secret",
        teams_app_id=APP_ID,
        teams_app_password=APP_PASSWORD,
        teams_app_type="single_tenant",
        teams_tenant_id=TENANT,
        teams_openid_metadata_url=standin.url + "/openid",
        teams_token_endpoint=standin.url + "/token",
    )


@pytest.fixture
def link(db):
    def make(person) -> str:
        aad = str(uuid.uuid4())
        teams_service.link_user(db, aad_object_id=aad, user=db.get(User, person.id))
        db.commit()
        return aad

    return make


@pytest.fixture
def teams(client, standin, clinician, link) -> Teams:
    """The clinician, linked, in a new one-to-one Teams chat with the bot."""
    return Teams(client, standin, link(clinician), f"a:{uuid.uuid4().hex}")
