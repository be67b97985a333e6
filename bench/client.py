"""HTTP clients the benchmark drives the stack with: the screening API as a signed-in user
(session cookie + CSRF header, as the browser does), a timed case-player screener over it
(what tests/player.py's ApiScreener does, without asserts), and bare Rasa's REST channel."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

CSRF_HEADER = "X-CSRF-Token"  # api/core/security.py


class ApiError(RuntimeError):
    pass


class Abandoned(RuntimeError):
    """The screening was cut off at the benchmark's deadline (not an error)."""


class TurnFailed(RuntimeError):
    """A turn that counts as an error: HTTP status not 2xx, delivered false, no reply, or no
    screening payload (or the request itself failed)."""


@dataclass
class Timed:
    status: int  # HTTP status, 0 when the request itself failed
    body: Any
    seconds: float
    error: str | None = None


@dataclass
class TurnRecord:
    seconds: float
    ok: bool
    error: str | None
    ended_at: float  # time.monotonic() when the answer came


class ApiClient:
    """One signed-in user of the screening API."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def login(self, email: str, password: str) -> None:
        r = self.http.post("/api/auth/login", json={"email": email, "password": password})
        if r.status_code != 200:
            raise ApiError(f"login of {email}: HTTP {r.status_code} {r.text[:200]}")
        self.http.headers[CSRF_HEADER] = r.headers[CSRF_HEADER]

    def post(self, path: str, body: dict[str, Any]) -> Timed:
        started = time.perf_counter()
        try:
            r = self.http.post(path, json=body)
        except httpx.HTTPError as exc:
            return Timed(0, None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        try:
            payload = r.json()
        except ValueError:
            payload = None
        error = None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"
        return Timed(r.status_code, payload, seconds, error)

    def create_clinician(self, email: str, password: str) -> None:
        """As an admin: a clinician account (201), or nothing if it exists (409)."""
        r = self.post("/api/users", {"email": email, "role": "clinician", "password": password})
        if r.status not in (201, 409):
            raise ApiError(f"creating {email}: {r.error} {r.body}")


def turn_problem(result: Timed) -> str | None:
    """Why an API turn counts as an error, or None."""
    if result.error:
        return result.error
    body = result.body if isinstance(result.body, dict) else {}
    if not body.get("delivered"):
        return f"delivered false: {body.get('notice') or body}"
    if not body.get("replies"):
        return "no reply"
    if body.get("status") not in ("in_progress", "complete"):
        return "no screening status"
    return None


class TimedScreener:
    """Plays a case through the API (start / send / finished for player.play), timing every
    message and raising TurnFailed on the first bad turn."""

    def __init__(
        self,
        api: ApiClient,
        pause: float = 0.0,
        on_turn: Callable[[TurnRecord], None] | None = None,
        trials: list[str] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.api, self.pause, self.on_turn, self.trials = api, pause, on_turn, trials
        self.deadline = deadline  # time.monotonic() after which no message is sent
        self.last: dict[str, Any] = {}
        self.start_seconds: float | None = None
        self.start_ended = 0.0

    def start(self) -> tuple[list[str], str]:
        result = self.api.post("/api/screenings", {"trials": self.trials})
        self.start_seconds, self.start_ended = result.seconds, time.monotonic()
        problem = turn_problem(result)
        if problem:
            raise TurnFailed(f"start: {problem}")
        self.last = result.body
        return [m["text"] for m in self.last["replies"]], self.last["screening_id"]

    def send(self, sid: str, text: str) -> list[str]:
        if self.pause:
            time.sleep(self.pause)
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise Abandoned(sid)
        result = self.api.post(
            f"/api/screenings/{sid}/messages",
            {"text": text, "client_message_id": uuid.uuid4().hex},
        )
        problem = turn_problem(result)
        if self.on_turn:
            self.on_turn(TurnRecord(result.seconds, problem is None, problem, time.monotonic()))
        if problem:
            raise TurnFailed(problem)
        self.last = result.body
        return [m["text"] for m in self.last["replies"]]

    def finished(self, _sid: str) -> dict[str, str] | None:
        if self.last.get("status") != "complete":
            return None
        return {slug: v["status"] for slug, v in self.last["verdicts"].items()}


class RasaRest:
    """Rasa's REST channel, /webhooks/rest/webhook, timed."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> Timed:
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        started = time.perf_counter()
        try:
            r = self.http.post("/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as exc:
            return Timed(0, None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        if r.status_code != 200:
            return Timed(r.status_code, None, seconds, f"HTTP {r.status_code}")
        replies = r.json()
        return Timed(r.status_code, replies, seconds, rest_problem(replies))


def rest_problem(replies: Any) -> str | None:
    """Why a bare-Rasa turn counts as an error (no reply, no screening payload), or None."""
    if not isinstance(replies, list) or not replies:
        return "no reply"
    if not any(isinstance(r.get("custom"), dict) and "screening" in r["custom"] for r in replies):
        return "no screening payload"
    return None
