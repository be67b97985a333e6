"""No more requests inside the API at once than the database pool has connections
(api/core/admission.py): the rest wait at the door, holding nothing, and are all answered."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.core.admission import AdmissionLimit
from api.core.config import Settings
from api.core.db import make_engine, pooled, requests_at_once
from api.main import create_app


class Inside:
    """Counts the calls in progress at once; each takes `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.now, self.most, self.guard = seconds, 0, 0, threading.Lock()

    def __enter__(self) -> None:
        with self.guard:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_exc: object) -> None:
        with self.guard:
            self.now -= 1


def test_the_door_lets_in_at_most_the_limit_and_everybody_gets_in():
    inside = Inside(0.01)
    answered = []

    async def app(scope, receive, send):
        with inside:
            await asyncio.sleep(inside.seconds)
        answered.append(scope["path"])

    door = AdmissionLimit(app, limit=2)

    async def main():
        await asyncio.gather(
            *(door({"type": "http", "path": f"/{n}"}, None, None) for n in range(9))
        )

    asyncio.run(main())
    assert inside.most == 2
    assert sorted(answered) == sorted(f"/{n}" for n in range(9))


def test_the_door_does_not_hold_back_lifespan_events():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    door = AdmissionLimit(app, limit=1)

    async def main():
        async with door.slots:  # the only slot is taken
            await asyncio.wait_for(door({"type": "lifespan"}, None, None), timeout=5)

    asyncio.run(main())
    assert seen == ["lifespan"]


def test_the_liveness_check_answers_while_every_slot_is_taken(app, client):
    door = next(m for m in app.user_middleware if m.cls is AdmissionLimit)
    assert door.kwargs["exempt"] == ("/healthz",)
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["path"])

    waiting = AdmissionLimit(inner, limit=1, exempt=("/healthz",))

    async def main():
        async with waiting.slots:  # the only slot is taken
            await asyncio.wait_for(waiting({"type": "http", "path": "/healthz"}, None, None), 5)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(waiting({"type": "http", "path": "/api/x"}, None, None), 0.2)

    asyncio.run(main())
    assert seen == ["/healthz"]
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        AdmissionLimit(None, limit=0)
    with pytest.raises(ValidationError, match="db_connections"):
        Settings(db_connections=0)


def test_the_pool_opens_at_most_the_connections_asked_for(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}", connections=3)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 0)
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert (engine.pool.size(), engine.pool._max_overflow) == (5, 10)
    assert not pooled("sqlite://") and not pooled("sqlite:///:memory:")
    make_engine("sqlite://").dispose()  # an in-memory database takes no pool sizes
    assert requests_at_once(engine, 15) == 15
    assert requests_at_once(make_engine("postgresql://u@127.0.0.1/x"), 15) == 7
    assert requests_at_once(make_engine("postgresql://u@127.0.0.1/x"), 2) == 1
    with pytest.raises(ValueError, match=r"SCREENER_DB_CONNECTIONS is 1\b.*at least 2"):
        requests_at_once(make_engine("postgresql://u@127.0.0.1/x"), 1)


class SlowBot:
    """The fake bot, taking 0.2 s per turn, counting the turns it is asked at once."""

    def __init__(self, inner) -> None:
        self.inner, self.inside = inner, Inside(0.2)

    def send(self, *, sender, message, metadata):
        with self.inside:
            time.sleep(self.inside.seconds)
            return self.inner.send(sender=sender, message=message, metadata=metadata)


def test_more_clinicians_than_connections_are_all_answered(db_url, bot, make_user):
    # On PostgreSQL a turn holds two connections (its session and its advisory lock): with 2
    # connections one turn at a time. A door as wide as the pool let two turns each hold their
    # session's connection and wait for one for their lock until the pool timed out (HTTP 500).
    settings = Settings(database_url=db_url, rasa_timeout=5.0, secret_key="test-secret",
                        db_connections=2)  # fmt: skip
    at_once = 1 if db_url.startswith("postgresql") else 2
    app = create_app(settings, bot=SlowBot(bot))
    clinicians = [make_user("clinician") for _ in range(8)]
    with TestClient(app) as client:

        def screen(person) -> list[object]:
            r = client.post("/api/screenings", json={"trials": ["primary-rt"]}, headers=person.h)
            sid = r.json()["screening_id"]
            m = client.post(f"/api/screenings/{sid}/messages", json={"text": "NSCLC"},
                            headers=person.h)  # fmt: skip
            return [r.status_code, m.status_code, m.json().get("delivered")]

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(screen, clinicians))
    assert results == [[201, 200, True]] * 8
    assert app.state.bot.inside.most <= at_once
