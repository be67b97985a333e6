"""`action_session_start` run inside Rasa's process, without a call to the action server.

Every clinician message starts a new Rasa session (domain.yml), so every message costs one
action call for the session start alone, before the form's calls: Rasa writes the request, the
action server parses it, builds its tracker and runs `bot/actions/restore.py`, and Rasa reads
and validates the answer. Under load that call was about a seventh of Rasa's busy time and a
third of the action server's requests, for an action that only carries slots over (and, when
Rasa has lost a conversation, restores it from the API's record).

Only the transport changes. Rasa's `RemoteAction` still writes the request (the latest session,
`bot/speedups/requests.py`), validates the answer against its schema and applies the events;
the same `ActionSessionStart` of `bot/actions/restore.py` runs, through rasa_sdk's own
executor, on the JSON the action server would have been sent (the body goes through JSON both
ways, so the action sees what it would see there). An error in the action is Rasa's error for
a failed custom action, as when the action server answers 500. Every other action still goes
to the action server. The API's screening record reaches it from `bot/speedups/record_aside.py`
(installed with this), not from Rasa's tracker.
"""

from __future__ import annotations

import json
from typing import Any

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.speedups import record_aside
from bot.speedups.requests import dumps

_found_by_rasa = rasa_actions.action_for_name_or_text


class InProcessActions:
    """Stands for the action server's endpoint: `request` runs the action in this process."""

    def __init__(self, endpoint: EndpointConfig | None) -> None:
        from rasa_sdk.executor import ActionExecutor

        from bot.actions.restore import ActionSessionStart

        self.url = endpoint.url if endpoint is not None else "in-process"
        self.kwargs = dict(endpoint.kwargs) if endpoint is not None else {}  # selective domain
        self._executor = ActionExecutor()
        self._executor.register_action(ActionSessionStart)

    async def request(self, json: dict[str, Any] | None = None, **_: Any) -> Any:
        """What the action server would answer to this request body."""
        call = _through_json(json or {})
        record_aside.put_back(call)
        try:
            answer = await self._executor.run(call)
        except Exception as exc:  # the action server answers 500; Rasa reports a failed action
            raise RasaException(
                f"Failed to execute custom action '{call.get('next_action')}'"
            ) from exc
        return _through_json(answer or {})


def _through_json(value: Any) -> Any:
    return json.loads(dumps(value))


_in_process: dict[int, InProcessActions] = {}


def in_process(endpoint: EndpointConfig | None) -> InProcessActions:
    """One in-process endpoint per action endpoint (Rasa keeps one for its lifetime)."""
    key = id(endpoint)
    if key not in _in_process:
        _in_process[key] = InProcessActions(endpoint)
    return _in_process[key]


def action_for_name_or_text(
    action_name_or_text: str, domain: Any, action_endpoint: EndpointConfig | None
) -> Any:
    """Rasa's lookup, with this bot's session start run in process."""
    action = _found_by_rasa(action_name_or_text, domain, action_endpoint)
    if action_name_or_text == ACTION_SESSION_START_NAME and type(action) is RemoteAction:
        action.action_endpoint = in_process(action_endpoint)
    return action


def install() -> None:
    rasa_actions.action_for_name_or_text = action_for_name_or_text
    record_aside.install()  # the record reaches the session start from here only
