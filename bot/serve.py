"""`rasa`, with two changes that cut the cost of a turn; otherwise the `rasa` command unchanged.

    .venv-bot/bin/python -m bot.serve run --model models/screener.tar.gz ...   (as `rasa ...`)

Measured on this screener (bench/README.md, "Where a turn's time goes"):

1. Rasa 3.6 checks every action server answer with `jsonschema.validate(answer, schema)`, which
first validates the schema itself against the JSON Schema meta-schema, on every call.  Profiled
on this screener (bench/README.md, "Where a turn's time goes") that meta-check was about half of
Rasa's CPU time per turn.  Here the schema is checked once and the compiled validator is kept:
every answer is still validated against the same schema, and an invalid one still raises the
same `ValidationError` with Rasa's message.
2. The SQL tracker store on SQLite (scripts/run) commits once per turn; in SQLite's default
   rollback-journal mode that is several fsyncs, about 14 ms on these disks.  The store's
   connections are put in write-ahead-log mode with `synchronous=NORMAL`: a commit is a write
   to the log, synced at checkpoints.  A turn survives a crash or kill -9 of Rasa; only a power
   cut or an OS crash can lose the latest turns, and then the API, the system of record (its
   own database keeps full syncs), rebuilds the conversation from its record, as when the
   store is behind (README, "What survives what").  The store is then `tracker.db` with its
   `-wal` and `-shm` files next to it: losing it means losing all three.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import exceptions
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from sqlalchemy import event
from sqlalchemy.engine import Engine


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's own action response schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """What `RemoteAction._validate_action_result` does, without re-checking the schema."""
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Every new SQLite connection of this process (the tracker store's) in WAL mode."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def main() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    event.listen(Engine, "connect", write_ahead_log)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
