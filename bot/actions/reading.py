"""Reading one message into the screening through `criteria`, and saying what it did."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.state import set_outcome, user_turn
from bot.actions.text import ineligible_now, is_skip, is_unknown, kind_of, not_usable
from criteria import INELIGIBLE, Screening


def expectation(screening: Screening, fact_id: str) -> str:
    fact = screening.facts[fact_id]
    if fact.hint:
        return fact.hint
    if fact.quick_replies:
        return "one of: " + ", ".join(fact.quick_replies)
    return fact.question


def _repeats_known_facts(screening: Screening, text: str, asked: str) -> bool:
    probe = Screening(screening.trials)
    outcome = probe.answer(text, 0, asked)
    known = screening.records
    return bool(outcome.recorded) and all(
        r.fact in known and known[r.fact].value == r.value for r in outcome.recorded
    )


def read_message(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    state: dict[str, Any],
    screening: Screening,
    text: str,
    asked: str | None,
) -> bool:
    """Record what `text` says (answer to `asked`, other facts, corrections, "don't know").

    Says at once what changed: corrections, trials that became ineligible (criterion text and
    the clinician's words), refused implausible values, or what is expected instead.  Returns
    whether the message was understood; when it was not, nothing changed.
    """
    text = text or ""
    turn = user_turn(tracker)
    kind = kind_of(text)
    set_outcome(state, tracker)
    if kind in ("empty", "long", "emoji"):
        dispatcher.utter_message(text=not_usable(kind, len(text)))
        return False
    if asked and is_skip(text):
        record = screening.record_unknown(asked, text, turn)
        set_outcome(state, tracker, recorded=[record.to_dict()])
        label = screening.facts[asked].label
        dispatcher.utter_message(text=f"Skipped: {label} stays unknown.")
        return True
    before = {slug: v.status for slug, v in screening.verdicts().items()}
    outcome = screening.answer(text, turn, asked)
    if not outcome.understood and asked and is_unknown(text):
        record = screening.record_unknown(asked, text, turn)
        set_outcome(state, tracker, recorded=[record.to_dict()])
        dispatcher.utter_message(text=f"Noted: {screening.facts[asked].label} unknown.")
        return True
    if not outcome.understood and asked and _repeats_known_facts(screening, text, asked):
        # Said again (e.g. a Karnofsky score when asked for ECOG): nothing more to learn about
        # the asked fact, so it stays unknown instead of being asked forever.
        record = screening.record_unknown(asked, text, turn)
        set_outcome(state, tracker, recorded=[record.to_dict()])
        label = screening.facts[asked].label
        dispatcher.utter_message(text=f"I already have that. I'll note the {label} as unknown.")
        return True
    set_outcome(state, tracker, outcome)
    if outcome.rejected:
        for rejected in outcome.rejected:
            dispatcher.utter_message(text=rejected.message)
        return True
    if not outcome.understood:
        if kind == "foreign":
            reply = not_usable(kind)
        elif asked:
            label = screening.facts[asked].label
            expected = expectation(screening, asked)
            reply = f"Sorry, I couldn't read that as the {label}. I need {expected}."
        else:
            reply = "I couldn't find anything about the patient in that message."
        dispatcher.utter_message(text=reply)
        return False
    for change in outcome.corrected:
        dispatcher.utter_message(
            text=f"Corrected {change['label']}: {change['from']} → {change['to']}. "
            "Every trial is re-evaluated."
        )
    for conflict in outcome.conflicts:
        dispatcher.utter_message(
            text=f"You mentioned {conflict['label']} {conflict['mentioned']}, but earlier I noted "
            f"{conflict['recorded']}, so I kept {conflict['recorded']}. To change it, say "
            f"“correction: {conflict['label']} {conflict['mentioned']}”."
        )
    noted = [
        f"{screening.facts[r.fact].label}: {r.to_dict()['display']}"
        for r in outcome.recorded
        if r.fact != asked and r.source != "correction"
    ]
    if noted:
        dispatcher.utter_message(text="Noted — " + "; ".join(noted) + ".")
    elif asked and any(r.fact == asked and r.value is None for r in outcome.recorded):
        dispatcher.utter_message(text=f"Noted: {screening.facts[asked].label} unknown.")
    for verdict in outcome.newly_decided:
        if verdict.status == INELIGIBLE:
            dispatcher.utter_message(text=ineligible_now(verdict))
        elif before.get(verdict.trial) == INELIGIBLE:
            dispatcher.utter_message(
                text=f"{verdict.title}: no longer excluded after the correction ({verdict.status})."
            )
    return True
