"""What the clinician can say outside the questions: why, help, which trials, stop, updates.

Inside the form these run between two questions and the form asks again (and sends the
structured message); outside the form they send the structured message themselves.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.reading import read_message
from bot.actions.start import restart, restart_confirmed
from bot.actions.state import SLOT, emit, form_active, load, open_trials, save, screening_of
from bot.actions.text import HELP, chosen_trials, not_usable, summary_lines, trial_list
from criteria import Screening
from criteria.reading.message import kind_of


def _finish(dispatcher: CollectingDispatcher, tracker: Tracker, state: dict[str, Any]) -> None:
    if not form_active(tracker):
        emit(dispatcher, tracker, state)


class ActionWhy(Action):
    def name(self) -> str:
        return "action_why"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        asked = state.get("asked") if screening else None
        if screening is None:
            dispatcher.utter_message(
                text="I need to know which trials to screen for before I ask about the patient."
            )
        elif not asked:
            dispatcher.utter_message(text="I'm not asking anything right now.")
        else:
            group = screening.groups.get(asked)
            if group is not None:
                lines = [f"I ask these together because: {group.why}"]
                asked_facts = list(group.facts)
            else:
                lines = [
                    f"I ask about the {screening.facts[asked].label} because: "
                    f"{screening.facts[asked].why}"
                ]
                asked_facts = [asked]
            for name in asked_facts:
                lines += [f"• {title}: “{text}”" for title, text in screening.why(name)]
            dispatcher.utter_message(text="\n".join(lines))
        _finish(dispatcher, tracker, state)
        return []


class ActionHelp(Action):
    def name(self) -> str:
        return "action_help"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=HELP)
        _finish(dispatcher, tracker, load(tracker))
        return []


class ActionListTrials(Action):
    def name(self) -> str:
        return "action_list_trials"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        text = trial_list(open_trials())
        screening = screening_of(state, tracker)
        if screening is not None:
            text += "\nThis screening: " + ", ".join(
                t.short_title for t in screening.trials.values()
            )
        dispatcher.utter_message(text=text)
        _finish(dispatcher, tracker, state)
        return []


class ActionStop(Action):
    def name(self) -> str:
        return "action_stop"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        if screening is not None and screening.complete:
            dispatcher.utter_message(text="The screening is already complete.")
        else:
            dispatcher.utter_message(
                text="Screening stopped. Answer the last question or say “restart” to go on."
            )
        if screening is not None:
            for line in summary_lines(screening):
                dispatcher.utter_message(text=line)
        emit(dispatcher, tracker, state)
        return [SlotSet("requested_slot", None)]


class ActionUpdate(Action):
    """A message outside the form (facts, a correction, trials, "don't know", off-topic, or
    the yes / no to "Start over ...?").

    Reads it through `criteria`; the form runs next and asks what is still needed or ends with
    the summary.
    """

    def name(self) -> str:
        return "action_update"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        state = load(tracker)
        confirmed = restart_confirmed(tracker, state)
        if confirmed:
            return restart(dispatcher, tracker)
        if confirmed is False:
            dispatcher.utter_message(text="Nothing was cleared; let's go on.")
            return []
        screening = screening_of(state, tracker)
        trials = open_trials()
        chosen = chosen_trials(text, trials) if intent == "choose_trials" else None
        if chosen:
            previous = screening.to_dict() if screening else {}
            kept = {k: previous.get(k) or {} for k in ("records", "texts")}
            screening = Screening.from_dict({"trials": chosen, **kept}, trials)
            names = ", ".join(t.short_title for t in screening.trials.values())
            dispatcher.utter_message(text=f"Screening for: {names}.")
            state = save(state, screening)
            return [SlotSet(SLOT, state), SlotSet("trials", chosen)]
        if screening is None:
            if kind_of(text) is None and Screening(trials).answer(text, 0, None).understood:
                screening = Screening(trials)
                state["trials"] = list(trials)
            else:
                dispatcher.utter_message(text=not_usable(kind_of(text), len(text)))
                return []
        asked = state.get("asked")
        if intent == "out_of_scope" and kind_of(text) is None:
            probe = Screening.from_dict(screening.to_dict(), trials)
            if not probe.answer(text, 0, asked).noticed:
                dispatcher.utter_message(text=not_usable(None))
                return []
        read_message(dispatcher, tracker, state, screening, text, asked)
        state = save(state, screening)
        return [SlotSet(SLOT, state), SlotSet("trials", state["trials"])]
