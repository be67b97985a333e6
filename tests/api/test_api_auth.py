"""Users, roles, tokens, browser sessions and the set-up command."""

from __future__ import annotations

import pytest

from api import cli
from api.users import service as users


def test_login_cookie_session(client, make_user):
    person = make_user("clinician", password="correct horse")
    r = client.post("/api/auth/login", json={"email": person.email, "password": "wrong pass"})
    assert r.status_code == 401
    r = client.post("/api/auth/login", json={"email": "nobody@x.org", "password": "whatever1"})
    assert r.status_code == 401
    r = client.post(
        "/api/auth/login", json={"email": person.email.upper(), "password": "correct horse"}
    )
    assert r.status_code == 200 and r.json()["email"] == person.email
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    csrf = r.headers["x-csrf-token"]
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["role"] == "clinician"
    assert me.headers["x-csrf-token"] == csrf
    # with the cookie alone (what another site's form could make the browser send): refused
    r = client.post("/api/screenings", json={"trials": ["primary-rt"]})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = client.post(
        "/api/screenings", json={"trials": ["primary-rt"]}, headers={"X-CSRF-Token": "x"}
    )
    assert r.status_code == 403
    r = client.post(
        "/api/screenings", json={"trials": ["primary-rt"]}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 201
    assert client.post("/api/auth/logout").status_code == 403  # the cookie alone
    assert client.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    assert client.get("/api/auth/me").status_code == 401


def test_bearer_tokens(client, clinician, admin):
    assert client.get("/api/auth/me", headers=clinician.h).json()["email"] == clinician.email
    for bad in ("Bearer nope", "Basic abc", "Bearer "):
        r = client.get("/api/auth/me", headers={"Authorization": bad})
        assert r.status_code == 401 and r.json()["detail"]
    r = client.post(
        f"/api/users/{clinician.id}/tokens", json={"name": "laptop"}, headers=clinician.h
    )
    assert r.status_code == 201
    token = r.json()
    h = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/auth/me", headers=h).status_code == 200
    r = client.post(f"/api/users/{admin.id}/tokens", json={"name": "x"}, headers=clinician.h)
    assert r.status_code == 403
    assert client.delete(f"/api/tokens/{token['id']}", headers=clinician.h).status_code == 200
    assert client.get("/api/auth/me", headers=h).status_code == 401
    assert client.delete("/api/tokens/nope", headers=clinician.h).status_code == 404


def test_admin_manages_users(client, admin, clinician, coordinator):
    body = {"email": "new.doc@example.org", "role": "clinician", "password": "longenough"}
    for who in (clinician, coordinator):
        assert client.post("/api/users", json=body, headers=who.h).status_code == 403
        assert client.get("/api/users", headers=who.h).status_code == 403
    r = client.post(
        "/api/users", json={**body, "email": f"a{admin.id[:6]}@example.org"}, headers=admin.h
    )
    assert r.status_code == 201 and "password" not in r.json()
    r2 = client.post(
        "/api/users", json={**body, "email": f"a{admin.id[:6]}@example.org"}, headers=admin.h
    )
    assert r2.status_code == 409
    assert (
        client.post("/api/users", json={**body, "role": "god"}, headers=admin.h).status_code == 422
    )
    assert (
        client.post("/api/users", json={**body, "password": "short"}, headers=admin.h).status_code
        == 422
    )
    emails = {u["email"] for u in client.get("/api/users", headers=admin.h).json()}
    assert clinician.email in emails
    r = client.post(f"/api/users/{r.json()['id']}/tokens", json={"name": "ehr"}, headers=admin.h)
    assert r.status_code == 201 and r.json()["token"].startswith("sct_")


def test_passwords_are_argon2(db, make_user):
    person = make_user("clinician", password="s3cret-pass")
    user = users.get_user_by_email(db, email=person.email)
    assert user.password_hash.startswith("$argon2")
    assert users.authenticate(db, email=person.email, password="s3cret-pass") is not None


def test_cli_migrate_admin_user_token(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'var' / 'screener.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["migrate"]) == 0
        assert cli.main(["migrate"]) == 0  # idempotent
        assert cli.main(["create-admin"]) == 0
        out = capsys.readouterr().out
        assert "password:" in out
        assert cli.main(["create-admin"]) == 0
        assert "exists already" in capsys.readouterr().out
        assert (
            cli.main(["create-user", "doc@example.org", "clinician", "--password", "abcdefgh1"])
            == 0
        )
        assert cli.main(["create-user", "doc@example.org", "clinician"]) == 1
        capsys.readouterr()
        assert cli.main(["create-token", "doc@example.org", "ehr"]) == 0
        assert capsys.readouterr().out.strip().startswith("sct_")
        assert cli.main(["create-token", "nobody@example.org", "ehr"]) == 1
    finally:
        cli.get_settings.cache_clear()


def test_cli_admin_from_env(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 's.db'}")
    monkeypatch.setenv("SCREENER_ADMIN_EMAIL", "Boss@Example.org")
    monkeypatch.setenv("SCREENER_ADMIN_PASSWORD", "from-the-env")
    cli.get_settings.cache_clear()
    try:
        cli.main(["migrate"])
        assert cli.main(["create-admin"]) == 0
        out = capsys.readouterr().out
        assert "boss@example.org" in out and "from-the-env" not in out
        from api.core.db import make_engine, make_sessionmaker

        with make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 's.db'}"))() as db:
            assert users.authenticate(db, email="boss@example.org", password="from-the-env")
    finally:
        cli.get_settings.cache_clear()


@pytest.mark.parametrize("role", ["clinician", "coordinator", "admin"])
def test_every_role_can_screen(client, make_user, role):
    person = make_user(role)
    r = client.post("/api/screenings", json={"trials": ["primary-rt"]}, headers=person.h)
    assert r.status_code == 201
