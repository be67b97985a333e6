"""Objects a server loaded at start frozen out of the garbage collector's walks (bot/heap.py):
Rasa once its model is loaded (bot/speedups/frozen_heap.py), the action server once reading is
prepared (bot/actions/server_start.py). Run in .venv-bot."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest
import rasa.core.run
from frozen_heap_check import check_collects_garbage_then_freezes

from bot.heap import freeze_long_lived
from bot.speedups import frozen_heap


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_freezing_collects_garbage_first_and_freezes_the_rest(unfrozen):
    check_collects_garbage_then_freezes(freeze_long_lived)


def test_rasa_freezes_once_its_model_is_loaded(monkeypatch, unfrozen):
    loaded = []

    async def load_agent_on_start(*args, **kwargs):
        loaded.append(gc.get_freeze_count())
        return "the agent"

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)
    frozen_heap.install()
    frozen_heap.install()  # a second install does not wrap twice
    assert rasa.core.run.load_agent_on_start.__wrapped__ is load_agent_on_start
    agent = asyncio.run(rasa.core.run.load_agent_on_start("model", None, None, "app", "loop"))
    assert agent == "the agent"
    assert loaded == [0]  # not frozen before the model is loaded ...
    assert gc.get_freeze_count() > 0  # ... but after


def _wait_for(log: Path, text: str, seconds: float = 180.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text in content:
            return content
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {log} after {seconds:g} s:\n{content[-3000:]}")


@pytest.mark.slow
def test_real_servers_prepare_and_freeze_when_they_start(stack):
    _wait_for(stack.log_dir / "actions.log", "Reading prepared in")
    _wait_for(stack.log_dir / "rasa.log", "long-lived objects frozen")
