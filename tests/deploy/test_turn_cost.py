"""What Rasa sends to the action server does not grow with the conversation (issue 13).

The 30 messages of bench/conversation.yaml go to a real Rasa (through bot/serve.py, the SQL
tracker store on SQLite, as scripts/run) with a recording proxy in front of the action server
(bench/turn_profile.py).  Counts, not times: the events in the tracker of every action call and
the size of its request at the end of the conversation are compared with those near its start.
Without a session per message, turn 30 sent 387 events and 1.8 MB (bench/README.md).

Slow (trains if needed, starts `rasa run` and the action server).
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
import stack

from bench.conversation import load_conversation
from bench.turn_profile import Recorder, profiled_bot

pytestmark = pytest.mark.slow


def test_the_tracker_sent_to_the_action_server_stays_the_same_size():
    stack.train()
    recorder = Recorder()
    conversation = load_conversation()
    sender = f"turn-cost-{uuid.uuid4().hex[:8]}"
    per_turn = []
    with profiled_bot(Path(tempfile.mkdtemp(prefix="turn-cost-")), recorder) as (rasa, _store):
        replies = stack.send(rasa, sender, "/start_screening", {"trials": None})
        assert any("custom" in r for r in replies), replies
        recorder.take()
        for message in conversation.messages:
            replies = stack.send(rasa, sender, message.text, {"trials": None})
            assert any("custom" in r for r in replies), (message.text, replies)
            calls = recorder.take()
            assert calls, message.text
            # Every message is a session of its own: each call carries this message's session,
            # one clinician message.  Its session start runs in Rasa's process
            # (bot/speedups/session_start.py), so the proxy no longer sees it.
            assert all(c.user_messages == 1 for c in calls), (message.text, calls)
            assert all(c.action != "action_session_start" for c in calls), calls
            per_turn.append(calls)
    events = [max(c.events for c in calls) for calls in per_turn]
    sizes = [max(c.request_bytes for c in calls) for calls in per_turn]
    # Near the start (messages 2-6: the state is still small) and at the end (25-30: the
    # screening is complete, 25 facts known, a referral letter among them).
    early_events, late_events = max(events[1:6]), max(events[24:])
    assert late_events <= early_events + 10, events
    # The state grows with the facts known (not with the messages): a few times its early
    # size at most, never the conversation's megabytes.
    assert max(sizes[24:]) < 200_000, sizes
    assert max(sizes[24:]) <= 6 * max(sizes[1:6]), sizes
