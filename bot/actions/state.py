"""The screening kept in the `screening` slot, and the structured message sent to the API.

The slot holds `Screening.to_dict()` plus a little bookkeeping: the fact being asked, the
outcome of the latest message (so the action that ends the bot turn can report it) and whether
the summary was already given.  Verdicts are always recomputed by `criteria`, never stored.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from criteria import AnswerOutcome, Fact, Memo, Screening, Trial, load_trials

SLOT = "screening"
TURNS_BEFORE = "turns_before"  # clinician messages in earlier sessions (bot/actions/restore.py)


@lru_cache(maxsize=1)
def open_trials() -> dict[str, Trial]:
    """Every trial file in criteria/trials: a new trial needs no change here."""
    return load_trials()


def empty_state(trials: list[str] | None = None) -> dict[str, Any]:
    return {
        "trials": list(trials or []),
        "versions": {},
        "records": {},
        "asked": None,
        "outcome": None,
        "summarized": False,
    }


def load(tracker: Tracker) -> dict[str, Any]:
    state = tracker.get_slot(SLOT)
    if not isinstance(state, dict):
        return empty_state()
    return {**empty_state(), **copy.deepcopy(state)}


def screening_of(state: dict[str, Any], tracker: Tracker | None = None) -> Screening | None:
    """The screening, or None while no trial is chosen yet.

    Given the conversation's tracker, the screening shares its verdicts and next questions
    with the other screenings rebuilt for the same clinician message (one turn rebuilds it
    several times: criteria `Memo`)."""
    trials = open_trials()
    if not any(slug in trials for slug in state.get("trials") or []):
        return None
    memo = memo_of(tracker) if tracker is not None else None
    return Screening.from_dict(state, trials, memo=memo)


CONVERSATIONS_KEPT = 64  # the memos of the conversations with the latest turns
_memos: OrderedDict[str, tuple[Any, Memo]] = OrderedDict()
_memos_lock = threading.Lock()


def memo_of(tracker: Tracker) -> Memo:
    """The memo of a conversation's current clinician message: one patient, one turn.

    A turn's actions rebuild the screening from the same few states; the next message starts
    a fresh memo, so what a conversation keeps is its latest turn's results only (a memo per
    conversation kept every turn's, about 30 MiB over 200 conversations)."""
    message = current_message(tracker)
    with _memos_lock:
        kept = _memos.get(tracker.sender_id)
        if kept is None or kept[0] != message:
            kept = _memos[tracker.sender_id] = (message, Memo())
        _memos.move_to_end(tracker.sender_id)
        while len(_memos) > CONVERSATIONS_KEPT:
            _memos.popitem(last=False)
        return kept[1]


def current_message(tracker: Tracker) -> Any:
    """The id Rasa gave the clinician's latest message (its user event carries it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("message_id")
    return None


def save(state: dict[str, Any], screening: Screening | None) -> dict[str, Any]:
    if screening is not None:
        state.update(screening.to_dict())
    return state


def user_turn(tracker: Tracker) -> int:
    """The number of the clinician's current message in this conversation (1-based).

    Each message starts a new Rasa session.  Rasa sends the events of the session that
    ended and of the new one, so the messages of the latest session are counted here and those
    of every earlier session are in the `turns_before` slot (set when the latest began)."""
    before = tracker.get_slot(TURNS_BEFORE)
    before = before if isinstance(before, int) and not isinstance(before, bool) else 0
    latest = 0
    for event in tracker.events:
        if event.get("event") == "session_started":
            latest = 0
        elif event.get("event") == "user":
            latest += 1
    return before + latest


def set_outcome(
    state: dict[str, Any],
    tracker: Tracker,
    outcome: AnswerOutcome | None = None,
    recorded: list[dict[str, Any]] | None = None,
) -> None:
    """Remember what this message did, for the structured message at the end of the turn."""
    previous = state.get("outcome") or {}
    turn = user_turn(tracker)
    if previous.get("turn") != turn:
        previous = {"turn": turn, "recorded": [], "rejected": [], "corrected": []}
    if outcome is not None:
        previous["recorded"] += [r.to_dict() for r in outcome.recorded]
        previous["rejected"] += [{"fact": r.fact, "message": r.message} for r in outcome.rejected]
        previous["corrected"] += list(outcome.corrected)
    previous["recorded"] += recorded or []
    state["outcome"] = previous
    if outcome is not None and (outcome.recorded or outcome.corrected):
        state["summarized"] = False


def asking_of(fact: Fact | None) -> dict[str, Any] | None:
    if fact is None:
        return None
    return {
        "fact": fact.id,
        "question": fact.question,
        "expected": fact.expected(),
        "quick_replies": list(fact.quick_replies),
    }


def payload(
    tracker: Tracker, state: dict[str, Any], asking: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The structured message that ends every bot turn (the API stores it as records)."""
    screening = screening_of(state, tracker)
    outcome = state.get("outcome") or {}
    if outcome.get("turn") != user_turn(tracker):
        outcome = {}
    if screening is None:
        snapshot = {
            "status": "in_progress",
            "verdicts": {},
            "state": {"trials": [], "versions": {}, "records": {}},
        }
    else:
        snapshot = screening.snapshot()
    return {
        "screening": {
            "asking": asking,
            "recorded": outcome.get("recorded", []),
            "rejected": outcome.get("rejected", []),
            "corrected": outcome.get("corrected", []),
            "restarted": state.get("restarted_turn") == user_turn(tracker),
            **snapshot,
        }
    }


def emit(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    state: dict[str, Any],
    asking: dict[str, Any] | None = None,
) -> None:
    """Send the structured message; call it once per bot turn, from the turn's last action."""
    dispatcher.utter_message(json_message=payload(tracker, state, asking))


def form_active(tracker: Tracker) -> bool:
    loop = tracker.active_loop or {}
    return bool(loop.get("name"))
