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
