"""The action server is sent the events of the latest session only, encoded by ujson.

Every clinician message starts a new Rasa session (domain.yml), so while a message is handled
Rasa's tracker holds the session that just ended and the new one.  Rasa sends all of it, with
every slot's value as each event set it, on every action call: about half of each request,
serialised by Rasa and parsed by the action server 2-4 times per turn.  The actions read the
current slots (sent whole, apart from the events) and the events of the latest session
(`bot/actions/state.py` `user_turn`), never the events of an earlier session, so those are left
out.  When `action_session_start` runs, the latest session is still the one that ends: it gets
that session's events, as it needs to count its messages.

Rasa encodes each request with the standard library's `json.dumps` (aiohttp's default), a
tenth of its CPU per turn on this screener; the same JSON is now written by ujson (a Rasa
dependency), the standard library taking over for anything ujson cannot encode.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import ujson
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.core.events import SessionStarted
from rasa.utils.endpoints import EndpointConfig

_sent_by_rasa = RemoteAction._action_call_format
_session_of_rasa = EndpointConfig.session


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


def dumps(value: Any) -> str:
    """JSON text of `value`, as `json.dumps` would write it (ujson, faster, when it can)."""
    try:
        return ujson.dumps(value, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)


def session(self: EndpointConfig) -> aiohttp.ClientSession:
    """`EndpointConfig.session` of Rasa 3.6, the session writing JSON bodies with `dumps`."""
    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        json_serialize=dumps,
    )


def install() -> None:
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
    EndpointConfig.session = session  # type: ignore[method-assign]
