"""The API's screening record reaches Rasa's session start and nothing else (issue 13).

bot/speedups/record_aside.py: the `screening_record` metadata the API sends with every message
is kept out of Rasa's tracker, so neither the tracker store nor any request to the action
server holds a copy, and yet a conversation Rasa does not know is rebuilt from it.  A real
Rasa through bot/serve.py with the SQL tracker store on SQLite, a recording proxy in front of
the action server (bench/turn_profile.py), the messages of bench/conversation.yaml sent with
the metadata the API sends (api/screenings/service.py `record_of`).

Slow (trains if needed, starts `rasa run` and the action server).
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import stack

from bench.conversation import load_conversation
from bench.turn_profile import Recorder, profiled_bot

pytestmark = pytest.mark.slow


def payload_of(replies: list[dict[str, Any]]) -> dict[str, Any]:
    customs = [r["custom"]["screening"] for r in replies if "screening" in (r.get("custom") or {})]
    assert customs, replies
    return customs[-1]


def values(payload: dict[str, Any]) -> dict[str, Any]:
    records = (payload.get("state") or {}).get("records") or {}
    return {fact: record.get("value") for fact, record in records.items()}


def metadata_from(payload: dict[str, Any]) -> dict[str, Any]:
    """What the API sends once it has stored this payload (api/screenings/service.py)."""
    state = payload.get("state") or {}
    return {
        "screening_id": "s-1",
        "clinician": "c-1",
        "trials": None,
        "screening_record": {
            "state": {k: state.get(k) for k in ("trials", "versions", "records", "texts")},
            "asked": (payload.get("asking") or {}).get("fact"),
            "status": payload.get("status"),
        },
    }


def test_the_record_rebuilds_a_lost_conversation_and_is_never_stored():
    stack.train()
    recorder = Recorder()
    messages = [m.text for m in load_conversation().messages][:15]
    sender = f"aside-{uuid.uuid4().hex[:8]}"
    with profiled_bot(Path(tempfile.mkdtemp(prefix="record-aside-")), recorder) as (rasa, store):
        payload = payload_of(stack.send(rasa, sender, "/start_screening", {"trials": None}))
        for text in messages[:-1]:
            payload = payload_of(stack.send(rasa, sender, text, metadata_from(payload)))
        known = set((payload.get("state") or {}).get("records") or {})
        assert {"histology", "stage", "age", "sex", "ecog"} <= known, sorted(known)
        assert payload.get("asking"), payload

        # The next message sent to this conversation, and to one Rasa has never seen (a wiped
        # store) with the same record: rebuilt from it by the session start, the message is
        # read as the answer to the same question, with the same outcome.
        metadata = metadata_from(payload)
        lost = payload_of(stack.send(rasa, f"{sender}-lost", messages[-1], metadata))
        kept = payload_of(stack.send(rasa, sender, messages[-1], metadata))
        assert values(lost) == values(kept) and set(values(kept)) >= known, (lost, kept)
        assert lost["asking"] == kept["asking"] and lost["status"] == kept["status"]
        assert lost["corrected"] == kept["corrected"] != [], kept

        calls = recorder.take()
        assert calls and all(c.record_copies == 0 for c in calls), [
            (c.action, c.record_copies) for c in calls if c.record_copies
        ]
        with sqlite3.connect(store) as db:
            rows = [data for (data,) in db.execute("SELECT data FROM events")]
        assert len(rows) > 100
        assert not [r for r in rows if "screening_record" in r]
        # the rest of the metadata is still Rasa's, as before
        assert any('"screening_id": "s-1"' in r or '"screening_id":"s-1"' in r for r in rows)
