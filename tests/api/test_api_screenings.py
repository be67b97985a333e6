"""Screenings through the API with a fake Rasa at the seam: turns, transcript, verdicts,
idempotent resend, and every way the assistant can fail."""

from __future__ import annotations

import pytest
from player import load_cases, play

from api.screenings.service import UNAVAILABLE


def start(client, who, **body):
    r = client.post("/api/screenings", json=body, headers=who.h)
    assert r.status_code == 201, r.text
    return r.json()


def say(client, who, sid, text, cmid=None, expect=200):
    body = {"text": text} if cmid is None else {"text": text, "client_message_id": cmid}
    r = client.post(f"/api/screenings/{sid}/messages", json=body, headers=who.h)
    assert r.status_code == expect, r.text
    return r.json()


def test_trials(client, clinician):
    r = client.get("/api/trials", headers=clinician.h)
    assert r.status_code == 200
    slugs = {t["slug"]: t for t in r.json()}
    assert {"primary-rt", "oligomet-rt"} <= set(slugs)
    t = slugs["oligomet-rt"]
    assert t["criteria_count"] > 5 and len(t["version"]) >= 12 and t["title"]


def test_trials_needs_auth(client):
    assert client.get("/api/trials").status_code == 401


def test_start_with_trials_forwards_start_and_metadata(client, clinician, bot):
    body = start(client, clinician, trials=["oligomet-rt"], patient_ref="MRN-1")
    assert body["delivered"] is True and body["status"] == "in_progress"
    assert body["asking"]["fact"] and body["replies"][-1]["text"] == body["asking"]["question"]
    call = bot.calls[0]
    assert call["message"] == "/start_screening" and call["sender"] == body["screening_id"]
    assert call["metadata"] == {
        "screening_id": body["screening_id"],
        "clinician": clinician.id,
        "trials": ["oligomet-rt"],
    }
    assert set(body["verdicts"]) == {"oligomet-rt"}


def test_start_without_trials_offers_buttons(client, clinician, bot):
    body = start(client, clinician)
    assert bot.calls[0]["metadata"]["trials"] is None
    assert body["replies"][0]["buttons"]
    body = say(client, clinician, body["screening_id"], "All of them, please.")
    assert set(body["verdicts"]) == {"primary-rt", "oligomet-rt"}


def test_unknown_trial_is_422(client, clinician):
    r = client.post("/api/screenings", json={"trials": ["nope"]}, headers=clinician.h)
    assert r.status_code == 422 and "nope" in r.json()["detail"]
    r = client.post("/api/screenings", json={"trials": []}, headers=clinician.h)
    assert r.status_code == 422


def test_full_screening_records_verdicts_evidence_transcript(client, clinician):
    sid = start(client, clinician, trials=["primary-rt", "oligomet-rt"])["screening_id"]
    body = say(client, clinician, sid, "Lung adenocarcinoma, confirmed by histology.")
    assert body["delivered"] and body["asking"]["fact"] != "histology"
    body = say(client, clinician, sid, "He has had first-line chemotherapy already.")
    # answer until done with "I don't know"
    for _ in range(40):
        if body["status"] == "complete":
            break
        body = say(client, clinician, sid, "I don't know")
    assert body["status"] == "complete"
    r = client.get(f"/api/screenings/{sid}", headers=clinician.h)
    assert r.status_code == 200
    s = r.json()
    assert s["status"] == "complete" and s["completed_at"]
    assert s["trial_versions"] and all(len(v) >= 12 for v in s["trial_versions"].values())
    senders = {m["sender"] for m in s["transcript"]}
    assert senders == {"clinician", "bot"}
    first = s["transcript"][0]
    assert first["text"] == "/start_screening" and first["who"] == clinician.email
    assert all(m["at"] for m in s["transcript"])
    ineligible = [v for v in s["verdicts"] if v["status"] == "ineligible"]
    assert ineligible, s["verdicts"]
    evidence = [e for v in ineligible for c in v["criteria"] for e in c["evidence"]]
    assert any(e["text"] == "He has had first-line chemotherapy already." for e in evidence)
    assert all(v["review"]["state"] == "pending" for v in s["verdicts"])
    assert s["review_state"] == "pending"
    # the bot's payload is stored as a record on the transcript
    assert any(m["metadata"] and "screening" in m["metadata"] for m in s["transcript"])


