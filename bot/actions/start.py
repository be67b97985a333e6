"""Starting a screening (with the trials from metadata or chosen by the clinician), restarting."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.state import SLOT, empty_state, load, open_trials, user_turn
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


class ActionRestartScreening(Action):
    """Start over with the same patient's trials; every answer is cleared."""

    def name(self) -> str:
        return "action_restart_screening"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = empty_state(load(tracker)["trials"])
        state["restarted_turn"] = user_turn(tracker)  # tells the API the facts go on purpose
        dispatcher.utter_message(text="Starting over: every answer for this patient is cleared.")
        return reset_events(state)
