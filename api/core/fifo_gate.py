"""A gate that lets at most `width` threads through at once and the others in arrival order.

Why a gate in front of Rasa (api/screenings/bot_client.py): a Rasa server is one process that
works on every message it holds in turn, a little of each (asyncio: while one message waits for
the action server, another is worked on). Messages that arrive together are therefore all
answered late and together, and their clinicians, each reading a reply and typing the same
while, write back together again: the slow turns come in trains (bench/README, "A few messages
at a time into Rasa"). Handed its messages a few at a time in arrival order (two by default:
while one waits for the action server, Rasa works on the other), Rasa answers the first ones at
once and each next one about a message's work later, and the trains come apart.

`threading.Semaphore` does not keep the order: a thread that arrives just as a slot is given
back can take it before the thread that was woken for it, which then waits again behind the
others. Here a slot given back goes straight to the longest waiter.
"""

from __future__ import annotations

import threading
from collections import deque


class FifoGate:
    """At most `width` holders at once; a slot given back goes to the longest waiter."""

    def __init__(self, width: int) -> None:
        if width < 1:
            raise ValueError(f"a gate must let at least one through, not {width}")
        self.width = width
        self._free = width
        self._waiters: deque[threading.Lock] = deque()
        self._guard = threading.Lock()

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a slot, waiting at most `timeout` seconds (None: as long as it takes).
        False: no slot came in time, and nothing is held."""
        with self._guard:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
            return True  # release() handed its slot to this waiter
        with self._guard:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                return True  # handed over between the timeout and taking the guard: held
            return False

    def release(self) -> None:
        """Give a slot back: to the longest waiter, if any."""
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            elif self._free < self.width:
                self._free += 1
            else:
                raise RuntimeError("released a gate slot that nobody held")

    @property
    def waiting(self) -> int:
        """Threads waiting for a slot now."""
        return len(self._waiters)