def test_idempotent_resend(client, clinician, bot):
    sid = start(client, clinician, trials=["primary-rt"])["screening_id"]
    first = say(client, clinician, sid, "Lung adenocarcinoma.", cmid="m-1")
    calls = len(bot.calls)
    again = say(client, clinician, sid, "Lung adenocarcinoma.", cmid="m-1")
    assert len(bot.calls) == calls  # forwarded once
    assert again["duplicate"] is True and again["message_id"] == first["message_id"]
    assert again["replies"] == first["replies"]
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    assert sum(m["text"] == "Lung adenocarcinoma." for m in s["transcript"]) == 1
    # same id, other text: refused
    r = client.post(
        f"/api/screenings/{sid}/messages",
        json={"text": "something else", "client_message_id": "m-1"},
        headers=clinician.h,
    )
    assert r.status_code == 409


@pytest.mark.parametrize("mode", ["down", "timeout", "silent", "no_custom", "bad_payload"])
def test_bot_failure_saves_message_and_resend_works(client, clinician, bot, mode):
    sid = start(client, clinician, trials=["primary-rt"])["screening_id"]
    bot.mode = mode
    r = client.post(
        f"/api/screenings/{sid}/messages",
        json={"text": "Lung adenocarcinoma.", "client_message_id": "c1"},
        headers=clinician.h,
    )
    assert r.status_code == 503
    assert r.json()["detail"] == UNAVAILABLE and r.json()["retry"] is True
    assert r.headers["retry-after"]
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    mine = [m for m in s["transcript"] if m["text"] == "Lung adenocarcinoma."]
    assert len(mine) == 1 and mine[0]["status"] == "failed"
    notice = s["transcript"][-1]
    assert notice["sender"] == "system" and notice["text"] == UNAVAILABLE
    assert notice["metadata"]["kind"] and notice["reply_to"] == mine[0]["id"]
    # the bot is back: the same message again is forwarded and answered
    bot.mode = "ok"
    body = say(client, clinician, sid, "Lung adenocarcinoma.", cmid="c1")
    assert body["delivered"] and body["asking"]["fact"] != "histology"
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    mine = [m for m in s["transcript"] if m["text"] == "Lung adenocarcinoma."]
    assert len(mine) == 1 and mine[0]["status"] == "answered" and mine[0]["attempts"] == 2


def test_failure_without_client_id_then_retry_endpoint(client, clinician, bot):
    sid = start(client, clinician, trials=["primary-rt"])["screening_id"]
    bot.mode = "down"
    say(client, clinician, sid, "Lung adenocarcinoma.", expect=503)
    r = client.post(f"/api/screenings/{sid}/retry", headers=clinician.h)
    assert r.status_code == 503
    bot.mode = "ok"
    r = client.post(f"/api/screenings/{sid}/retry", headers=clinician.h)
    assert r.status_code == 200 and r.json()["delivered"]
    r = client.post(f"/api/screenings/{sid}/retry", headers=clinician.h)
    assert r.status_code == 409  # nothing left to resend


def test_start_while_bot_down_is_stored_and_started_later(client, clinician, bot):
    bot.mode = "down"
    body = start(client, clinician, trials=["primary-rt"], patient_ref="P-9")
    assert body["delivered"] is False and body["notice"] == UNAVAILABLE
    sid = body["screening_id"]
    say(client, clinician, sid, "Lung adenocarcinoma.", expect=503)
    bot.mode = "ok"
    body = say(client, clinician, sid, "Lung adenocarcinoma.")
    assert body["delivered"]
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    assert s["started"] is True and s["patient_ref"] == "P-9"
    texts = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"]
    assert texts == ["/start_screening", "Lung adenocarcinoma.", "Lung adenocarcinoma."]
    assert [c["message"] for c in bot.calls][-2:] == ["/start_screening", "Lung adenocarcinoma."]


