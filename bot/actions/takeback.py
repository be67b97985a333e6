"""Going back: "go back" / "undo" takes back the last answer, and the form asks it again.

`Screening.take_back` does the work (an earlier value comes back, the record's history keeps
what was taken back); the API's transcript keeps the clinician's words either way.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.state import SLOT, load, save, screening_of, set_outcome, user_turn
from criteria import INELIGIBLE, FactRecord, Screening


def taken_back_line(screening: Screening, taken: list[FactRecord]) -> str:
    """ "Taken back: age 68 (“sorry, she is 68, not 72”); it is 72 again." """
    parts = []
    for record in taken:
        label = screening.facts[record.fact].label
        part = f"{label} {record.to_dict()['display']} (“{record.text}”)"
        now = screening.records.get(record.fact)
        if now is not None and now.source != "derived":
            part += f"; it is {now.to_dict()['display']} again"
        parts.append(part)
    return "Taken back: " + "; ".join(parts) + "."


class ActionTakeBack(Action):
    def name(self) -> str:
        return "action_take_back"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        turn = user_turn(tracker)
        set_outcome(state, tracker)
        before = {slug: v.status for slug, v in screening.verdicts().items()} if screening else {}
        taken = screening.take_back(turn) if screening else []
        if screening is None or not taken:
            dispatcher.utter_message(text="There is no answer to take back yet.")
            return [SlotSet(SLOT, state)]
        dispatcher.utter_message(text=taken_back_line(screening, taken))
        if any(r.fact not in screening.records for r in taken):
            state["restarted_turn"] = turn  # tells the API these facts go on purpose
        for slug, verdict in screening.verdicts().items():
            if before.get(slug) == INELIGIBLE and verdict.status != INELIGIBLE:
                dispatcher.utter_message(text=f"{verdict.title}: no longer excluded.")
        state["summarized"] = False
        state = save(state, screening)
        return [SlotSet(SLOT, state), SlotSet("trials", state["trials"])]
