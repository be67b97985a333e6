"""Starting a screening (with the trials from metadata or chosen by the clinician), restarting.

"restart" clears every answer, so it is asked back first: the next message "yes" clears
(`restart_confirmed`), "no" goes on with the pending question, anything else is read as usual.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.state import SLOT, emit, empty_state, load, open_trials, user_turn
from bot.actions.text import trial_list

GREETING = (
    "Hello! I'll prescreen your patient for the open clinical trials, one question at a time. "
    "Answer in your own words; say “help” at any point."
)


def metadata_of(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata")
    if not metadata:
        users = [e for e in tracker.events if e.get("event") == "user"]
        metadata = users[-1].get("metadata") if users else None
    return metadata if isinstance(metadata, dict) else {}


def reset_events(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        SlotSet(SLOT, state),
        SlotSet("trials", state["trials"] or None),
        SlotSet("answer", None),
        SlotSet("requested_slot", None),
    ]


class ActionStartScreening(Action):
    """`/start_screening` (metadata.trials: slugs, or null to let the clinician pick), or hello."""

    def name(self) -> str:
        return "action_start_screening"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        trials = open_trials()
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        current = load(tracker)
        if intent != "start_screening" and current["trials"]:
            dispatcher.utter_message(text="Hello again — let's go on with this patient.")
            return []
        wanted = metadata_of(tracker).get("trials") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        chosen = [slug for slug in wanted if slug in trials]
        dispatcher.utter_message(text=GREETING)
        unknown = [slug for slug in wanted if slug not in trials]
        if unknown:
            dispatcher.utter_message(text=f"These trials are not open here: {', '.join(unknown)}.")
        if chosen:
            names = ", ".join(trials[slug].short_title for slug in chosen)
            dispatcher.utter_message(text=f"Screening for: {names}.")
        else:
            dispatcher.utter_message(text=trial_list(trials))
        return reset_events(empty_state(chosen))


RESTART_QUESTION = "Start over and clear every answer for this patient? yes / no"
RESTART_ASKED = "restart_asked"  # in the state: the turn "restart" was asked back at
_YES = re.compile(
    r"^\W*(?:y|yes|yeah|yep|yup|sure|ok|okay|confirm(?:ed)?|go ahead|do it|please do)\b", re.I
)
_NO = re.compile(
    r"^\W*(?:n|no|nope|nah|don'?t|do not|keep|cancel|go on|continue|never ?mind)\b", re.I
)


def restart_confirmed(tracker: Tracker, state: dict[str, Any]) -> bool | None:
    """The answer to "Start over ...?": True (yes), False (no), None (not an answer to it).

    Only the message right after the question counts; anything else is read as usual."""
    if state.get(RESTART_ASKED) != user_turn(tracker) - 1:
        return None
    text = (tracker.latest_message or {}).get("text") or ""
    if _YES.search(text) and not _NO.search(text):
        return True
    if _NO.search(text):
        return False
    return None


def restart(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Start over with the same patient's trials; every answer is cleared."""
    state = empty_state(load(tracker)["trials"])
    state["restarted_turn"] = user_turn(tracker)  # tells the API the facts go on purpose
    dispatcher.utter_message(text="Starting over: every answer for this patient is cleared.")
    return reset_events(state)


class ActionConfirmRestart(Action):
    """ "restart": ask before clearing; the form pauses so only this question is pending."""

    def name(self) -> str:
        return "action_confirm_restart"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        state[RESTART_ASKED] = user_turn(tracker)
        dispatcher.utter_message(
            text=RESTART_QUESTION,
            buttons=[{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}],
        )
        emit(dispatcher, tracker, state)
        return [SlotSet(SLOT, state), SlotSet("requested_slot", None)]


class ActionRestartScreening(Action):
    """Start over at once (the clinician said yes, or a client that has asked already)."""

    def name(self) -> str:
        return "action_restart_screening"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return restart(dispatcher, tracker)
