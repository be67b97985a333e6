"""The API is the system of record: a bot conversation that is gone or behind is rebuilt from
the stored screening, and an answer that would lose recorded facts is never applied.

The fake assistant rebuilds an unknown conversation from the `screening_record` metadata as
bot/actions/restore.py does; the real one is covered in tests/bot/test_actions.py and, with
real processes, in tests/deploy/test_faults.py.
"""

from __future__ import annotations

from api.screenings.models import Screening
from api.screenings.service import BEHIND


def start(client, who, **body):
    r = client.post("/api/screenings", json=body, headers=who.h)
    assert r.status_code == 201, r.text
    return r.json()


def say(client, who, sid, text, cmid=None, expect=200):
    body = {"text": text} if cmid is None else {"text": text, "client_message_id": cmid}
    r = client.post(f"/api/screenings/{sid}/messages", json=body, headers=who.h)
    assert r.status_code == expect, r.text
    return r.json()


def recorded(db, sid: str) -> dict:
    db.expire_all()
    return dict((db.get(Screening, sid).bot_state or {}).get("records") or {})


def three_answers_in(client, clinician) -> tuple[str, dict]:
    sid = start(client, clinician, trials=["primary-rt", "oligomet-rt"])["screening_id"]
    say(client, clinician, sid, "Lung adenocarcinoma, confirmed by histology.")
    say(client, clinician, sid, "I don't know")
    body = say(client, clinician, sid, "I don't know")
    assert body["status"] == "in_progress" and body["asking"]["fact"]
    return sid, body


def test_a_lost_conversation_is_rebuilt_from_the_record(client, clinician, bot, db):
    sid, body = three_answers_in(client, clinician)
    before, asked = recorded(db, sid), body["asking"]["fact"]
    assert len(before) >= 3
    bot.forget()  # the tracker store is wiped
    after_body = say(client, clinician, sid, "I don't know")
    sent = bot.calls[-1]
    assert sent["sender"] == sid  # the same conversation, rebuilt
    record = sent["metadata"]["screening_record"]
    assert set(record["state"]["records"]) == set(before) and record["asked"] == asked
    after = recorded(db, sid)
    assert set(before) | {asked} <= set(after)  # the answer went to the fact being asked
    assert all(after[fact] == before[fact] for fact in before)  # earlier answers intact
    assert after_body["asking"] is None or after_body["asking"]["fact"] not in after


def test_a_conversation_behind_the_record_is_rebuilt_in_a_new_one(client, clinician, bot, db):
    sid, body = three_answers_in(client, clinician)
    before, asked = recorded(db, sid), body["asking"]["fact"]
    bot.rewind(sid, keep=1)  # a tracker store restored from an older backup
    say(client, clinician, sid, "I don't know")
    assert [c["sender"] for c in bot.calls[-2:]] == [sid, f"{sid}~1"]
    after = recorded(db, sid)
    assert set(before) | {asked} <= set(after)
    say(client, clinician, sid, "I don't know")
    assert bot.calls[-1]["sender"] == f"{sid}~1"  # it stays in the rebuilt conversation


def test_a_turn_that_would_lose_facts_is_refused(client, clinician, bot, db):
    sid, _ = three_answers_in(client, clinician)
    before = recorded(db, sid)
    verdicts = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()["verdicts"]
    bot.mode = "forgetful"
    r = client.post(
        f"/api/screenings/{sid}/messages",
        json={"text": "I don't know", "client_message_id": "c9"},
        headers=clinician.h,
    )
    assert r.status_code == 503 and r.json()["retry"] is True
    assert r.json()["detail"] == BEHIND
    s = client.get(f"/api/screenings/{sid}", headers=clinician.h).json()
    assert s["verdicts"] == verdicts and recorded(db, sid) == before
    assert s["transcript"][-1]["sender"] == "system"
    assert s["transcript"][-1]["metadata"]["kind"] == "behind"
    bot.mode = "ok"  # resent once the bot is sound again: it goes through, nothing lost
    body = say(client, clinician, sid, "I don't know", cmid="c9")
    assert body["delivered"] and set(before) <= set(recorded(db, sid))


def test_the_clinician_may_start_over(client, clinician, bot, db):
    sid, _ = three_answers_in(client, clinician)
    before = recorded(db, sid)
    body = say(client, clinician, sid, "restart")
    assert body["delivered"] and recorded(db, sid) == before  # asked back first
    body = say(client, clinician, sid, "yes", cmid="c-yes")
    assert body["delivered"] and recorded(db, sid) == {}
    assert bot.calls[-1]["sender"] == sid


def test_a_taken_back_answer_is_applied_not_refused(client, clinician, bot, db):
    sid, _ = three_answers_in(client, clinician)
    before = recorded(db, sid)
    body = say(client, clinician, sid, "undo", cmid="c-undo")
    after = recorded(db, sid)
    assert body["delivered"] and len(after) < len(before) and set(after) < set(before)


def test_a_correction_that_undoes_a_derived_fact_is_applied(client, clinician, bot, db):
    sid = start(client, clinician, trials=["primary-rt", "oligomet-rt"])["screening_id"]
    say(
        client,
        clinician,
        sid,
        "Lung adenocarcinoma, confirmed by histology. He is a 71-year-old man.",
    )
    assert recorded(db, sid)["pregnant"]["source"] == "derived"  # a man is not pregnant
    body = say(client, clinician, sid, "Correction: sex is female")
    assert body["delivered"]
    after = recorded(db, sid)
    assert after["sex"]["value"] == "female" and "pregnant" not in after
    assert bot.calls[-1]["sender"] == sid  # applied as it came, no rebuild needed
