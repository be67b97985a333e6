"""Rasa's event classes found by their type name without walking the class tree each time.

`Event.resolve_by_type` lists every subclass of `Event` for each event it reads back (the
tracker store's rows, the action server's answers): about 30 events per turn, 3% of Rasa's
CPU.  The classes are now listed once, at the first lookup, in the same order, so a name finds
the same class; a name not found then (a class defined later) is looked up as Rasa does.
"""

from __future__ import annotations

from functools import lru_cache

import rasa.shared.utils.common
from rasa.shared.core.events import Event

_resolve_as_rasa_does = Event.resolve_by_type


@lru_cache(maxsize=1)
def event_classes() -> dict[str, type[Event]]:
    """Each type name's class: the first subclass of `Event` with it, as Rasa searches."""
    classes: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """`Event.resolve_by_type`: the class of `type_name`, else as Rasa answers (default, error)."""
    found = event_classes().get(type_name)
    return found if found is not None else _resolve_as_rasa_does(type_name, default)


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
