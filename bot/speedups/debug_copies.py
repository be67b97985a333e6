"""Rasa's deep copies of events for its debug logs, made only when debug logs are on.

Rasa 3.6's message processor passes `copy.deepcopy(events)` (and of the parse data) to
`structlogger.debug`: the copies are made on every action whatever the log level, and this
screener's events carry the whole screening in its slot, so they were about a seventh of
Rasa's CPU per turn.  Every `copy.deepcopy` call in `rasa.core.processor` is such a log
argument; they are now made only when the `rasa` logger is at debug level (`--debug`), where
the logs read the same as before.
"""

from __future__ import annotations

import copy
import logging
from types import SimpleNamespace
from typing import Any, TypeVar

import rasa.core.processor

T = TypeVar("T")


def deepcopy_for_debug_log(value: T, memo: Any = None) -> T:
    """A deep copy of `value` when debug logs are on; else `value`, which nothing logs."""
    if logging.getLogger("rasa").isEnabledFor(logging.DEBUG):
        return copy.deepcopy(value, memo)
    return value


def install() -> None:
    rasa.core.processor.copy = SimpleNamespace(  # type: ignore[attr-defined]
        deepcopy=deepcopy_for_debug_log, copy=copy.copy
    )
