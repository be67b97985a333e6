"""Single-tenant and multi-tenant registrations: where reply tokens come from, which tenants
are served, and what a half-configured bot says."""

from __future__ import annotations

import uuid

import pytest
from standin import TENANT, Teams, texts

from api.core.config import Settings
from api.teams import service as teams_service
from api.teams.routes import TeamsNotConfigured, build_runtime


def test_the_token_endpoint_follows_the_app_type():
    single = Settings(teams_app_type="single_tenant", teams_tenant_id=TENANT)
    assert single.teams_token_url() == (
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    )
    multi = Settings(teams_app_type="multi_tenant")
    assert multi.teams_token_url() == (
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    )
    explicit = Settings(teams_token_endpoint="https://login.example/token")
    assert explicit.teams_token_url() == "https://login.example/token"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"teams_app_id": str(uuid.uuid4())}, "PASSWORD"),
        ({"teams_app_id": str(uuid.uuid4()), "teams_app_password": "x"}, "TENANT_ID"),
    ],
    ids=["no-password", "single-tenant-without-tenant"],
)
def test_a_half_configured_bot_does_not_start(fields, reason):
    with pytest.raises(TeamsNotConfigured, match=reason):
        build_runtime(Settings(**fields))
    assert build_runtime(Settings()) is None  # not configured at all: Teams is off


@pytest.fixture
def settings(settings):
    """This module's app is a multi-tenant registration serving two listed tenants."""
    other = "11111111-2222-3333-4444-555555555555"
    return settings.model_copy(
        update={"teams_app_type": "multi_tenant", "teams_tenants": [TENANT, other]}
    )


def test_a_multi_tenant_bot_serves_the_listed_tenants_only(client, standin, clinician, link):
    aad = link(clinician)
    listed = Teams(
        client, standin, aad, f"a:{uuid.uuid4().hex}", tenant="11111111-2222-3333-4444-555555555555"
    )
    assert teams_service.STARTED in texts(listed.say("hello"))
    unlisted = Teams(client, standin, aad, f"a:{uuid.uuid4().hex}", tenant=str(uuid.uuid4()))
    assert unlisted.post(unlisted.activity("hello")).status_code == 403
