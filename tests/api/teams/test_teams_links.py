"""Linking Teams users to screener accounts: admins only, by the API or the command line."""

from __future__ import annotations

import uuid

import pytest
from standin import Teams, texts

from api import cli
from api.teams import service as teams_service


def test_an_admin_links_lists_and_unlinks_a_teams_user(
    client, standin, admin, clinician, coordinator
):
    aad = str(uuid.uuid4())
    url = f"/api/teams/links/{aad}"
    r = client.put(url, json={"email": clinician.email}, headers=admin.h)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["email"] == clinician.email and r.json()["aad_object_id"] == aad
    listed = client.get("/api/teams/links", headers=admin.h).json()
    assert any(x["aad_object_id"] == aad for x in listed)
    # the linked user can now screen in Teams
    who = Teams(client, standin, aad, f"a:{uuid.uuid4().hex}")
    assert teams_service.STARTED in texts(who.say("hello"))
    # re-linking moves the link; unlinking refuses the next message
    r = client.put(url, json={"email": coordinator.email}, headers=admin.h)
    assert r.json()["user"]["email"] == coordinator.email
    assert client.delete(url, headers=admin.h).status_code == 200
    assert client.delete(url, headers=admin.h).status_code == 404
    assert texts(who.say("He is 58.")) == [teams_service.NOT_LINKED]
    # the audit trail keeps who linked and unlinked whom
    mine = [
        e
        for action in ("teams_link", "teams_unlink")
        for e in client.get(
            "/api/audit", params={"action": action, "limit": 500}, headers=admin.h
        ).json()["items"]
        if (e["after"] or e["before"])["aad_object_id"] == aad
    ]
    assert [(e["action"], (e["after"] or e["before"])["user"]) for e in mine] == [
        ("teams_link", clinician.email),
        ("teams_link", coordinator.email),
        ("teams_unlink", coordinator.email),
    ]
    assert all(e["actor"]["email"] == admin.email for e in mine)


@pytest.mark.parametrize("role", ["clinician", "coordinator"])
def test_only_admins_manage_links(client, make_user, clinician, role):
    caller = make_user(role)
    url = f"/api/teams/links/{uuid.uuid4()}"
    assert client.put(url, json={"email": clinician.email}, headers=caller.h).status_code == 403
    assert client.get("/api/teams/links", headers=caller.h).status_code == 403


def test_bad_links_are_refused_with_a_reason(client, admin):
    assert (
        client.put(
            "/api/teams/links/not-a-guid", json={"email": "x@y.z"}, headers=admin.h
        ).status_code
        == 422
    )
    r = client.put(
        f"/api/teams/links/{uuid.uuid4()}", json={"email": "nobody@example.org"}, headers=admin.h
    )
    assert r.status_code == 422 and "no user" in r.json()["detail"]


def test_the_command_line_links_and_unlinks(
    client, standin, clinician, settings, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    cli.get_settings.cache_clear()
    try:
        aad = str(uuid.uuid4())
        assert cli.main(["teams-link", clinician.email, aad]) == 0
        assert cli.main(["teams-links"]) == 0
        assert f"{aad}  {clinician.email}" in capsys.readouterr().out
        who = Teams(client, standin, aad, f"a:{uuid.uuid4().hex}")
        assert teams_service.STARTED in texts(who.say("hello"))
        assert cli.main(["teams-link", "nobody@example.org", aad]) == 1
        assert cli.main(["teams-link", clinician.email, "not-a-guid"]) == 1
        assert "GUID" in capsys.readouterr().err
        assert cli.main(["teams-unlink", aad]) == 0
        assert cli.main(["teams-unlink", aad]) == 1
    finally:
        cli.get_settings.cache_clear()
