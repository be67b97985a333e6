"""bot/speedups: each change to Rasa gives what Rasa itself gives, for less work.

Run in .venv-bot (Rasa's own classes).  The real path (Rasa started through bot/serve.py) is
played by every end-to-end test (tests/stack.py) and by tests/deploy/test_turn_cost.py."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sqlite3

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.speedups import debug_copies, events, requests, responses, tracker_store

SCHEMA = RemoteAction.action_response_format_spec()
ACTION = RemoteAction("validate_screening_form", EndpointConfig("http://localhost:1"))
SCREENING = {"trials": ["a"], "records": {"age": {"value": 64, "turn": 1}}, "asked": "ecog"}

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "screening", "value": SCREENING}]},
    {"events": [{"event": "slot", "name": "answer", "value": None, "timestamp": None}]},
    {"events": [{"event": "active_loop", "name": "screening_form"}, {"event": "session_started"}]},
    {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1}]},
    {
        "events": [
            {"event": "user", "text": "64", "parse_data": {"intent": {"name": "inform"}}},
            {"event": "bot", "text": "Next?", "metadata": {"x": 1}},
        ],
        "responses": [{"text": "Age?", "custom": {"screening": SCREENING}}],
    },
]
INVALID = [
    [],
    "events",
    {"events": None},
    {"events": {"event": "slot"}},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "screening", "value": 1}]},
    {"events": [{"event": "slot", "name": "screening"}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "now"}]},
    {"events": [{"event": "user", "parse_data": {"intent": {"name": 5}}}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "x"}]}}]},
    {"events": [{"event": "bot", "metadata": "m"}]},
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"responses": ["Age?"]},
    {"responses": {"text": "Age?"}},
]


@pytest.mark.parametrize("answer", VALID)
def test_an_answer_the_schema_accepts_is_accepted(answer):
    jsonschema.validate(answer, SCHEMA)
    assert responses.is_plainly_valid(answer)
    assert responses.validate_action_result(ACTION, answer) is True


@pytest.mark.parametrize("answer", INVALID)
def test_an_answer_the_schema_refuses_raises_rasas_error(answer):
    with pytest.raises(jsonschema.ValidationError) as expected:
        RemoteAction._validate_action_result(ACTION, copy.deepcopy(answer))
    assert not responses.is_plainly_valid(answer)
    with pytest.raises(jsonschema.ValidationError) as raised:
        responses.validate_action_result(ACTION, answer)
    assert raised.value.message == expected.value.message
    assert "Failed to validate Action server response" in raised.value.message


def test_every_event_type_of_the_schema_has_its_own_validator():
    names = {
        p["properties"]["event"]["const"] for p in SCHEMA["properties"]["events"]["items"]["oneOf"]
    }
    assert set(responses.event_validators()) == names
    assert len(names) == 23


DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [inform]
slots:
  screening: {type: any, influence_conversation: false, mappings: [{type: custom}]}
  turns_before: {type: any, influence_conversation: false, mappings: [{type: custom}]}
forms:
  screening_form: {required_slots: []}
"""
)


def two_sessions() -> DialogueStateTracker:
    """A tracker as Rasa holds it while a second message is handled: two sessions."""
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("64", {"name": "inform", "confidence": 1.0}),
        SlotSet("screening", SCREENING),
        BotUttered("ECOG?", {"custom": {"screening": SCREENING}}),
        ActionExecuted("action_listen"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("screening", SCREENING),
        SlotSet("turns_before", 1),
        ActiveLoop("screening_form"),
        ActionExecuted("action_listen"),
        UserUttered("ecog 1", {"name": "inform", "confidence": 1.0}),
    ]
    for n, event in enumerate(events):
        event.timestamp = 1_700_000_000.0 + n  # the same rows whichever store saves them
    return DialogueStateTracker.from_events("s1", events, DOMAIN.slots)


def test_the_action_server_gets_the_latest_session_and_every_slot():
    tracker = two_sessions()
    whole = requests._sent_by_rasa(ACTION, tracker, DOMAIN)
    sent = requests.action_call_format(ACTION, tracker, DOMAIN)
    events = sent["tracker"]["events"]
    assert len(whole["tracker"]["events"]) == len(tracker.events) == 14
    assert [e["event"] for e in events][:2] == ["session_started", "slot"]
    assert events == whole["tracker"]["events"][8:]
    assert sent["tracker"]["slots"] == whole["tracker"]["slots"]
    assert sent["tracker"]["slots"]["turns_before"] == 1
    assert sent["tracker"]["latest_message"] == whole["tracker"]["latest_message"]
    assert sent["tracker"]["active_loop"]["name"] == "screening_form"
    assert {k: v for k, v in sent.items() if k != "tracker"} == {
        k: v for k, v in whole.items() if k != "tracker"
    }


def test_a_conversation_without_a_session_start_is_sent_whole():
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "hi"}]
    assert requests.latest_session(events) == events
    assert requests.latest_session([]) == []


def test_debug_copies_are_made_only_when_debug_logs_are_on():
    value = {"screening": SCREENING}
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    try:
        rasa_logger.setLevel(logging.INFO)
        assert debug_copies.deepcopy_for_debug_log(value) is value
        rasa_logger.setLevel(logging.DEBUG)
        copied = debug_copies.deepcopy_for_debug_log(value)
        assert copied == value and copied is not value
        assert copied["screening"] is not value["screening"]
    finally:
        rasa_logger.setLevel(level)


def test_every_deepcopy_in_rasas_processor_is_a_debug_log_argument():
    """The premise of debug_copies: if Rasa's processor deep-copies for anything else, stop."""
    import inspect

    import rasa.core.processor

    lines = inspect.getsource(rasa.core.processor).splitlines()
    uses = [n for n, line in enumerate(lines) if "copy.deepcopy(" in line]
    assert len(uses) == 6
    for n in uses:
        call = "\n".join(lines[max(0, n - 6) : n + 1])
        assert "structlogger.debug(" in call, call


