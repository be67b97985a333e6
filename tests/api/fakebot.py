"""A fake Rasa at the seam (api.screenings.bot_client): the same contract as the real assistant,
driven by the criteria engine, with switches for the ways the real one fails."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from api.screenings.bot_client import BotUnavailable
from criteria import Screening, load_trials

TRIALS = load_trials()
# What bot/actions/form.py asks when no trial was chosen (tests/api/test_fakebot_contract.py
# compares these with a recorded real payload).
TRIALS_QUESTION = "Which trials should I screen this patient for?"
ALL_TRIALS = "All open trials"
RESTART_QUESTION = "Start over and clear every answer for this patient? yes / no"


def trials_asking() -> dict[str, Any]:
    """The `asking` object of the real action_ask_trials."""
    return {
        "fact": "trials",
        "question": TRIALS_QUESTION,
        "expected": {"kind": "trials", "choices": list(TRIALS), "hint": "all, or trial names"},
        "quick_replies": [ALL_TRIALS, *(t.short_title for t in TRIALS.values())],
    }


def fact_asking(fact: Any) -> dict[str, Any]:
    """The `asking` object of the real action_ask_answer (bot/actions/state.asking_of)."""
    return {
        "fact": fact.id,
        "question": fact.question,
        "expected": fact.expected(),
        "quick_replies": list(fact.quick_replies),
    }


@dataclass
class _Conversation:
    screening: Screening | None = None
    asked: str | None = None
    turn: int = 0
    choosing: bool = False
    restarted: bool = False  # this turn started the screening over (or took facts back)
    restart_asked: bool = False  # the last turn asked "Start over ...? yes / no"


@dataclass
class FakeRasa:
    """mode: ok | down | timeout | silent | no_custom | bad_payload | slow (sleeps `delay`)
    | forgetful (every message lands in a new, empty conversation that cannot be restored).

    Like the real assistant (bot/actions/restore.py), a conversation it does not know yet is
    rebuilt from the API's `screening_record` metadata; `forget()` is a wiped tracker store and
    `rewind()` a store restored from an old backup."""

    mode: str = "ok"
    delay: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    conversations: dict[str, _Conversation] = field(default_factory=dict)

    def send(self, *, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        self.calls.append({"sender": sender, "message": message, "metadata": metadata})
        if self.mode == "down":
            raise BotUnavailable("connection", "ConnectError: connection refused")
        if self.mode == "timeout":
            raise BotUnavailable("timeout", "no answer within 1 s")
        if self.mode == "silent":
            return []
        if self.mode == "no_custom":
            return [{"recipient_id": sender, "text": "Sorry, something went wrong."}]
        if self.mode == "bad_payload":
            return [{"recipient_id": sender, "custom": {"screening": {"status": "weird"}}}]
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "forgetful":
            self.conversations.pop(sender, None)
            metadata = {k: v for k, v in metadata.items() if k != "screening_record"}
        if sender not in self.conversations:
            self.conversations[sender] = self._restored(metadata.get("screening_record"))
        return self._turn(sender, message, metadata)

    def forget(self) -> None:
        """Every conversation gone, as after a wiped tracker store."""
        self.conversations.clear()

    def rewind(self, sender: str, keep: int) -> None:
        """This conversation as it was with only its first `keep` facts (an old backup)."""
        conv = self.conversations[sender]
        assert conv.screening is not None
        kept = dict(list(conv.screening.records.items())[:keep])
        conv.screening = Screening(conv.screening.trials, kept)

    @staticmethod
    def _restored(record: Any) -> _Conversation:
        """What action_session_start does with the record: the screening and the fact asked."""
        if not isinstance(record, dict):
            return _Conversation()
        state = record["state"]
        return _Conversation(
            screening=Screening.from_dict(state, TRIALS),
            asked=record.get("asked"),
        )

    # ---- a tiny assistant -----------------------------------------------------------------

    def _turn(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        conv = self.conversations.setdefault(sender, _Conversation())
        out: list[dict] = []
        conv.restarted = False
        if message == "/start_screening":
            conv.__init__()
        conv.turn += 1  # like Rasa: every clinician message is a turn, /start_screening too
        confirming, conv.restart_asked = conv.restart_asked, False
        if message == "restart" and conv.screening is not None:
            # like action_confirm_restart: asked back, the form paused, nothing cleared yet
            conv.restart_asked = True
            buttons = [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]
            out.append({"recipient_id": sender, "text": RESTART_QUESTION, "buttons": buttons})
            return [*out, self._custom(sender, conv, asking=None)]
        if confirming and message == "yes" and conv.screening is not None:
            conv.screening = Screening(conv.screening.trials)
            conv.restarted = True
            out.append({"recipient_id": sender, "text": "Starting over."})
        elif confirming and message == "no":
            out.append({"recipient_id": sender, "text": "Nothing was cleared; let's go on."})
        elif message in ("undo", "go back") and conv.screening is not None:
            taken = conv.screening.take_back(conv.turn)
            conv.restarted = any(r.fact not in conv.screening.records for r in taken)
            out.append({"recipient_id": sender, "text": "Taken back."})
        elif message == "/start_screening":
            if metadata.get("trials"):
                conv.screening = Screening({s: TRIALS[s] for s in metadata["trials"]})
            else:
                conv.choosing = True
                asking = trials_asking()
                buttons = [{"title": r, "payload": r} for r in asking["quick_replies"]]
                out.append({"recipient_id": sender, "text": asking["question"], "buttons": buttons})
                return [*out, self._custom(sender, conv, asking=asking)]
        elif conv.choosing:
            text = message.lower()
            low = text.lower()  # a slug, or a quick reply's trial title, as the real bot takes
            chosen = [s for s, t in TRIALS.items() if s in low or t.short_title.lower() in low]
            if "all" in text or not chosen:
                chosen = list(TRIALS)
            conv.screening, conv.choosing = Screening({s: TRIALS[s] for s in chosen}), False
            out.append({"recipient_id": sender, "text": f"Screening for {len(chosen)} trial(s)."})
        else:
            if conv.screening is None:
                conv.screening = Screening(TRIALS)
            outcome = conv.screening.answer(message, conv.turn, conv.asked)
            unsure = "know" in message.lower() or "pending" in message.lower()
            if conv.asked and conv.asked not in conv.screening.records and unsure:
                conv.screening.skip(conv.asked, message, conv.turn)
            for rejected in outcome.rejected:
                out.append({"recipient_id": sender, "text": rejected.message})
            if outcome.recorded:
                out.append({"recipient_id": sender, "text": "Noted."})
        nxt = conv.screening.next_fact()
        if nxt is None:
            conv.asked = None
            for v in conv.screening.verdicts().values():
                out.append({"recipient_id": sender, "text": v.explain()})
            return [*out, self._custom(sender, conv, asking=None)]
        conv.asked = nxt.id
        asking = fact_asking(nxt)
        buttons = [{"title": r, "payload": r} for r in asking["quick_replies"]]
        out.append({"recipient_id": sender, "text": nxt.question, "buttons": buttons})
        return [*out, self._custom(sender, conv, asking=asking)]

    def _custom(self, sender: str, conv: _Conversation, asking: dict | None) -> dict:
        if conv.screening is None:
            snapshot = {
                "status": "in_progress",
                "verdicts": {},
                "state": {"trials": [], "versions": {}, "records": {}},
            }
        else:
            snapshot = conv.screening.snapshot()
        return {
            "recipient_id": sender,
            "custom": {
                "screening": {
                    "asking": asking,
                    "recorded": [],
                    "rejected": [],
                    "corrected": [],
                    "restarted": conv.restarted,
                    **snapshot,
                }
            },
        }
