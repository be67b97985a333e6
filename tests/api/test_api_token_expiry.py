"""API tokens expire; browser sessions expire and can be ended everywhere at once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.core.db import utcnow
from api.review.models import AuditEvent
from api.users.models import ApiToken, WebSession


def test_a_token_stops_working_after_token_days(client, clinician, db, settings):
    assert client.get("/api/auth/me", headers=clinician.h).status_code == 200
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == clinician.id))
    row.created_at = utcnow() - timedelta(days=settings.token_days, minutes=1)
    db.commit()
    assert client.get("/api/auth/me", headers=clinician.h).status_code == 401
    row.created_at = utcnow() - timedelta(days=settings.token_days, minutes=-1)
    db.commit()
    assert client.get("/api/auth/me", headers=clinician.h).status_code == 200


def test_a_session_stops_working_when_it_expires(app, make_user, db):
    person = make_user("clinician", password="correct horse")
    with TestClient(app) as browser:
        body = {"email": person.email, "password": "correct horse"}
        assert browser.post("/api/auth/login", json=body).status_code == 200
        assert browser.get("/api/auth/me").status_code == 200
        row = db.scalar(select(WebSession).where(WebSession.user_id == person.id))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
        assert browser.get("/api/auth/me").status_code == 401


def test_sessions_ended_everywhere(app, make_user, admin, db):
    person = make_user("clinician", password="correct horse")
    other = make_user("clinician")
    browsers = [TestClient(app), TestClient(app)]
    for browser in browsers:
        body = {"email": person.email, "password": "correct horse"}
        assert browser.post("/api/auth/login", json=body).status_code == 200
    with TestClient(app) as api:
        r = api.delete(f"/api/users/{person.id}/sessions", headers=other.h)
        assert r.status_code == 403
        assert all(b.get("/api/auth/me").status_code == 200 for b in browsers)
        r = api.delete(f"/api/users/{person.id}/sessions", headers=admin.h)
        assert r.status_code == 200 and r.json() == {"ended": 2}
        r = api.delete("/api/users/nobody/sessions", headers=admin.h)
        assert r.status_code == 404
    assert all(b.get("/api/auth/me").status_code == 401 for b in browsers)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "sessions_ended")).all()[-1]
    assert event.actor_id == admin.id and event.after == {"user": person.id, "ended": 2}
    # and anyone may end their own
    r = browsers[0].post(
        "/api/auth/login", json={"email": person.email, "password": "correct horse"}
    )
    assert r.status_code == 200
    # a change made with the session cookie carries its CSRF token (given at login)
    token = {"X-CSRF-Token": r.headers["X-CSRF-Token"]}
    mine = browsers[0].delete(f"/api/users/{person.id}/sessions", headers=token)
    assert mine.json() == {"ended": 1}
