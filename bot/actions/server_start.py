"""When the action server starts: reading prepared, then its long-lived objects frozen.

Reading a message builds spaCy's ConText pipeline, the unit registry and the lexicon on first
use, about 7 s on 2 cores: without this the first clinician after every restart waited that
long for the first answer that reads a fact. Once they are built, the objects the server keeps
are frozen (`bot.heap`): its full collections had stood it still for up to 240 ms under load.

Both run in a thread once the server is up, so the server answers (and supervisord starts Rasa)
at once; a message that needs the pipeline meanwhile waits for the build instead of starting a
second one. rasa_sdk makes its Sanic app, named "rasa_sdk", before it imports this package;
imported anywhere else (the tests), this module does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sanic import Sanic
from sanic.exceptions import SanicException

from bot.heap import freeze_long_lived
from criteria import prepare_reading

log = logging.getLogger(__name__)


def prepare() -> None:
    started = time.perf_counter()
    prepare_reading()
    frozen = freeze_long_lived()
    log.info(
        "Reading prepared in %.1f s; %d long-lived objects frozen",
        time.perf_counter() - started,
        frozen,
    )


def _on_server_start(_app: Sanic, _loop: Any) -> None:
    threading.Thread(target=prepare, name="prepare-reading", daemon=True).start()


def _register() -> None:
    try:
        app = Sanic.get_app("rasa_sdk")
    except SanicException:
        return
    app.register_listener(_on_server_start, "after_server_start")


_register()
