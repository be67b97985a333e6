"""The objects the API loads at start moved out of the garbage collector's way.

Python's full collection walks every object the process holds. In the API it ran every 5-10 s
under load and took 60-105 ms, during which no request was served, and most of what it walked
was loaded at start (FastAPI, pydantic's and SQLAlchemy's models, the trials). `gc.freeze()`
puts those in a generation the collector does not walk (reference counting still frees them;
requests' objects are collected as before).
"""

from __future__ import annotations

import gc

from sqlalchemy.orm import configure_mappers


def freeze_long_lived() -> int:
    """Collect what is garbage now, then freeze the rest; returns how many objects are frozen.

    Call once, when the app is built and before it serves: an object frozen is never collected
    as part of a reference cycle, so freezing a request's objects in flight would leak them."""
    configure_mappers()  # else done by the first query, and its objects left to the collector
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
