"""The screening form: one generic `answer` slot re-requested until every trial is decided.

`required_slots` comes from `criteria`: `trials` until trials are chosen, then `answer` while
`Screening.next_fact()` has a question, then nothing, which ends the form.  The question is
asked by `action_ask_answer` from the fact registry, so a new trial needs no change here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.reading import read_message
from bot.actions.state import (
    SLOT,
    asking_of,
    emit,
    load,
    open_trials,
    save,
    screening_of,
    set_outcome,
)
from bot.actions.text import INTENT_WORDS, chosen_trials, not_usable
from criteria import Screening
from criteria.reading.message import kind_of

# Intents that interrupt the form (they are `not_intent` in the slot mappings too).
OUT_OF_FORM = frozenset(INTENT_WORDS)
TRIALS_QUESTION = "Which trials should I screen this patient for?"
ALL_TRIALS = "All open trials"


def misrouted(tracker: Tracker, slot: str) -> dict[str, Any]:
    """Fill `slot` with a message the classifier sent out of the form by mistake.

    A message classified as, say, `stop` but without a word that says so ("No.") or one that
    cannot be an instruction (emoji, 5,000 characters) is read as the answer instead.
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    if intent not in OUT_OF_FORM or text.startswith("/"):
        return {}
    if slot == "trials" and "?" not in text and chosen_trials(text, open_trials()):
        return {slot: text}
    if kind_of(text) is None and INTENT_WORDS[intent].search(text):
        return {}
    return {slot: text}


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> str:
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        screening = screening_of(load(tracker), tracker)
        if screening is None:
            return ["trials"]
        return ["answer"] if screening.next_fact() is not None else []

    async def extract_trials(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return misrouted(tracker, "trials")

    async def extract_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return misrouted(tracker, "answer")

    def validate_trials(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = value if isinstance(value, str) else ""
        trials = open_trials()
        state = load(tracker)
        if isinstance(value, list):  # chosen through metadata by action_start_screening
            return {"trials": [slug for slug in value if slug in trials] or None}
        chosen = chosen_trials(text, trials)
        if chosen is not None:
            screening = Screening({slug: trials[slug] for slug in chosen})
            names = ", ".join(trials[slug].short_title for slug in chosen)
            dispatcher.utter_message(text=f"Screening for: {names}.")
            set_outcome(state, tracker)
            state = save(state, screening)
            return {"trials": chosen, SLOT: state}
        kind = kind_of(text)
        if kind is None:
            # An opening message with facts: screen for every open trial and keep the facts.
            screening = Screening(trials)
            probe = Screening(trials)
            if probe.answer(text, 0, None).understood:
                dispatcher.utter_message(text="I'll screen for all open trials.")
                read_message(dispatcher, tracker, state, screening, text, None)
                state = save(state, screening)
                return {"trials": list(trials), SLOT: state}
        reply = not_usable(kind, len(text)) if kind else "I didn't catch which trials."
        dispatcher.utter_message(
            text=f"{reply} Say “all” or name a trial: "
            + ", ".join(t.short_title for t in trials.values())
            + "."
        )
        return {"trials": None}

    def validate_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        if screening is None:
            return {"answer": None}
        pending = screening.next_fact()
        asked = state.get("asked") or (pending.id if pending else None)
        if pending is not None and asked != pending.id:
            asked = pending.id
        read_message(dispatcher, tracker, state, screening, str(value or ""), asked)
        return {"answer": None, SLOT: save(state, screening)}


class ActionAskTrials(Action):
    def name(self) -> str:
        return "action_ask_trials"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        trials = open_trials()
        replies = [ALL_TRIALS, *(t.short_title for t in trials.values())]
        dispatcher.utter_message(
            text=TRIALS_QUESTION, buttons=[{"title": r, "payload": r} for r in replies]
        )
        asking = {
            "fact": "trials",
            "question": TRIALS_QUESTION,
            "expected": {"kind": "trials", "choices": list(trials), "hint": "all, or trial names"},
            "quick_replies": replies,
        }
        emit(dispatcher, tracker, load(tracker), asking)
        return []


class ActionAskAnswer(Action):
    def name(self) -> str:
        return "action_ask_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        state = load(tracker)
        screening = screening_of(state, tracker)
        fact = screening.next_fact() if screening else None
        if fact is not None:
            dispatcher.utter_message(
                text=fact.question,
                buttons=[{"title": q, "payload": q} for q in fact.quick_replies],
            )
            state["asked"] = fact.id
        emit(dispatcher, tracker, state, asking_of(fact))
        return [SlotSet(SLOT, state)]
