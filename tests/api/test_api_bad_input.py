"""Bad input gets a 4xx with a reason, never a 500."""

from __future__ import annotations

import json

import pytest
from test_api_screenings import start


@pytest.fixture
def sid(client, clinician):
    return start(client, clinician, trials=["primary-rt"])["screening_id"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": 5},
        {"text": None},
        {"text": ["a"]},
        {"text": ""},
        {"text": "x" * 5001},
        {"text": "ok", "client_message_id": 7},
        {"text": "ok", "client_message_id": ""},
        {"text": "ok", "extra": 1},
        {},
        [],
        "text",
    ],
)
def test_message_wrong_types(client, clinician, sid, body):
    r = client.post(f"/api/screenings/{sid}/messages", json=body, headers=clinician.h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_blank_text(client, clinician, sid):
    r = client.post(f"/api/screenings/{sid}/messages", json={"text": "   "}, headers=clinician.h)
    assert r.status_code == 422 and "blank" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"trials": "primary-rt"},
        {"trials": [1]},
        {"patient_ref": 12},
        {"patient_ref": "x" * 101},
        {"trial": ["primary-rt"]},
    ],
)
def test_create_wrong_types(client, clinician, body):
    r = client.post("/api/screenings", json=body, headers=clinician.h)
    assert r.status_code == 422 and r.json()["detail"]


def test_invalid_json(client, clinician, sid):
    r = client.post(
        f"/api/screenings/{sid}/messages",
        content=b'{"text": ',
        headers={**clinician.h, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["detail"]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_type(client, clinician, sid, ctype):
    r = client.post(
        f"/api/screenings/{sid}/messages",
        content=json.dumps({"text": "hi"}),
        headers={**clinician.h, "Content-Type": ctype},
    )
    assert r.status_code == 415 and "JSON" in r.json()["detail"]


def test_oversized_body(client, clinician, sid):
    big = json.dumps({"text": "x" * 70_000})
    r = client.post(
        f"/api/screenings/{sid}/messages",
        content=big,
        headers={**clinician.h, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "larger" in r.json()["detail"]

    def chunks():  # no Content-Length: counted while reading
        for _ in range(100):
            yield b"x" * 1024

    r = client.post(
        f"/api/screenings/{sid}/messages",
        content=chunks(),
        headers={**clinician.h, "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_unknown_ids(client, clinician, coordinator):
    for path in ("/api/screenings/0000", "/api/screenings/" + "a" * 500):
        r = client.get(path, headers=coordinator.h)
        assert r.status_code == 404 and r.json()["detail"]
    r = client.post("/api/screenings/nope/messages", json={"text": "hi"}, headers=clinician.h)
    assert r.status_code == 404
    assert client.post("/api/screenings/nope/retry", headers=clinician.h).status_code == 404
    r = client.post("/api/users/nope/tokens", json={"name": "x"}, headers=clinician.h)
    assert r.status_code == 403
    assert client.get("/api/nope", headers=clinician.h).status_code == 404


def test_bad_query_params(client, clinician, coordinator):
    assert client.get("/api/screenings?limit=-1", headers=clinician.h).status_code == 422
    assert client.get("/api/screenings?status=weird", headers=clinician.h).status_code == 422
    assert client.get("/api/audit?limit=abc", headers=coordinator.h).status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/review/queue?offset=9223372036854775808",  # past a 64-bit integer: was a 500
        "/api/screenings?offset=1000000001",
        "/api/audit?offset=99999999999999999999",
        "/api/review/queue?date_to=0",  # a Unix time, not a date
        "/api/exports/screening-log.csv?date_from=1700000000",
        "/api/review/queue?date_from=22/11/2026",
    ],
)
def test_out_of_range_paging_and_dates(client, coordinator, path):
    r = client.get(path, headers=coordinator.h)
    assert r.status_code == 422 and r.json()["detail"], r.text


def test_calendar_dates_still_filter(client, coordinator):
    r = client.get("/api/review/queue?date_from=2026-01-01", headers=coordinator.h)
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/screenings/{sid}/messages", {"text": "age 58\u0000"}),
        ("post", "/api/screenings/{sid}/messages", {"text": "ok", "client_message_id": "a\x00"}),
        ("post", "/api/screenings", {"trials": ["primary-rt\x00"]}),
        ("post", "/api/screenings", {"patient_ref": "MRN\x00"}),
        ("post", "/api/auth/login", {"email": "a\x00@example.org", "password": "x"}),
        ("get", "/api/review/queue?trial=%00", None),  # was a 500 on PostgreSQL
        ("get", "/api/audit?screening_id=%00", None),
        ("get", "/api/screenings/%00", None),
    ],
)
def test_nul_characters_are_refused_everywhere(client, coordinator, sid, method, path, body):
    """PostgreSQL cannot store or compare a NUL: refused with a reason before any query."""
    kwargs = {"json": body} if body is not None else {}
    r = getattr(client, method)(path.format(sid=sid), headers=coordinator.h, **kwargs)
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["detail"]


def test_an_escaped_backslash_is_not_a_nul(client, clinician, sid):
    r = client.post(
        f"/api/screenings/{sid}/messages",
        content=b'{"text": "path C:\\\\u0000 is not a NUL"}',
        headers={**clinician.h, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    stored = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()["transcript"]
    assert "path C:\\u0000 is not a NUL" in [m["text"] for m in stored]  # kept as written


def test_wrong_method(client, clinician):
    assert client.put("/api/trials", json={}, headers=clinician.h).status_code == 405


def test_no_auth_everywhere(client):
    for method, path in [
        ("get", "/api/trials"),
        ("post", "/api/screenings"),
        ("get", "/api/screenings"),
        ("get", "/api/screenings/x"),
        ("post", "/api/screenings/x/messages"),
        ("get", "/api/review/queue"),
        ("get", "/api/audit"),
        ("get", "/api/exports/screening-log.csv"),
        ("get", "/api/users"),
    ]:
        kwargs = {"json": {"text": "a"}} if method == "post" else {}
        assert getattr(client, method)(path, **kwargs).status_code == 401, path