def test_slow_bot_with_real_client_times_out(app, client, clinician, bot):
    """The real RasaClient against a server that answers too late: a failed turn."""
    import http.server
    import threading
    import time

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from api.screenings.bot_client import RasaClient

    sid = start(client, clinician, trials=["primary-rt"])["screening_id"]
    app.state.bot = RasaClient(f"http://127.0.0.1:{server.server_port}", timeout=0.3)
    try:
        t0 = time.monotonic()
        r = client.post(f"/api/screenings/{sid}/messages", json={"text": "58"}, headers=clinician.h)
        assert r.status_code == 503 and time.monotonic() - t0 < 1.4
        s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
        assert s["transcript"][-1]["metadata"]["kind"] == "timeout"
        # Rasa not listening at all
        app.state.bot = RasaClient("http://127.0.0.1:9", timeout=0.5)
        r = client.post(f"/api/screenings/{sid}/messages", json={"text": "58"}, headers=clinician.h)
        assert r.status_code == 503
        s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
        assert s["transcript"][-1]["metadata"]["kind"] == "connection"
    finally:
        server.shutdown()
        app.state.bot = bot


def test_clinicians_see_only_their_own(client, clinician, other_clinician, coordinator, admin):
    sid = start(client, clinician, trials=["primary-rt"], patient_ref="MRN-7")["screening_id"]
    for path in (f"/api/screenings/{sid}", "/api/screenings/doesnotexist"):
        r = client.get(path, headers=other_clinician.h)
        assert r.status_code == 404 and r.json()["detail"] == "screening not found"
    r = client.post(
        f"/api/screenings/{sid}/messages", json={"text": "hi"}, headers=other_clinician.h
    )
    assert r.status_code == 404 and r.json()["detail"] == "screening not found"
    assert client.post(f"/api/screenings/{sid}/retry", headers=other_clinician.h).status_code == 404
    listed = client.get("/api/screenings", headers=other_clinician.h).json()
    assert sid not in {i["id"] for i in listed["items"]}
    mine = client.get("/api/screenings", headers=clinician.h).json()
    assert sid in {i["id"] for i in mine["items"]}
    for staff in (coordinator, admin):
        s = client.get(f"/api/screenings/{sid}", headers=staff.h).json()
        assert s["patient_ref"] == "MRN-7"
        listed = client.get("/api/screenings?limit=200", headers=staff.h).json()
        assert sid in {i["id"] for i in listed["items"]}
    assert client.get(f"/api/screenings/{sid}", headers=clinician.h).json()["patient_ref"]
    # staff may read but not continue someone else's screening
    r = client.post(f"/api/screenings/{sid}/messages", json={"text": "hi"}, headers=coordinator.h)
    assert r.status_code == 403


CASES = load_cases("examples.yaml")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cases_play_through_api(client, clinician, case):
    """The case player drives the API (fake bot = criteria engine); stored verdicts agree."""
    state = {}

    def start_():
        body = start(client, clinician)
        state["last"] = body
        return [r["text"] for r in body["replies"]], body["screening_id"]

    def send(sid, text):
        body = say(client, clinician, sid, text)
        state["last"] = body
        return [r["text"] for r in body["replies"]]

    def finished(sid):
        body = state["last"]
        if body["status"] != "complete":
            return None
        return {slug: v["status"] for slug, v in body["verdicts"].items()}

    result = play(case, start_, send, finished)
    assert not result.wrong(), result.wrong()
    s = client.get(f"/api/screenings/{state['last']['screening_id']}", headers=clinician.h).json()
    assert {v["trial"]: v["status"] for v in s["verdicts"]} == result.verdicts
    said = [m["text"] for m in s["transcript"] if m["sender"] == "clinician"][1:]
    assert said == [t for who, t in result.transcript if who == "clinician"]
