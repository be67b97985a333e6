"""Rasa's SQL tracker store, writing and reading a turn's events with less work per turn.

- **One statement per turn.** Rasa adds one ORM object per new event (about 20 per turn on this
  screener) and flushes them through the unit of work: about a fifth of Rasa's CPU per turn.
  The same rows are now inserted with one executemany, in the same order (the `id` column
  keeps the events' order, as Rasa reads them back by it), in the same transaction.
- **No count of what is stored.** Before writing, Rasa counts the rows of the latest session
  to know which of the tracker's events are new: a query as dear as the read.  A tracker read
  from this store now carries the number of events it was read with (and, once saved, the
  number it holds), which is that count as long as nothing else wrote to the conversation in
  between, as Rasa's lock store ensures; a tracker without it (a new conversation) is counted
  as before.
- **Events read as text.** Rasa's query loads every event of the latest session as an ORM
  object only to read its `data`; the same query now selects `data` alone.
- **SQLite in write-ahead-log mode.** The default store on SQLite (scripts/run) committed in
  rollback-journal mode: several fsyncs, about 14 ms per turn on these disks.  Its connections
  are put in WAL mode with `synchronous=NORMAL`: a commit is a write to the log, synced at
  checkpoints.  A turn survives a crash or kill -9 of Rasa; only a power cut or an OS crash can
  lose the latest turns, and then the API, the system of record (its own database keeps full
  syncs), rebuilds the conversation from its record, as when the store is behind (README,
  "What survives what").  The store is then `tracker.db` with its `-wal` and `-shm` files next
  to it: losing it means losing all three.
- **SQLite connections kept.** SQLAlchemy 1.4 opens a new SQLite connection for every session
  on a file database (its `NullPool`), two per turn, each put in WAL mode again.  The store's
  engine now keeps one connection per thread (`SingletonThreadPool`; Rasa uses the store from
  its event loop's thread); each session still ends its transaction when it closes.

PostgreSQL (deploy/endpoints.replicas.yml) gets the first three changes and nothing else.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import rasa.core.tracker_store
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import SingletonThreadPool

logger = logging.getLogger(__name__)
_engine_kwargs_of_rasa = rasa.core.tracker_store.create_engine_kwargs


def event_row(sender_id: str, data: dict[str, Any], type_name: str) -> dict[str, Any]:
    """The `events` row Rasa's `SQLTrackerStore.save` writes for one event."""
    return {
        "sender_id": sender_id,
        "type_name": type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


STORED = "_screener_events_in_store"  # on a tracker: how many of its events the store holds


async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Rasa's `SQLTrackerStore.save`, the new events inserted in one statement."""
    await self.stream_events(tracker)
    with self.session_scope() as session:
        stored = getattr(tracker, STORED, None)
        if isinstance(stored, int):
            new_events = itertools.islice(tracker.events, stored, None)
        else:
            new_events = self._additional_events(session, tracker)
        rows = [event_row(tracker.sender_id, new.as_dict(), new.type_name) for new in new_events]
        if rows:
            session.execute(self.SQLEvent.__table__.insert(), rows)
        session.commit()
    setattr(tracker, STORED, len(tracker.events))
    logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")


async def _retrieve(
    self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool
) -> DialogueStateTracker | None:
    """Rasa's `SQLTrackerStore._retrieve`, reading the events' `data` column only."""
    with self.session_scope() as session:
        query = self._event_query(
            session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
        )
        events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if self.domain and events:
            logger.debug(f"Recreating tracker from sender id '{sender_id}'")
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            if not fetch_events_from_all_sessions:
                setattr(tracker, STORED, len(events))
            return tracker
        logger.debug(
            f"Can't retrieve tracker matching sender id '{sender_id}' from SQL storage. "
            f"Returning `None` instead."
        )
        return None


def write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Every new SQLite connection of this process (the tracker store's) in WAL mode."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_engine_kwargs(url: Any) -> dict[str, Any]:
    """Rasa's engine settings for the store's URL; for an SQLite file, connections kept."""
    kwargs = _engine_kwargs_of_rasa(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", SingletonThreadPool)
    return kwargs


def install() -> None:
    rasa.core.tracker_store.create_engine_kwargs = create_engine_kwargs
    SQLTrackerStore.save = save  # type: ignore[method-assign]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    event.listen(Engine, "connect", write_ahead_log)
