"""Fixtures for the assistant's tests (run in .venv-bot)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
for path in (str(REPO), str(TESTS)):
    if path not in sys.path:
        sys.path.insert(0, path)


@pytest.fixture(scope="session")
def stack():
    """One real Rasa stack (rasa run + action server) for every end-to-end test module."""
    from stack import bot_stack

    with bot_stack() as running:
        yield running


@pytest.fixture
def installed(monkeypatch):
    """bot/speedups/session_start.py's in-process session start, as bot/serve.py installs it
    (tests/bot/test_session_start.py, test_record_aside.py)."""
    import rasa.core.actions.action as rasa_actions
    from rasa.core.actions.action import RemoteAction

    from bot.speedups import requests, session_start

    monkeypatch.setattr(RemoteAction, "_action_call_format", requests.action_call_format)
    monkeypatch.setattr(
        rasa_actions, "action_for_name_or_text", session_start.action_for_name_or_text
    )
    monkeypatch.setattr(session_start, "_in_process", {})
