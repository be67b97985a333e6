"""Changes to Rasa 3.6 that cut the CPU cost of a turn, installed by `bot/serve.py`.

Each module is one change, measured on this screener with py-spy (bench/README.md, "Where a
turn's time goes"); none changes what Rasa decides or sends to the API, and only
`record_aside` what it stores:

- `responses`: the action server's answers validated against Rasa's schema without re-checking
  the schema on every call, and each event against the one sub-schema its type selects.
- `requests`: the action server is sent the events of the latest session only, encoded by
  ujson.
- `events`: event classes found by type name from a table made once.
- `debug_copies`: the deep copies Rasa makes of events for debug logs only when debug logs are
  on.
- `tracker_store`: the SQL tracker store writes a turn's events in one statement without
  counting the stored ones first, reads events without building ORM objects, and keeps SQLite
  in write-ahead-log mode.
- `frozen_heap`: the objects loaded with the model frozen, so that the garbage collector's full
  collections no longer walk them (each stood Rasa still for about 200 ms).
- `session_start`: `action_session_start` (bot/actions/restore.py, run before every clinician
  message) run in Rasa's process by rasa_sdk's executor, instead of a call to the action server.
  With it, `record_aside`: the API's screening record handed to the session start only, kept
  out of the tracker (the one change here to what Rasa stores and sends to the action server:
  the record is no longer in them).
"""

from __future__ import annotations

from bot.speedups import (
    debug_copies,
    events,
    frozen_heap,
    requests,
    responses,
    session_start,
    tracker_store,
)


def install() -> None:
    """Apply every change; call before Rasa loads its agent."""
    responses.install()
    requests.install()
    debug_copies.install()
    events.install()
    tracker_store.install()
    frozen_heap.install()
    session_start.install()
