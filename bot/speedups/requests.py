"""The action server is sent the events of the latest session only.

Every clinician message starts a new Rasa session (domain.yml), so while a message is handled
Rasa's tracker holds the session that just ended and the new one.  Rasa sends all of it, with
every slot's value as each event set it, on every action call: about half of each request,
serialised by Rasa and parsed by the action server 2-4 times per turn.  The actions read the
current slots (sent whole, apart from the events) and the events of the latest session
(`bot/actions/state.py` `user_turn`), never the events of an earlier session, so those are left
out.  When `action_session_start` runs, the latest session is still the one that ends: it gets
that session's events, as it needs to count its messages.
"""

from __future__ import annotations

from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import SessionStarted

_sent_by_rasa = RemoteAction._action_call_format


def latest_session(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events from the latest `session_started` on (all of them when there is none)."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == SessionStarted.type_name:
            return events[index:]
    return events


def action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
    """Rasa's request to the action server, its tracker's events cut to the latest session."""
    body = _sent_by_rasa(self, tracker, domain)
    state = body.get("tracker")
    if isinstance(state, dict) and isinstance(state.get("events"), list):
        state["events"] = latest_session(state["events"])
    return body


def install() -> None:
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
