"""action_session_start rebuilds a conversation Rasa has lost from the API's record."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("rasa_sdk", reason="the bot's actions need rasa_sdk (.venv-bot)")

from rasa_sdk import Tracker
from test_actions import BOTH, DOMAIN, run, state_with

from bot.actions.restore import ActionSessionStart
from bot.actions.state import SLOT, empty_state

pytestmark = pytest.mark.bot


def session_start_tracker(metadata: Any, earlier: list[dict[str, Any]] | None = None) -> Tracker:
    """The tracker Rasa sends before the first message of a conversation it does not know."""
    slots = dict.fromkeys(DOMAIN["slots"])
    slots["session_started_metadata"] = metadata
    events = list(earlier or [])
    events.append({"event": "slot", "name": "session_started_metadata", "value": metadata})
    for event in events:
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
    return Tracker("sid", slots, {}, events, False, None, {}, None)


def record(state: dict[str, Any], asked: str | None, status: str = "in_progress") -> dict:
    return {
        "screening_record": {
            "state": {k: state[k] for k in ("trials", "versions", "records")},
            "asked": asked,
            "status": status,
        }
    }


def test_a_lost_conversation_comes_back_at_the_question_asked():
    state = state_with(histology="NSCLC", stage="IV", age="71")
    _, events = run(ActionSessionStart(), session_start_tracker(record(state, "sex")))
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert set(slots[SLOT]["records"]) == {"histology", "stage", "age"}
    assert slots[SLOT]["asked"] == "sex" and slots["trials"] == BOTH
    assert slots[SLOT]["records"]["age"] == state["records"]["age"]  # evidence kept verbatim
    assert [e["name"] for e in events if e["event"] == "active_loop"] == ["screening_form"]
    assert slots["requested_slot"] == "answer"


def test_a_finished_screening_comes_back_without_reopening_the_form():
    state = state_with(histology="NSCLC")
    _, events = run(ActionSessionStart(), session_start_tracker(record(state, None, "complete")))
    assert not [e for e in events if e["event"] == "active_loop"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert set(slots[SLOT]["records"]) == {"histology"} and slots[SLOT]["summarized"] is True


@pytest.mark.parametrize(
    "metadata",
    [None, {}, {"screening_record": "x"}, {"screening_record": {"state": {"trials": ["nope"]}}}],
)
def test_a_new_conversation_without_a_usable_record_starts_empty(metadata):
    _, events = run(ActionSessionStart(), session_start_tracker(metadata))
    assert [e["event"] for e in events] == ["session_started", "action"]


def test_a_conversation_that_knows_as_much_keeps_its_own_slots():
    mine = state_with(histology="NSCLC", stage="IV")
    older = {k: v for k, v in mine.items()}
    older["records"] = {"histology": mine["records"]["histology"]}
    earlier = [{"event": "slot", "name": SLOT, "value": mine}]
    tracker = session_start_tracker(record({**empty_state(BOTH), **older}, "age"), earlier)
    _, events = run(ActionSessionStart(), tracker)
    slots = [e for e in events if e["event"] == "slot"]
    assert slots == [{"event": "slot", "timestamp": None, "name": SLOT, "value": mine}]
    assert not [e for e in events if e["event"] == "active_loop"]
