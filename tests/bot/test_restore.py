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


# ---- every clinician message starts a session (domain.yml): what the next one carries over ----


def ended_session(active_loop: str | None, turns_before: int | None, users: int) -> Tracker:
    """The tracker Rasa sends to action_session_start: the session that just ended."""
    mine = state_with(histology="NSCLC", stage="IV")
    slots = dict.fromkeys(DOMAIN["slots"])
    slots.update(
        {
            SLOT: mine,
            "trials": BOTH,
            "requested_slot": "answer" if active_loop else None,
            "turns_before": turns_before,
            "session_started_metadata": {"trials": None},
        }
    )
    events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
    events += [{"event": "user", "text": f"message {n}"} for n in range(users)]
    loop = {"name": active_loop} if active_loop else {}
    return Tracker("sid", slots, {}, events, False, None, loop, None)


def test_the_next_session_carries_the_slots_the_open_form_and_the_message_count():
    _, events = run(ActionSessionStart(), ended_session("screening_form", 6, users=1))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["turns_before"] == 7  # six in earlier sessions, one in the one that ended
    assert set(slots[SLOT]["records"]) == {"histology", "stage"}
    assert slots["trials"] == BOTH and slots["requested_slot"] == "answer"
    assert "session_started_metadata" not in slots  # Rasa sets it for the new message itself
    assert [e["name"] for e in events if e["event"] == "active_loop"] == ["screening_form"]
    assert (events[0]["event"], events[-1]["name"]) == ("session_started", "action_listen")


def test_a_closed_form_stays_closed_and_several_messages_in_one_session_all_count():
    _, events = run(ActionSessionStart(), ended_session(None, None, users=2))
    assert not [e for e in events if e["event"] == "active_loop"]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["turns_before"] == 2 and "requested_slot" not in slots


def test_the_turn_number_counts_earlier_sessions():
    from bot.actions.state import user_turn

    tracker = ended_session("screening_form", 6, users=1)
    assert user_turn(tracker) == 7
    tracker.slots["turns_before"] = "6"  # not a count: ignored rather than trusted
    assert user_turn(tracker) == 1


def test_the_turn_number_counts_only_the_latest_sessions_messages_beside_the_slot():
    """During a turn Rasa sends the session that ended and the new one: the ended session's
    messages are already in `turns_before`."""
    from bot.actions.state import user_turn

    tracker = ended_session("screening_form", 6, users=1)
    tracker.events += [
        {"event": "session_started"},
        {"event": "slot", "name": "turns_before", "value": 7},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "next message"},
    ]
    tracker.slots["turns_before"] = 7
    assert user_turn(tracker) == 8
