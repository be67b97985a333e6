"""The database away: every request is refused with 503 and `retry: true` (never a 500), nothing
half-stored, and the clinician's resend goes through once the database is back."""

from __future__ import annotations

import uuid

from fakebot import FakeRasa
from fastapi.testclient import TestClient

from api.cli import migrate
from api.core.config import Settings
from api.core.errors import DATABASE_DOWN
from api.main import create_app
from api.users import service as users


def test_sqlite_file_gone_then_back(tmp_path):
    path = tmp_path / "screener.db"
    migrate(f"sqlite:///{path}")
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="test", rasa_timeout=1.0)
    bot = FakeRasa()
    app = create_app(settings, bot=bot)
    with app.state.sessionmaker() as db:
        user = users.create_user(db, email=f"{uuid.uuid4().hex[:8]}@example.org", role="clinician")
        _, token = users.create_token(db, user=user, name="t", settings=settings)
        db.commit()
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        sid = client.post("/api/screenings", json={"trials": ["primary-rt"]}).json()["screening_id"]
        first = {"text": "Lung adenocarcinoma, confirmed by histology.", "client_message_id": "a"}
        assert client.post(f"/api/screenings/{sid}/messages", json=first).status_code == 200
        # the database goes away (its file moved; new connections find an empty database)
        app.state.engine.dispose()  # the last connection closed: the WAL is in the file
        path.rename(tmp_path / "away.db")
        calls = len(bot.calls)
        second = {"text": "I don't know", "client_message_id": "b"}
        r = client.post(f"/api/screenings/{sid}/messages", json=second)
        assert r.status_code == 503, r.text
        assert r.json() == {"detail": DATABASE_DOWN, "retry": True} and r.headers["retry-after"]
        assert len(bot.calls) == calls  # nothing forwarded that could not be stored
        assert client.get(f"/api/screenings/{sid}").status_code == 503
        # back
        app.state.engine.dispose()
        for empty in tmp_path.glob("screener.db*"):
            empty.unlink()
        (tmp_path / "away.db").rename(path)
        r = client.post(f"/api/screenings/{sid}/messages", json=second)
        assert r.status_code == 200, r.text
        stored = client.get(f"/api/screenings/{sid}").json()
    said = [m["text"] for m in stored["transcript"] if m["sender"] == "clinician"]
    assert said == ["/start_screening", first["text"], second["text"]]
    mine = [m for m in stored["transcript"] if m["sender"] == "clinician"]
    assert all(m["status"] == "answered" for m in mine)


def test_postgresql_not_answering():
    url = "postgresql+psycopg://nobody@127.0.0.1:9/screener?connect_timeout=2"  # discard port
    app = create_app(Settings(database_url=url, secret_key="test"), bot=FakeRasa())
    with TestClient(app) as client:
        r = client.get("/api/screenings", headers={"Authorization": "Bearer sct_whatever"})
    assert r.status_code == 503 and r.json() == {"detail": DATABASE_DOWN, "retry": True}
