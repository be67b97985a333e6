"""Reading one message into the screening through `criteria`, and saying what it did."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.state import set_outcome, user_turn
from bot.actions.text import ineligible_now, not_usable
from criteria import INELIGIBLE, Screening
from criteria.reading.extraction import Rejected
from criteria.reading.message import is_skip, is_unknown, kind_of


def expectation(screening: Screening, fact_id: str) -> str:
    if fact_id not in screening.facts:  # a grouped question
        return "the values or items it lists, as you have them"
    fact = screening.facts[fact_id]
    if fact.hint:
        return fact.hint
    if fact.quick_replies:
        return "one of: " + ", ".join(fact.quick_replies)
    return fact.question


def _noted(screening: Screening, fact_id: str, display: str, excluded: list[str]) -> str:
    """ "myocardial infarction 4 months ago, which excludes Stage IV NSCLC: ..." """
    fact = screening.facts[fact_id]
    unit = f" {fact.unit}" if fact.unit and fact.unit != "%" and display != "unknown" else ""
    said = f"{fact.label}: {display}{unit}"
    if excluded:
        said += ", which excludes " + " and ".join(dict.fromkeys(excluded))
    return said


def _repeated_twice(state: dict[str, Any], asked: str, outcome: Any) -> bool:
    """Has the pending question now twice been answered only with facts already known?"""
    if outcome.recorded or outcome.rejected:
        state["repeats"] = None
        return False
    previous = state.get("repeats") or {}
    count = previous.get("count", 0) + 1 if previous.get("fact") == asked else 1
    state["repeats"] = {"fact": asked, "count": count}
    return count >= 2


def _unusable_twice(state: dict[str, Any], asked: str) -> bool:
    """Is this the second (or later) answer in a row the pending question could not use?"""
    previous = state.get("unusable") or {}
    count = previous.get("count", 0) + 1 if previous.get("fact") == asked else 1
    state["unusable"] = {"fact": asked, "count": count}
    return count >= 2


def _reason(screening: Screening, rejected: Rejected) -> str:
    """What a rejection says without its fact's question, or "" when it is mostly a question."""
    message = rejected.message.strip()
    fact = screening.facts.get(rejected.fact)
    if fact is not None and message.endswith(fact.question):
        message = message[: -len(fact.question)].strip()
    return "" if "?" in message else message


def say_rejected(
    dispatcher: CollectingDispatcher,
    screening: Screening,
    rejected: list[Rejected],
    asked: str | None,
) -> None:
    """Why values were not recorded, asking no question: the reply ends with one question, the
    next one (the form asks it), so that a bare "no" can only answer that one. The pending
    fact's own rejection keeps its question only when it is its own ("Which is the current
    one?"); another fact's is noted, and its question comes in its turn."""
    later = []
    for r in rejected:
        if r.fact == asked:
            dispatcher.utter_message(text=_reason(screening, r) or r.message)
        else:
            later.append(
                _reason(screening, r) or f"I couldn't settle the {screening.label_of(r.fact)}."
            )
    if later:
        labels = list(
            dict.fromkeys(screening.label_of(r.fact) for r in rejected if r.fact != asked)
        )
        them = "it" if len(labels) == 1 else "them"
        dispatcher.utter_message(
            text=" ".join(later)
            + f" Nothing recorded for the {' or the '.join(labels)}; I'll ask about {them}"
            " when it matters."
        )