def rows(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id"
        ).fetchall()


async def save_in_turns(store: SQLTrackerStore) -> DialogueStateTracker:
    """Save as Rasa does: the first message's turn, then the tracker Rasa had read back (the
    latest session) with the second message's turn added."""
    events = list(two_sessions().events)
    await store.save(DialogueStateTracker.from_events("s1", events[:7], DOMAIN.slots))
    await store.save(DialogueStateTracker.from_events("s1", events[1:], DOMAIN.slots))
    return two_sessions()


def test_the_store_writes_the_rows_rasa_writes_and_reads_them_back(tmp_path, monkeypatch):
    asyncio.run(
        save_in_turns(SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db")))
    )
    monkeypatch.setattr(SQLTrackerStore, "save", tracker_store.save)
    monkeypatch.setattr(SQLTrackerStore, "_retrieve", tracker_store._retrieve)
    ours = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "ours.db"))
    tracker = asyncio.run(save_in_turns(ours))

    assert rows(tmp_path / "ours.db") == rows(tmp_path / "rasa.db")
    assert len(rows(tmp_path / "ours.db")) == 14
    latest = asyncio.run(ours.retrieve("s1"))
    assert [e.as_dict() for e in latest.events] == [e.as_dict() for e in tracker.events][8:]
    assert latest.get_slot("screening") == SCREENING
    assert latest.active_loop_name == "screening_form"
    everything = asyncio.run(ours.retrieve_full_tracker("s1"))
    assert len(everything.events) == 14
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_sqlite_connections_are_in_write_ahead_log_mode(tmp_path):
    db = sqlite3.connect(tmp_path / "t.db")
    tracker_store.write_ahead_log(db, None)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL


ODD = {
    "text": "Hb 9.8 g/dL — “déjà” 😀, </script>",
    "floats": [0.1, 1e-07, 123456789.125, -0.0, 1.7976931348623157e308],
    "ints": [0, -1, 2**53],
    "nested": {"a": [None, True, False, {"b": []}]},
}


def test_request_bodies_are_the_json_the_standard_library_writes():
    for value in (ODD, {"tracker": {"slots": {"screening": SCREENING}}}, [], "x", 3.5):
        assert json.loads(requests.dumps(value)) == json.loads(json.dumps(value)) == value
    big = {"n": 2**70, "s": {1, 2}}  # a set: beyond ujson, the standard library refuses it too
    with pytest.raises(TypeError):
        requests.dumps(big)


def test_the_client_session_is_rasas_with_the_faster_encoder():
    endpoint = EndpointConfig(
        "http://localhost:1", headers={"X-Test": "1"}, basic_auth={"username": "u", "password": "p"}
    )

    async def both():
        ours, rasas = requests.session(endpoint), requests._session_of_rasa(endpoint)
        async with ours, rasas:
            return ([(s.headers, s.auth, s.timeout, s.json_serialize) for s in (ours, rasas)],)

    ((ours, rasas),) = asyncio.run(both())
    assert ours[:3] == rasas[:3]
    assert ours[3] is requests.dumps and rasas[3] is json.dumps


def test_event_classes_are_the_ones_rasa_finds():
    import rasa.shared.utils.common

    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert events.resolve_by_type(name) is events._resolve_as_rasa_does(name)
    assert events.resolve_by_type("topic") is None
    assert events.resolve_by_type("no_such", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such'"):
        events.resolve_by_type("no_such")


def test_a_tracker_read_back_is_saved_without_counting_and_never_twice(tmp_path, monkeypatch):
    asyncio.run(save_in_turns(SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "r.db"))))
    monkeypatch.setattr(SQLTrackerStore, "save", tracker_store.save)
    monkeypatch.setattr(SQLTrackerStore, "_retrieve", tracker_store._retrieve)
    ours = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "o.db"))
    events_ = list(two_sessions().events)

    async def as_rasa_plays_it():
        await ours.save(DialogueStateTracker.from_events("s1", events_[:7], DOMAIN.slots))
        tracker = await ours.retrieve("s1")  # the first session, read back
        assert getattr(tracker, tracker_store.STORED) == 6
        tracker.update_with_events(
            events_[7:], DOMAIN, override_timestamp=False
        )  # the next message's turn
        monkeypatch.setattr(SQLTrackerStore, "_additional_events", None)  # no count now
        await ours.save(tracker)
        await ours.save(tracker)  # saved again with nothing new: nothing written

    asyncio.run(as_rasa_plays_it())
    assert rows(tmp_path / "o.db") == rows(tmp_path / "r.db")


def test_an_sqlite_store_keeps_its_connection(tmp_path, monkeypatch):
    import rasa.core.tracker_store
    from sqlalchemy import event as sa_event

    monkeypatch.setattr(
        rasa.core.tracker_store, "create_engine_kwargs", tracker_store.create_engine_kwargs
    )
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "kept.db"))
    connects: list[object] = []
    sa_event.listen(store.engine, "connect", lambda conn, _: connects.append(conn))
    asyncio.run(save_in_turns(store))
    assert asyncio.run(store.retrieve("s1")).get_slot("screening") == SCREENING
    assert len(connects) <= 1  # one connection for every session, not one per session
    assert len(rows(tmp_path / "kept.db")) == 14
    assert tracker_store.create_engine_kwargs("postgresql://u@h/db") == (
        tracker_store._engine_kwargs_of_rasa("postgresql://u@h/db")
    )
    assert "poolclass" not in tracker_store.create_engine_kwargs("sqlite://")
