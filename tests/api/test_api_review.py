"""Coordinator queue, sign-off / overrule, the append-only audit trail, the screening log."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from test_api_screenings import say, start

from api.review.models import AuditEvent, AuditTrailError


def finished_screening(client, who, first="He has had first-line chemotherapy already."):
    sid = start(client, who, trials=["primary-rt", "oligomet-rt"], patient_ref="MRN-42")[
        "screening_id"
    ]
    body = say(client, who, sid, first)
    for _ in range(40):
        if body["status"] == "complete":
            break
        body = say(client, who, sid, "I don't know")
    return sid


def test_queue_filters_and_pagination(client, clinician, other_clinician, coordinator):
    a = finished_screening(client, clinician)
    b = finished_screening(client, other_clinician)
    q = client.get(f"/api/review/queue?clinician={clinician.email}", headers=coordinator.h)
    assert q.status_code == 200
    items = q.json()["items"]
    assert {i["screening_id"] for i in items} == {a}
    assert {i["trial"] for i in items} == {"primary-rt", "oligomet-rt"}
    assert items[0]["patient_ref"] == "MRN-42"
    by_id = client.get(f"/api/review/queue?clinician={other_clinician.id}", headers=coordinator.h)
    assert {i["screening_id"] for i in by_id.json()["items"]} == {b}
    q = client.get(
        f"/api/review/queue?clinician={clinician.email}&trial=oligomet-rt&verdict=ineligible"
        "&review_state=pending&status=complete",
        headers=coordinator.h,
    ).json()
    assert q["total"] == 1 and q["items"][0]["trial"] == "oligomet-rt"
    today = date.today()
    q = client.get(
        f"/api/review/queue?date_from={today - timedelta(days=1)}&date_to={today}"
        f"&clinician={clinician.email}",
        headers=coordinator.h,
    ).json()
    assert q["total"] == 2
    q = client.get(
        f"/api/review/queue?date_to={today - timedelta(days=2)}&clinician={clinician.email}",
        headers=coordinator.h,
    ).json()
    assert q["total"] == 0
    page = client.get("/api/review/queue?limit=1&offset=1", headers=coordinator.h).json()
    assert page["limit"] == 1 and page["offset"] == 1 and len(page["items"]) == 1
    assert page["total"] >= 4
    assert client.get("/api/review/queue?verdict=maybe", headers=coordinator.h).status_code == 422
    assert client.get("/api/review/queue?limit=0", headers=coordinator.h).status_code == 422
    assert (
        client.get("/api/review/queue?date_from=yesterday", headers=coordinator.h).status_code
        == 422
    )


def test_queue_and_review_need_staff(client, clinician):
    sid = finished_screening(client, clinician)
    assert client.get("/api/review/queue", headers=clinician.h).status_code == 403
    r = client.post(
        f"/api/screenings/{sid}/verdicts/primary-rt/review",
        json={"action": "sign_off", "reason": "ok"},
        headers=clinician.h,
    )
    assert r.status_code == 403
    assert client.get("/api/audit", headers=clinician.h).status_code == 403
    assert client.get("/api/exports/screening-log.csv", headers=clinician.h).status_code == 403


def test_sign_off_and_overrule_with_audit(client, clinician, coordinator, admin):
    sid = finished_screening(client, clinician)
    url = f"/api/screenings/{sid}/verdicts/primary-rt/review"
    r = client.post(url, json={"action": "sign_off"}, headers=coordinator.h)
    assert r.status_code == 422  # reason required
    r = client.post(url, json={"action": "sign_off", "reason": " "}, headers=coordinator.h)
    assert r.status_code == 422
    r = client.post(
        url, json={"action": "sign_off", "reason": "Checked the notes."}, headers=coordinator.h
    )
    assert r.status_code == 200
    v = r.json()
    assert v["review"]["state"] == "signed_off" and v["review"]["reason"] == "Checked the notes."
    assert v["review"]["reviewed_by"]["email"] == coordinator.email
    r = client.post(
        url,
        json={"action": "overrule", "reason": "x", "status": v["status"]},
        headers=coordinator.h,
    )
    assert r.status_code == 422  # overrule must change it
    r = client.post(url, json={"action": "overrule", "reason": "x"}, headers=coordinator.h)
    assert r.status_code == 422
    r = client.post(
        url,
        json={
            "action": "overrule",
            "reason": "Chemo was a trial drug, sponsor waiver.",
            "status": "eligible",
        },
        headers=admin.h,
    )
    assert r.status_code == 200
    v = r.json()
    assert v["effective_status"] == "eligible" and v["status"] == "ineligible"
    assert v["review"]["state"] == "overruled"
    r = client.post(
        f"/api/screenings/{sid}/verdicts/nope/review",
        json={"action": "sign_off", "reason": "x"},
        headers=coordinator.h,
    )
    assert r.status_code == 404
    r = client.post(
        "/api/screenings/nope/verdicts/primary-rt/review",
        json={"action": "sign_off", "reason": "x"},
        headers=coordinator.h,
    )
    assert r.status_code == 404
    s = client.get(f"/api/screenings/{sid}", headers=coordinator.h).json()
    assert s["review_state"] == "partial"
    audit = client.get(f"/api/audit?screening_id={sid}", headers=coordinator.h).json()["items"]
    actions = [e["action"] for e in audit]
    assert actions[0] == "screening_created"
    reviews = [e for e in audit if e["action"] in ("sign_off", "overrule")]
    assert [e["action"] for e in reviews] == ["sign_off", "overrule"]
    assert reviews[1]["before"]["review_state"] == "signed_off"
    assert reviews[1]["after"] == {
        "status": "ineligible",
        "review_state": "overruled",
        "final_status": "eligible",
    }
    assert reviews[1]["actor"]["email"] == admin.email and reviews[1]["reason"]
    reads = [e for e in audit if e["action"] == "transcript_read"]
    assert reads and reads[-1]["actor"]["email"] == coordinator.email


def test_transcript_read_is_audited(client, clinician, coordinator):
    sid = start(client, clinician, trials=["primary-rt"])["screening_id"]
    client.get(f"/api/screenings/{sid}", headers=clinician.h)
    client.get(f"/api/screenings/{sid}", headers=coordinator.h)
    audit = client.get(
        f"/api/audit?screening_id={sid}&action=transcript_read", headers=coordinator.h
    ).json()
    assert [e["actor"]["email"] for e in audit["items"]] == [clinician.email, coordinator.email]


def test_audit_trail_is_append_only(db, clinician, client):
    start(client, clinician, trials=["primary-rt"])
    event = db.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    event.reason = "tampered"
    with pytest.raises(AuditTrailError):
        db.flush()
    db.rollback()
    db.delete(db.get(AuditEvent, event.id))
    with pytest.raises(AuditTrailError):
        db.flush()
    db.rollback()
    # and the database refuses it too (trigger from the migration)
    for sql in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(text(sql))
        db.rollback()


def test_screening_log_csv(client, clinician, coordinator):
    sid = finished_screening(client, clinician)
    client.post(
        f"/api/screenings/{sid}/verdicts/oligomet-rt/review",
        json={"action": "sign_off", "reason": "ok"},
        headers=coordinator.h,
    )
    r = client.get(
        f"/api/exports/screening-log.csv?clinician={clinician.email}", headers=coordinator.h
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2
    by_trial = {row["trial"]: row for row in rows}
    olig = by_trial["oligomet-rt"]
    assert olig["eligible"] == "N" and olig["review_state"] == "signed_off"
    assert olig["reason_for_screen_fail"] and olig["clinician"] == clinician.email
    assert olig["date_screened"] == date.today().isoformat()
    assert set(rows[0]) >= {
        "date_screened",
        "trial",
        "eligible",
        "reason_for_screen_fail",
        "clinician",
        "review_state",
    }
    r = client.get("/api/exports/screening-log.csv?verdict=bad", headers=coordinator.h)
    assert r.status_code == 422
