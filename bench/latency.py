"""Part 1: per-turn latency by turn index, whole stack vs bare Rasa, interleaved.

Each repeat starts one screening through the API (as a clinician) and one conversation on
Rasa's REST channel (its own sender id, `/start_screening` with metadata {"trials": null}),
then sends the conversation file's messages to both, alternating which goes first per turn.
Turn i is the i-th clinician message after the start; the start itself is kept apart."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.client import ApiClient, RasaRest, turn_problem
from bench.conversation import Conversation
from bench.memory import MemoryWatch
from bench.stats import median, percentile, ratio


def run_latency(
    api: ApiClient,
    rasa: RasaRest,
    conversation: Conversation,
    repeats: int,
    watch: MemoryWatch | None = None,
    progress: Callable[[str], None] = print,
    warmup: bool = True,
    after_warmup: Callable[[], None] | None = None,
) -> dict[str, Any]:
    n = len(conversation)
    whole: list[list[float]] = [[] for _ in range(n)]
    bare: list[list[float]] = [[] for _ in range(n)]
    starts: dict[str, list[float]] = {"whole": [], "bare": []}
    errors: list[dict[str, Any]] = []
    completed_at: dict[str, list[int | None]] = {"whole": [], "bare": []}
    started = time.monotonic()

    if warmup:
        # One unmeasured pass first: the action server loads parts of its language pipeline on
        # first use, which would otherwise land on whichever side goes first.
        scratch: list[list[float]] = [[] for _ in range(n)]
        warm = _Repeat(api, rasa, -1, scratch, [[] for _ in range(n)], errors)
        warm.start({"whole": [], "bare": []})
        for i, message in enumerate(conversation.messages):
            warm.whole_turn(i, message.text)
            warm.bare_turn(i, message.text)
        if watch:
            watch.screening_done()
            watch.screening_done()
        progress(f"[latency] warm-up pass done in {time.monotonic() - started:.0f} s "
                 f"(errors {len(errors)})")  # fmt: skip
    if after_warmup:
        after_warmup()
    for rep in range(repeats):
        run = _Repeat(api, rasa, rep, whole, bare, errors)
        run.start(starts)
        for i, message in enumerate(conversation.messages):
            order = (run.whole_turn, run.bare_turn) if (rep + i) % 2 == 0 else (
                run.bare_turn, run.whole_turn)  # fmt: skip
            for turn in order:
                turn(i, message.text)
        completed_at["whole"].append(run.done["whole"])
        completed_at["bare"].append(run.done["bare"])
        if watch:
            watch.screening_done()
            watch.screening_done()
        w = [whole[i][-1] for i in (0, n - 1) if whole[i]]
        progress(
            f"[latency] repeat {rep + 1}/{repeats} in {time.monotonic() - started:.0f} s"
            + (f": whole stack turn 1 {w[0] * 1000:.0f} ms, turn {n} {w[-1] * 1000:.0f} ms"
               if len(w) == 2 else "")
            + f"; errors so far {len(errors)}"
        )  # fmt: skip
    result = summarise(whole, bare, starts, errors, completed_at, repeats)
    result["warmup"] = warmup
    return result


class _Repeat:
    """One screening through the API and one bare-Rasa conversation, turn by turn."""

    def __init__(
        self,
        api: ApiClient,
        rasa: RasaRest,
        rep: int,
        whole: list[list[float]],
        bare: list[list[float]],
        errors: list[dict[str, Any]],
    ) -> None:
        self.api, self.rasa, self.rep = api, rasa, rep
        self.whole, self.bare, self.errors = whole, bare, errors
        self.sender = f"bench-bare-{uuid.uuid4().hex[:12]}"
        self.sid: str | None = None
        self.done: dict[str, int | None] = {"whole": None, "bare": None}

    def error(self, side: str, turn: int, error: str | None) -> None:
        self.errors.append({"side": side, "repeat": self.rep, "turn": turn, "error": error})

    def start(self, starts: dict[str, list[float]]) -> None:
        first = self.api.post("/api/screenings", {"trials": None})
        starts["whole"].append(first.seconds)
        problem = turn_problem(first)
        if isinstance(first.body, dict):
            self.sid = first.body.get("screening_id")
        if problem or self.sid is None:
            self.error("whole", 0, problem or "no screening id")
        bare_first = self.rasa.send(self.sender, "/start_screening", {"trials": None})
        starts["bare"].append(bare_first.seconds)
        if bare_first.error:
            self.error("bare", 0, bare_first.error)

    def whole_turn(self, i: int, text: str) -> None:
        if self.sid is None:
            self.error("whole", i + 1, "no screening")
            return
        r = self.api.post(
            f"/api/screenings/{self.sid}/messages",
            {"text": text, "client_message_id": uuid.uuid4().hex},
        )
        problem = turn_problem(r)
        if problem:
            self.error("whole", i + 1, problem)
            return
        self.whole[i].append(r.seconds)
        if r.body["status"] == "complete" and self.done["whole"] is None:
            self.done["whole"] = i + 1

    def bare_turn(self, i: int, text: str) -> None:
        r = self.rasa.send(self.sender, text)
        if r.error:
            self.error("bare", i + 1, r.error)
            return
        self.bare[i].append(r.seconds)
        payloads = [x["custom"]["screening"] for x in r.body if isinstance(x.get("custom"), dict)]
        if payloads and payloads[-1].get("status") == "complete" and self.done["bare"] is None:
            self.done["bare"] = i + 1


def summarise(
    whole: list[list[float]],
    bare: list[list[float]],
    starts: dict[str, list[float]],
    errors: list[dict[str, Any]],
    completed_at: dict[str, list[int | None]],
    repeats: int,
) -> dict[str, Any]:
    n = len(whole)
    per_turn = []
    for i in range(n):
        w, b = median(whole[i]), median(bare[i])
        per_turn.append({"turn": i + 1, "whole_p50": w, "bare_p50": b, "ratio": ratio(w, b)})
    all_whole = [x for xs in whole for x in xs]
    all_bare = [x for xs in bare for x in xs]
    return {
        "repeats": repeats,
        "turns": n,
        "per_turn": per_turn,
        "whole_p50": median(all_whole),
        "whole_p95": percentile(all_whole, 95),
        "bare_p50": median(all_bare),
        "bare_p95": percentile(all_bare, 95),
        "p95_ratio": ratio(percentile(all_whole, 95), percentile(all_bare, 95)),
        "whole_last_over_first": ratio(per_turn[-1]["whole_p50"], per_turn[0]["whole_p50"]),
        "bare_last_over_first": ratio(per_turn[-1]["bare_p50"], per_turn[0]["bare_p50"]),
        "start_s": starts,
        "completed_at_turn": completed_at,
        "errors": len(errors),
        "error_details": errors[:50],
        "raw": {"whole": whole, "bare": bare},
    }
