"""The check shared by tests/api/test_heap.py and tests/bot/test_frozen_heap.py: the API and the
bot each have their own `freeze_long_lived` (api/core/heap.py, bot/heap.py; neither imports the
other's package), and both must collect garbage before they freeze."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable


class _Cycle:
    other: _Cycle


def check_collects_garbage_then_freezes(freeze_long_lived: Callable[[], int]) -> None:
    a, b = _Cycle(), _Cycle()
    a.other, b.other = b, a
    garbage = weakref.ref(a)
    kept = _Cycle()
    assert any(o is kept for o in gc.get_objects())
    del a, b
    assert freeze_long_lived() == gc.get_freeze_count() > 0
    assert garbage() is None  # a garbage cycle is collected, not frozen
    assert not any(o is kept for o in gc.get_objects())  # out of the collector's walks
