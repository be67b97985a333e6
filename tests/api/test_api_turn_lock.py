"""One screening's messages are forwarded one at a time, also across API replicas.

Replicas are separate processes: here each request thread gets its own in-process lock (as a
second process would), so on PostgreSQL only the advisory lock keeps the turns apart.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.screenings import service


class Overlap:
    """A slow fake bot that notices two turns of one conversation at the same time."""

    def __init__(self, inner):
        self.inner, self.busy, self.overlaps, self.guard = inner, set(), 0, threading.Lock()

    def send(self, *, sender, message, metadata):
        with self.guard:
            if sender in self.busy:
                self.overlaps += 1
            self.busy.add(sender)
        try:
            time.sleep(0.2)
            return self.inner.send(sender=sender, message=message, metadata=metadata)
        finally:
            with self.guard:
                self.busy.discard(sender)


class NoSharedLocks(dict):
    """Every caller gets a fresh in-process lock, like API replicas in separate processes."""

    def setdefault(self, key, default=None):
        return threading.Lock()


def test_concurrent_messages_are_forwarded_one_at_a_time(
    app, client, clinician, bot, db_url, monkeypatch
):
    if not db_url.startswith("postgresql"):
        pytest.skip("the cross-replica (advisory) lock is PostgreSQL's; SQLite is one process")
    monkeypatch.setattr(service, "_locks", NoSharedLocks())
    slow = Overlap(bot)
    app.state.bot = slow
    r = client.post("/api/screenings", json={"trials": ["primary-rt"]}, headers=clinician.h)
    sid = r.json()["screening_id"]
    texts = ["NSCLC", "stage IV", "58", "male"]

    def post(text):
        return client.post(
            f"/api/screenings/{sid}/messages", json={"text": text}, headers=clinician.h
        ).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(post, texts)) == [200] * 4
    assert slow.overlaps == 0
    stored = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    said = [m["text"] for m in stored["transcript"] if m["sender"] == "clinician"]
    assert sorted(said[1:]) == sorted(texts)
