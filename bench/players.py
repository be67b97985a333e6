"""Simulated clinicians: each signed in as its own clinician user, playing screening cases from
tests/cases through the API with the case player (tests/player.py), in threads."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import Abandoned, ApiClient, TimedScreener, TurnFailed, TurnRecord
from bench.stack import REPO

sys.path.insert(0, str(REPO / "tests"))
from player import Case, load_cases, play

PASSWORD = "bench clinician passphrase"
CASE_FILES = ("examples.yaml", "own.yaml")


def all_cases() -> list[Case]:
    return load_cases(*CASE_FILES)


def sign_in_clinicians(
    api_url: str, admin: ApiClient, count: int, progress: Callable[[str], None] = print
) -> list[ApiClient]:
    """`count` clinician accounts (created by the admin through the API), each signed in."""
    clients = []
    for i in range(count):
        email = f"bench-clinician-{i + 1:03d}@example.org"
        admin.create_clinician(email, PASSWORD)
        client = ApiClient(api_url)
        client.login(email, PASSWORD)
        clients.append(client)
        if (i + 1) % 10 == 0 or i + 1 == count:
            progress(f"[users] {i + 1}/{count} clinicians created and signed in")
    return clients


def estimated_turns(case: Case) -> int:
    """A guess of a case's length before it was played: an opening that names most facts is
    short, a case ineligible for every trial ends early."""
    if case.opening:
        return 4
    if all(v == "ineligible" for v in case.expect.values()):
        return 10
    return 20


class CasePicker:
    """Hands out cases round-robin to the clinicians' threads; with `shortest`, only among the
    `shortest` cases by measured length (or the estimate until a case was played)."""

    def __init__(
        self, cases: list[Case], shortest: int | None = None, turns: dict[str, int] | None = None
    ) -> None:
        if not cases:
            raise ValueError("no cases to play")
        self.cases, self.shortest = cases, shortest
        self.turns: dict[str, int] = {} if turns is None else turns  # case id -> messages
        self._next = 0
        self._lock = threading.Lock()

    def pool(self) -> list[Case]:
        if not self.shortest:
            return self.cases
        length = {c.id: self.turns.get(c.id, estimated_turns(c)) for c in self.cases}
        return sorted(self.cases, key=lambda c: (length[c.id], c.id))[: self.shortest]

    def next(self) -> Case:
        with self._lock:
            pool = self.pool()
            case = pool[self._next % len(pool)]
            self._next += 1
            return case

    def played(self, case: Case, turns: int) -> None:
        with self._lock:
            self.turns[case.id] = turns


@dataclass
class PlayStats:
    """Everything measured while the clinicians played."""

    clinicians: int
    pause: float
    turns: list[TurnRecord] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    cases_started: list[str] = field(default_factory=list)
    start_ends: list[float] = field(default_factory=list)  # time.monotonic() of each answer
    completed: int = 0
    completed_in_window: int = 0
    abandoned: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    screening_turns: list[int] = field(default_factory=list)
    started_at: float = 0.0
    window_end: float | None = None
    ended_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Slots:
    """A budget of screenings to start (None: unlimited)."""

    def __init__(self, count: int | None) -> None:
        self.left, self._lock = count, threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left is None:
                return True
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def play_concurrently(
    clinicians: list[ApiClient],
    picker: CasePicker,
    *,
    pause: float,
    window: float | None,
    screenings: int | None = None,
    drain: float = 60.0,
    on_done: Callable[[], None] | None = None,
    label: str = "",
    progress: Callable[[str], None] = print,
    every: float = 10.0,
    ramp: float = 0.0,
) -> PlayStats:
    """Each clinician plays case after case until `window` seconds have passed or the
    `screenings` budget is spent; the screening in progress is finished, but a message is no
    longer sent `drain` seconds after the window (that screening counts as abandoned).
    Clinician k starts k * ramp / n seconds in, so that they do not all start at once."""
    stats = PlayStats(clinicians=len(clinicians), pause=pause)
    slots = _Slots(screenings)
    stats.started_at = time.monotonic()
    stats.window_end = stats.started_at + window if window is not None else None
    deadline = stats.window_end + drain if stats.window_end is not None else None
    finished = threading.Event()

    def record(turn: TurnRecord) -> None:
        with stats.lock:
            stats.turns.append(turn)

    def clinician(api: ApiClient, delay: float) -> None:
        time.sleep(delay)
        while (stats.window_end is None or time.monotonic() < stats.window_end) and slots.take():
            case = picker.next()
            with stats.lock:
                stats.cases_started.append(case.id)
            screener = TimedScreener(api, pause=pause, on_turn=record, deadline=deadline)
            try:
                result = play(case, screener.start, screener.send, screener.finished)
            except Abandoned:
                with stats.lock:
                    stats.abandoned += 1
            except (TurnFailed, AssertionError, KeyError, TypeError) as exc:
                with stats.lock:
                    stats.errors.append({"case": case.id, "error": str(exc)[:300]})
            else:
                turns = sum(1 for who, _ in result.transcript if who == "clinician")
                picker.played(case, turns)
                now = time.monotonic()
                with stats.lock:
                    stats.completed += 1
                    stats.screening_turns.append(turns)
                    if stats.window_end is None or now <= stats.window_end:
                        stats.completed_in_window += 1
                    if result.wrong():
                        stats.wrong.append({"case": case.id, "wrong": result.wrong()})
            finally:
                if screener.start_seconds is not None:
                    with stats.lock:
                        stats.starts.append(screener.start_seconds)
                        stats.start_ends.append(screener.start_ended)
            if on_done:
                on_done()

    def reporter() -> None:
        while not finished.wait(every):
            with stats.lock:
                turns, done, errors = len(stats.turns), stats.completed, len(stats.errors)
                wrong = len(stats.wrong)
            elapsed = time.monotonic() - stats.started_at
            phase = (
                "finishing screenings in progress"
                if stats.window_end is not None and time.monotonic() > stats.window_end
                else "playing"
            )
            progress(
                f"  {label} {elapsed:.0f} s: {turns} turns, {done} screenings done, "
                f"{errors} errors, {wrong} wrong verdicts ({phase})"
            )

    threads = [
        threading.Thread(target=clinician, args=(c, k * ramp / len(clinicians)), daemon=True)
        for k, c in enumerate(clinicians)
    ]
    watcher = threading.Thread(target=reporter, daemon=True)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    finished.set()
    stats.ended_at = time.monotonic()
    return stats
