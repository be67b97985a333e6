"""The end of a screening: a summary per trial."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.state import SLOT, emit, load, screening_of, user_turn
from bot.actions.text import short_status, summary_lines


class ActionScreeningSummary(Action):
    def name(self) -> str:
        return "action_screening_summary"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        if screening is None:
            emit(dispatcher, tracker, state)
            return []
        outcome = state.get("outcome") or {}
        changed = outcome.get("turn") == user_turn(tracker) and (
            outcome.get("recorded") or outcome.get("corrected")
        )
        if state.get("summarized") and not changed:
            dispatcher.utter_message(text=short_status(screening))
        else:
            dispatcher.utter_message(text="Screening complete. Summary per trial:")
            for line in summary_lines(screening):
                dispatcher.utter_message(text=line)
        state["summarized"] = True
        state["asked"] = None
        emit(dispatcher, tracker, state)
        return [SlotSet(SLOT, state)]
