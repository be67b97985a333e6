"""The API's screening record goes to the session start only, never into Rasa's tracker.

The API sends the stored screening with every clinician message (`screening_record` metadata,
api/screenings/service.py), so that Rasa can rebuild a conversation it has lost
(bot/actions/restore.py). Only the session start reads it. Rasa, though, keeps a message's
metadata twice in the tracker (the `session_started_metadata` slot and the user event), writes
both to its tracker store, and sends them to the action server with every call of the turn
(the slot, the two events, and the latest message once more). The record holds every fact
with its evidence and the clinician's words, so a turn's cost grew with the screening on the
whole stack but not on bare Rasa, which is sent no record: at turn 30 of the bench's
conversation the action requests were about 35 kB instead of 10, and the turn's store writes
about twice as large.

Here the record is taken out of the message's metadata as the message comes in and kept
aside for that message only (a context variable of the task handling it); the in-process
session start (`bot/speedups/session_start.py`, installed with this) puts it back into the
`session_started_metadata` slot of the tracker it hands to `ActionSessionStart`, so the action
sees the metadata the API sent. Rasa's tracker, its store and the action server never hold the
record. A Rasa started without `bot/serve.py` keeps it in the metadata, as before.
"""

from __future__ import annotations

import copy
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_SESSION_START_NAME, SESSION_START_METADATA_SLOT

RECORD = "screening_record"  # the metadata key api/screenings/service.py sends

_aside: ContextVar[Any] = ContextVar("screening_record_aside", default=None)
_handle_message = MessageProcessor.handle_message


def without_record(message: UserMessage) -> tuple[UserMessage, Any]:
    """The message without the record in its metadata, and the record (None if it had none)."""
    metadata = message.metadata
    if not isinstance(metadata, dict) or RECORD not in metadata:
        return message, None
    lighter = copy.copy(message)
    lighter.metadata = {k: v for k, v in metadata.items() if k != RECORD}
    return lighter, metadata[RECORD]


async def handle_message(self: MessageProcessor, message: UserMessage) -> Any:
    """Rasa's handling of a message, with the record kept aside while it runs."""
    message, record = without_record(message)
    token = _aside.set(record)
    try:
        return await _handle_message(self, message)
    finally:
        _aside.reset(token)


def put_back(call: dict[str, Any]) -> None:
    """Into a session start's request (already a copy), the record of the message being handled."""
    record = _aside.get()
    if record is None or call.get("next_action") != ACTION_SESSION_START_NAME:
        return
    tracker = call.setdefault("tracker", {})
    slots = tracker.get("slots")
    if not isinstance(slots, dict):
        slots = tracker["slots"] = {}
    metadata = slots.get(SESSION_START_METADATA_SLOT)
    slots[SESSION_START_METADATA_SLOT] = {
        **(metadata if isinstance(metadata, dict) else {}),
        RECORD: record,
    }


def install() -> None:
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
