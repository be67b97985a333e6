"""Rasa's long-lived objects moved out of the garbage collector's way once its model is loaded.

After loading its model Rasa holds about half a million objects. Its full collections ran every
5-15 s under load and took 180-240 ms, during which Rasa answered nothing: every message that
arrived meanwhile waited, and the clinicians who sent them were answered, and wrote back,
together. Freezing what is loaded (`bot.heap`) makes a full collection take a few ms.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import rasa.core.run

from bot.heap import freeze_long_lived

# Under the `rasa` logger, which Rasa sets to its log level (its root logger is at WARNING).
log = logging.getLogger("rasa.speedups.frozen_heap")


def install() -> None:
    load = rasa.core.run.load_agent_on_start
    if getattr(load, "freezes_heap", False):
        return

    @functools.wraps(load)
    async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        log.info("%d long-lived objects frozen", freeze_long_lived())
        return agent

    load_agent_on_start.freezes_heap = True  # type: ignore[attr-defined]
    rasa.core.run.load_agent_on_start = load_agent_on_start
