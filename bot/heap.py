"""The objects a server loads at start moved out of the garbage collector's way.

Rasa and the action server each hold about half a million objects once loaded (TensorFlow,
spaCy, the model). Python's full collection walks every one: under load it ran every 5-15 s and
stood the process still for 150-240 ms, so every message that arrived meanwhile waited.
`gc.freeze()` puts them in a generation the collector does not walk (reference counting still
frees them; the objects of turns are collected as before): a full collection then takes a few ms.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect what is garbage now, then freeze the rest; returns how many objects are frozen.

    Call once, when the process has loaded what it keeps: an object frozen is never collected
    as part of a reference cycle, so freezing a turn's objects in flight would leak them."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
