"""Sign-in throttling: too many failed sign-ins for one account, or from one address, and
further attempts are refused for a while (429 with the time to wait), so passwords cannot be
guessed at speed.  A success clears the account's failures.

Counts live in this process (a sliding window per key).  Several API replicas each count on
their own, so the effective limit grows with the number of replicas; it still turns a
guessing attack from thousands of tries a minute into a handful.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from api.core.db import utcnow


@dataclass
class SignInThrottle:
    per_account: int = 5  # failures per account within the window
    per_address: int = 20  # failures per client address within the window
    window: timedelta = timedelta(minutes=15)
    clock: Callable[[], datetime] = utcnow
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, *, email: str, address: str) -> int | None:
        """Seconds until this account and address may try again, or None if they may now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key, limit in (
                (f"account:{email}", self.per_account),
                (f"address:{address}", self.per_address),
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append((times[len(times) - limit] + self.window - now).total_seconds())
        return max(1, int(max(waits)) + 1) if waits else None

    def failed(self, *, email: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"account:{email}", f"address:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, *, email: str) -> None:
        with self._lock:
            self._failures.pop(f"account:{email}", None)
