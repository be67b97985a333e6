"""bot/speedups/record_aside.py: the API's screening record kept out of Rasa's tracker and
handed to the in-process session start.  Run in .venv-bot.  tests/deploy/test_record_aside.py
checks the same through a real Rasa: nothing stored or sent holds the record, and a lost
conversation is rebuilt from it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("rasa", reason="Rasa's own classes (.venv-bot)")

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig
from test_actions import state_with
from test_session_start import DOMAIN, record_of, run, tracker_at_session_start

from bot.speedups import record_aside

pytestmark = pytest.mark.bot


def test_a_message_without_a_record_is_left_as_it_is():
    for metadata in (None, {}, {"trials": None}, "not a dict"):
        message = UserMessage("ECOG 1", CollectingOutputChannel(), "s", metadata=metadata)
        assert record_aside.without_record(message) == (message, None)


def test_the_record_is_taken_out_of_a_copy_of_the_message():
    metadata = {"trials": ["a"], "screening_id": "s-1", **record_of(state_with(), "age")}
    message = UserMessage("ECOG 1", CollectingOutputChannel(), "s-1", metadata=metadata)
    lighter, record = record_aside.without_record(message)
    assert record == metadata["screening_record"]
    assert lighter.metadata == {"trials": ["a"], "screening_id": "s-1"}
    assert (lighter.text, lighter.sender_id, lighter.output_channel) == (
        message.text,
        message.sender_id,
        message.output_channel,
    )
    assert "screening_record" in message.metadata  # the caller's message is not changed


def test_the_record_is_aside_while_the_message_is_handled_and_only_then(monkeypatch):
    seen: list[tuple[Any, Any]] = []

    async def rasas(self, message):
        seen.append((message.metadata, record_aside._aside.get()))
        return ["answer"]

    monkeypatch.setattr(record_aside, "_handle_message", rasas)
    record = record_of(state_with(), "age")["screening_record"]
    message = UserMessage("x", None, "s", metadata={"trials": None, "screening_record": record})
    assert asyncio.run(record_aside.handle_message(None, message)) == ["answer"]
    assert seen == [({"trials": None}, record)]
    assert record_aside._aside.get() is None


def test_put_back_only_into_a_session_start():
    record = {"state": {"trials": ["a"]}}
    token = record_aside._aside.set(record)
    try:
        call: dict[str, Any] = {
            "next_action": "action_session_start",
            "tracker": {"slots": {"session_started_metadata": {"trials": None}}},
        }
        record_aside.put_back(call)
        assert call["tracker"]["slots"]["session_started_metadata"] == {
            "trials": None,
            "screening_record": record,
        }
        empty: dict[str, Any] = {"next_action": "action_session_start", "tracker": {}}
        record_aside.put_back(empty)
        slots = empty["tracker"]["slots"]
        assert slots == {"session_started_metadata": {"screening_record": record}}
        form = {"next_action": "validate_screening_form", "tracker": {"slots": {}}}
        record_aside.put_back(form)
        assert form["tracker"]["slots"] == {}
    finally:
        record_aside._aside.reset(token)


@pytest.mark.parametrize("asked", ["ecog", "age"])
def test_the_session_start_restores_from_the_record_set_aside(installed, stack, asked):
    """In process with the record aside, the events the action server gives for the tracker
    that holds the record in its slot (as a Rasa without bot/serve.py keeps it)."""
    metadata = {
        "trials": None,
        **record_of(state_with(histology="NSCLC", stage="IV", age="71", sex="male"), asked),
    }
    remote = RemoteAction("action_session_start", EndpointConfig(f"{stack.actions}/webhook"))
    expected = run(remote, tracker_at_session_start(metadata))
    local = rasa_actions.action_for_name_or_text(
        "action_session_start", DOMAIN, EndpointConfig(f"{stack.actions}/webhook")
    )
    token = record_aside._aside.set(metadata["screening_record"])
    try:
        got = run(local, tracker_at_session_start({"trials": None}))
    finally:
        record_aside._aside.reset(token)
    assert got == expected
    slots = {e["name"]: e["value"] for e in got if e["event"] == "slot"}
    assert set(slots["screening"]["records"]) >= {"histology", "stage", "age", "sex"}
    # without the record aside the same tracker is not restored
    plain = run(local, tracker_at_session_start({"trials": None}))
    plain_slots = {e["name"]: e["value"] for e in plain if e["event"] == "slot"}
    assert "age" not in plain_slots["screening"]["records"]
