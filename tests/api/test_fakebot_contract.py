"""The fake bot sends what the real assistant sends: the same payload fields, the same
`asking` object (with `expected` as an object), the same records and verdicts, compared with
conversations recorded from the real bot (tests/api/contract.py); the recording is itself
checked against a live Rasa stack in the slow test."""

from __future__ import annotations

import json

import pytest
from contract import RECORDED, play
from fakebot import FakeRasa


def recorded() -> dict:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


def test_the_fake_sends_what_the_real_bot_sent():
    fake = FakeRasa()
    played = play(lambda sender, message, metadata: fake.send(
        sender=sender, message=message, metadata=metadata
    ))  # fmt: skip
    assert played == recorded()


def test_the_asking_object_carries_the_expected_answer_as_an_object():
    for turns in recorded().values():
        for turn in turns:
            if turn["asking"]:
                assert isinstance(turn["asking"]["expected"], dict), turn["asking"]
                assert turn["question_buttons"] == [
                    {"title": r, "payload": r} for r in turn["asking"]["quick_replies"]
                ]


@pytest.mark.slow
def test_the_recording_is_what_the_real_bot_sends_now():
    import stack

    with stack.bot_stack() as running:
        played = play(lambda s, m, md: stack.send(running.rasa, s, m, md))
    assert played == recorded(), "the real payload changed: re-record with tests/api/contract.py"
