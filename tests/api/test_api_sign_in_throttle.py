"""Sign-in attempts are throttled per account and per address: 429 with the time to wait,
every failure and every refusal in the audit trail.  The window moves on a test clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from api.review.models import AuditEvent
from api.users.throttle import SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def login(client, email: str, password: str):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_an_account_is_throttled_after_five_failures(app, client, make_user, db):
    clock = Clock()
    app.state.sign_in_throttle = SignInThrottle(clock=clock)
    person = make_user("clinician", password="correct horse")
    for _ in range(5):
        assert login(client, person.email, "wrong pass").status_code == 401
    r = login(client, person.email, "correct horse")  # even the right password waits
    assert r.status_code == 429
    assert r.headers["retry-after"] == "901" and "901 s" in r.json()["detail"]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("sign_in%"))).all()
    actions = [(e.action, e.after["email"]) for e in events if e.after["email"] == person.email]
    assert actions == [("sign_in_failed", person.email)] * 5 + [("sign_in_throttled", person.email)]
    clock.now += timedelta(minutes=14)
    assert login(client, person.email, "correct horse").status_code == 429
    clock.now += timedelta(minutes=1, seconds=1)
    assert login(client, person.email, "correct horse").status_code == 200


def test_a_success_clears_the_account_but_not_the_address(app, client, make_user):
    app.state.sign_in_throttle = SignInThrottle(clock=Clock(), per_address=9)
    person = make_user("clinician", password="correct horse")
    for _ in range(4):
        assert login(client, person.email, "wrong pass").status_code == 401
    assert login(client, person.email, "correct horse").status_code == 200
    for _ in range(4):
        assert login(client, person.email, "wrong pass").status_code == 401
    assert login(client, person.email, "correct horse").status_code == 200
    assert login(client, person.email, "wrong pass").status_code == 401
    # nine failures from this address in the window: every account waits now
    other = make_user("coordinator", password="another horse")
    r = login(client, other.email, "another horse")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_an_address_guessing_many_accounts_is_throttled(app, client, make_user):
    app.state.sign_in_throttle = SignInThrottle(clock=Clock())
    for i in range(20):
        assert login(client, f"nobody{i}@example.org", "whatever1").status_code == 401
    person = make_user("clinician", password="correct horse")
    assert login(client, person.email, "correct horse").status_code == 429
