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
