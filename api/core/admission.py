"""At most as many requests inside the app at once as the database pool has connections.

FastAPI runs a request's sync dependencies and its body as separate calls into the worker-thread
pool. A request whose sign-in lookup has taken a pooled connection keeps it while it waits for a
thread for its body (and, after the body, for a thread to close its session). With more requests
in flight than connections, every worker thread can end up waiting for a connection that only a
request waiting for a thread can give back: nothing moves until the pool's timeout, and then the
clinicians get 500s. Requests held at this door hold nothing: no connection, no thread, no
session. A request holds at most one connection at a time (two on PostgreSQL during a turn:
`api.core.db.connections_per_request`), so admitting no more requests than the pool can serve
all at once means a request inside never waits for a connection that cannot come.

A slot is held until the response is sent: every route answers in one go today. A long-lived
response (a server-sent event stream, a websocket) would hold its slot for its whole life, so
it must be exempt, using no pooled connection while it lasts.
"""

from __future__ import annotations

import asyncio
from typing import Any

Scope = dict[str, Any]


class AdmissionLimit:
    """ASGI middleware: a semaphore of `limit` slots around every HTTP request but `exempt`."""

    def __init__(self, app: Any, limit: int, exempt: tuple[str, ...] = ()) -> None:
        """`exempt`: paths that use no database and must answer even when every slot is taken
        (the liveness check: a busy API is not a dead one)."""
        if limit < 1:
            raise ValueError(f"the admission limit must be at least 1, not {limit}")
        self.app = app
        self.limit = limit
        self.exempt = frozenset(exempt)
        self._slots: asyncio.Semaphore | None = None

    @property
    def slots(self) -> asyncio.Semaphore:
        # Made on first use, inside the server's event loop.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        return self._slots

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)
