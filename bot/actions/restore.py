"""Bringing a screening back when Rasa has lost its conversation: the API holds the record.

Rasa runs `action_session_start` before the first message of a conversation it does not know
(a wiped tracker store, a replica without the shared store, a new conversation the API opened
because the old one was behind).  The API sends the stored screening with every message as
`screening_record` metadata: the facts with their evidence, the fact being asked and the
status.  When that record knows more than this conversation, the screening slot is set from it
and the form is reopened at the question the clinician was answering, so the message that
follows is read as the answer to it: nothing is asked twice and no verdict goes back.

The same action runs before every clinician message: each message starts a new Rasa session
(domain.yml), so that a turn's cost does not grow with the conversation.  The slots, the open
form and the number of earlier messages are carried over here, as they stood when the last
session ended.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.state import SLOT, TURNS_BEFORE, empty_state, open_trials, user_turn

RECORD = "screening_record"  # the metadata key api/screenings/service.py sends
METADATA_SLOT = "session_started_metadata"  # Rasa fills it with the first message's metadata
FORM = "screening_form"


def carried_over(tracker: Tracker) -> dict[str, Any]:
    """The slots as the last session left them (what Rasa's default carries over)."""
    return {
        name: value
        for name, value in (tracker.slots or {}).items()
        if value is not None and name not in (METADATA_SLOT, TURNS_BEFORE)
    }


def record_in(metadata: Any) -> dict[str, Any] | None:
    """The stored screening from the message metadata, if it is one this bot can use."""
    if not isinstance(metadata, dict):
        return None
    record = metadata.get(RECORD)
    if not isinstance(record, dict) or not isinstance(record.get("state"), dict):
        return None
    state = record["state"]
    trials = state.get("trials")
    if not isinstance(trials, list) or not any(slug in open_trials() for slug in trials):
        return None
    if not isinstance(state.get("records") or {}, dict):
        return None
    return record


def is_behind(current: Any, record: dict[str, Any]) -> bool:
    """Does this conversation's screening miss trials or facts that the record has?"""
    if not isinstance(current, dict) or not current.get("trials"):
        return True
    have = set((current.get("records") or {}).keys())
    return not set(record["state"].get("records") or {}) <= have


def restore_events(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Slots and form state that put the conversation where the record says it was."""
    stored = record["state"]
    state = empty_state(stored["trials"])
    state.update(
        {
            "versions": dict(stored.get("versions") or {}),
            "records": dict(stored.get("records") or {}),
            "texts": dict(stored.get("texts") or {}),
            "asked": record.get("asked") if record.get("asked") != "trials" else None,
            "summarized": record.get("status") == "complete",
        }
    )
    events = [SlotSet(SLOT, state), SlotSet("trials", state["trials"])]
    if record.get("status") != "complete":
        events += [ActiveLoop(FORM), SlotSet("requested_slot", "answer")]
    return events


class ActionSessionStart(Action):
    """Rasa's session start (carrying slots over), plus the restore from the API's record."""

    def name(self) -> str:
        return "action_session_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        slots = carried_over(tracker)
        events: list[dict[str, Any]] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in slots.items()]
        turns = user_turn(tracker)  # before the new message: every earlier session's messages
        if turns:
            events.append(SlotSet(TURNS_BEFORE, turns))
        loop = (tracker.active_loop or {}).get("name")
        if loop:
            events.append(ActiveLoop(loop))
        record = record_in(tracker.get_slot(METADATA_SLOT))
        if record is not None and is_behind(slots.get(SLOT), record):
            events += restore_events(record)
        events.append(ActionExecuted("action_listen"))
        return events