def offer_choices(dispatcher: CollectingDispatcher, screening: Screening, asked: str) -> None:
    """After two unusable answers: the question's quick replies and "skip", not the same words."""
    question = screening.facts.get(asked) or screening.groups[asked]
    choices = [*question.quick_replies, "skip"]
    dispatcher.utter_message(
        text=f"I still can't use that for the {screening.label_of(asked)}. "
        + ("Pick an answer below, or say “skip”" if question.quick_replies else "Say “skip”")
        + " to leave it unknown for now and go on.",
        buttons=[{"title": c, "payload": c} for c in choices],
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
    the clinician's words), values refused or unclear with what is expected, facts already
    known, and clinical things that are no question of these trials.  Returns whether the
    message was understood; when it was not, nothing changed.
    """
    text = text or ""
    turn = user_turn(tracker)
    kind = kind_of(text)
    set_outcome(state, tracker)
    if kind in ("empty", "long", "emoji"):
        dispatcher.utter_message(text=not_usable(kind, len(text)))
        return False
    if asked and is_skip(text):
        records = screening.skip(asked, text, turn)
        set_outcome(state, tracker, recorded=[r.to_dict() for r in records])
        label = screening.label_of(asked)
        dispatcher.utter_message(text=f"Skipped: {label} stays unknown.")
        return True
    before = {slug: v.status for slug, v in screening.verdicts().items()}
    outcome = screening.answer(text, turn, asked)
    set_outcome(state, tracker, outcome)
    unusable = (outcome.blocked or not outcome.noticed) and kind != "foreign"
    twice = bool(asked and unusable and not is_unknown(text) and _unusable_twice(state, asked))
    if asked and not unusable:
        state["unusable"] = None
    say_rejected(dispatcher, screening, outcome.rejected, asked)
    if twice:
        offer_choices(dispatcher, screening, asked)
        return outcome.blocked
    if outcome.blocked:
        return True
    if not outcome.noticed:
        if kind == "foreign":
            reply = not_usable(kind)
        elif asked and is_unknown(text):
            reply = f"Noted: {screening.label_of(asked)} unknown."
            records = screening.skip(asked, text, turn)
            set_outcome(state, tracker, recorded=[r.to_dict() for r in records])
            dispatcher.utter_message(text=reply)
            return True
        elif asked:
            label = screening.label_of(asked)
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
    if outcome.repeated:
        known = ", ".join(
            f"{screening.facts[f].label} {screening.records[f].to_dict()['display']}"
            for f in outcome.repeated
        )
        dispatcher.utter_message(text=f"I already have that ({known}).")
        if asked and _repeated_twice(state, asked, outcome):
            # the same known fact again for the same question: the clinician has nothing more
            records = screening.skip(asked, text, turn)
            set_outcome(state, tracker, recorded=[r.to_dict() for r in records])
            label = screening.label_of(asked)
            dispatcher.utter_message(text=f"I'll leave the {label} unknown; you can give it later.")
    if outcome.others and not outcome.recorded:
        dispatcher.utter_message(
            text=f"I can't use what you said about {', '.join(outcome.others)}: "
            "it is not one of the screening questions for these trials."
        )
    excludes: dict[str, list[str]] = {}  # fact -> trials its value newly excludes
    for verdict in outcome.newly_decided:
        if verdict.status == INELIGIBLE:
            for reason in verdict.reasons:
                for name in reason.decided_by:
                    excludes.setdefault(name, []).append(verdict.title)
    noted = [
        _noted(screening, r.fact, r.to_dict()["display"], excludes.get(r.fact, []))
        for r in outcome.recorded
        if r.fact != asked and r.source != "correction"
    ]
    if noted:
        dispatcher.utter_message(text="Noted: " + "; ".join(noted) + ".")
    if asked and any(r.fact == asked and r.value is None for r in outcome.recorded):
        dispatcher.utter_message(
            text=f"Noted: {screening.label_of(asked)} unknown. I need a confirmed answer "
            "to decide on it; you can correct it later."
        )
    for verdict in outcome.newly_decided:
        if verdict.status == INELIGIBLE:
            dispatcher.utter_message(text=ineligible_now(verdict))
        elif before.get(verdict.trial) == INELIGIBLE:
            dispatcher.utter_message(
                text=f"{verdict.title}: no longer excluded after the correction ({verdict.status})."
            )
    return True
