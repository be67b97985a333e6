"""bot/speedups/session_start.py: the session start run in Rasa's process gives what the action
server gives.  Run in .venv-bot.  Every end-to-end test starts Rasa through bot/serve.py, so each
of their messages takes the in-process path for real; tests/deploy/test_faults.py restores a lost
conversation through it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("rasa", reason="Rasa's own classes (.venv-bot)")

import rasa.core.actions.action as rasa_actions
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
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
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from test_actions import REPO, state_with

from bot.speedups import session_start

pytestmark = pytest.mark.bot

DOMAIN = Domain.load(str(REPO / "domain.yml"))


def record_of(state: dict[str, Any], asked: str) -> dict[str, Any]:
    """The metadata the API sends with a message (api/screenings/service.py)."""
    stored = {k: state[k] for k in ("trials", "versions", "records")}
    return {"screening_record": {"state": stored, "asked": asked, "status": "in_progress"}}


def tracker_at_session_start(metadata: dict[str, Any] | None) -> DialogueStateTracker:
    """Rasa's tracker when it runs action_session_start before a clinician's second message:
    the first session, then the new message's metadata in its slot."""
    state = state_with(histology="NSCLC", stage="IV")
    events: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("screening", state),
        SlotSet("trials", state["trials"]),
        ActiveLoop("screening_form"),
        ActionExecuted("action_listen"),
        UserUttered("stage IV", {"name": "inform", "confidence": 1.0}),
        BotUttered("How old is the patient?", {"custom": {"screening": {"asked": "age"}}}),
        ActionExecuted("action_listen"),
    ]
    if metadata is not None:
        events.append(SlotSet("session_started_metadata", metadata))
    for n, event in enumerate(events):
        event.timestamp = 1_700_000_000.0 + n
    return DialogueStateTracker.from_events("sid", events, DOMAIN.slots)


def run(action: RemoteAction, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
    events = asyncio.run(
        action.run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN
        )
    )
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in events]


def test_only_the_session_start_stays_in_process(installed):
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
    start = rasa_actions.action_for_name_or_text("action_session_start", DOMAIN, endpoint)
    assert type(start) is RemoteAction
    assert isinstance(start.action_endpoint, session_start.InProcessActions)
    again = rasa_actions.action_for_name_or_text("action_session_start", DOMAIN, endpoint)
    assert again.action_endpoint is start.action_endpoint  # one executor for the process
    form = rasa_actions.action_for_name_or_text("validate_screening_form", DOMAIN, endpoint)
    assert form.action_endpoint is endpoint


@pytest.mark.parametrize(
    "metadata",
    [
        None,  # an ordinary message: slots, form and message count carried over
        {"screening_record": None},
        "restore",  # a conversation the record knows more of: restored from it
    ],
)
def test_the_events_are_the_action_servers(installed, stack, metadata):
    if metadata == "restore":
        metadata = record_of(
            state_with(histology="NSCLC", stage="IV", age="71", sex="male"), "ecog"
        )
    endpoint = EndpointConfig(f"{stack.actions}/webhook")
    remote = RemoteAction("action_session_start", endpoint)
    local = rasa_actions.action_for_name_or_text("action_session_start", DOMAIN, endpoint)
    expected = run(remote, tracker_at_session_start(metadata))
    got = run(local, tracker_at_session_start(metadata))
    assert got == expected
    assert got[0]["event"] == "session_started" and got[-1]["name"] == "action_listen"
    slots = {e["name"]: e["value"] for e in got if e["event"] == "slot"}
    assert slots["turns_before"] == 1
    restored = isinstance(metadata, dict) and metadata.get("screening_record")
    assert set(slots["screening"]["records"]) >= (
        {"histology", "stage", "age", "sex"} if restored else {"histology", "stage"}
    )


def test_a_failing_session_start_is_rasas_failed_action(installed, monkeypatch):
    from bot.actions.restore import ActionSessionStart

    def broken(self, dispatcher, tracker, domain):
        raise ValueError("broken")

    monkeypatch.setattr(ActionSessionStart, "run", broken)
    start = rasa_actions.action_for_name_or_text("action_session_start", DOMAIN, None)
    with pytest.raises(
        RasaException, match="Failed to execute custom action 'action_session_start'"
    ):
        run(start, tracker_at_session_start(None))
