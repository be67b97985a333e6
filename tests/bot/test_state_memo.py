"""The screenings one clinician message rebuilds from the slot share one criteria Memo; two
conversations never share one, even about patients described in the same words."""

from __future__ import annotations

import pytest

pytest.importorskip("rasa_sdk", reason="the bot's actions need rasa_sdk (.venv-bot)")

from rasa_sdk import Tracker
from test_actions import state_with

from bot.actions import state as bot_state
from bot.actions.state import screening_of

pytestmark = pytest.mark.bot


def tracker_for(sender_id: str, message_id: str = "m1") -> Tracker:
    """As the action server gets it: the latest user event carries Rasa's message id."""
    events = [
        {"event": "user", "text": "earlier", "message_id": "m0"},
        {"event": "bot", "text": "?"},
        {"event": "user", "text": "now", "message_id": message_id},
        {"event": "slot", "name": "screening", "value": None},
    ]
    return Tracker(sender_id, {}, {}, events, False, None, {}, None)


def test_one_conversation_shares_its_results_and_two_do_not():
    state = state_with(histology="NSCLC", stage="IV")
    first = screening_of(state, tracker_for("conversation-a"))
    again = screening_of(state, tracker_for("conversation-a"))
    other = screening_of(state, tracker_for("conversation-b"))
    assert first.verdicts()["primary-rt"] is again.verdicts()["primary-rt"]
    assert other.verdicts()["primary-rt"] is not first.verdicts()["primary-rt"]
    assert other.verdicts() == first.verdicts()
    alone = screening_of(state)  # no conversation: a memo of its own
    assert alone.verdicts()["primary-rt"] is not first.verdicts()["primary-rt"]


def test_the_next_message_starts_a_fresh_memo():
    state = state_with(histology="NSCLC", stage="IV")
    first = screening_of(state, tracker_for("conversation-c", "m1"))
    next_turn = screening_of(state, tracker_for("conversation-c", "m2"))
    assert next_turn.memo is not first.memo
    assert next_turn.verdicts() == first.verdicts()


def test_only_the_latest_conversations_keep_a_memo(monkeypatch):
    monkeypatch.setattr(bot_state, "CONVERSATIONS_KEPT", 3)
    monkeypatch.setattr(bot_state, "_memos", type(bot_state._memos)())
    for n in range(5):
        bot_state.memo_of(tracker_for(f"c{n}"))
    bot_state.memo_of(tracker_for("c2"))  # a turn of an older conversation keeps it
    bot_state.memo_of(tracker_for("c5"))
    assert list(bot_state._memos) == ["c4", "c2", "c5"]
