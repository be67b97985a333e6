"""Part 2: load. 1, 10 and 50 simulated clinicians at once, each playing screening cases
through the API, once with no pause between a reply and the next message (saturation) and
once with a pause before each message (a fast typist)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bench import cpu
from bench.client import ApiClient
from bench.players import CasePicker, PlayStats, all_cases, play_concurrently
from bench.stats import summary


def row_of(stats: PlayStats, known_turns: dict[str, int] | None = None) -> dict[str, Any]:
    """The table row and raw figures of one load run.

    Throughput is measured in the steady part of the window (its last two thirds, after the
    clinicians' ramp and first turns): messages answered there per second; screenings per
    minute is that rate divided by the messages a screening of this row takes on average (in a
    steady state each screening is that many messages and one start): the mean length of the
    cases started in this row, as measured when each was completed (in any row), so that the
    short screenings that finish first in a short window do not inflate it."""
    elapsed = stats.ended_at - stats.started_at
    window_end = stats.window_end or stats.ended_at
    window = window_end - stats.started_at
    steady_from = stats.started_at + window / 3
    steady = window_end - steady_from

    def in_steady(at: float) -> bool:
        return steady_from < at <= window_end

    messages = sum(1 for t in stats.turns if in_steady(t.ended_at))
    starts = sum(1 for at in stats.start_ends if in_steady(at))
    latencies = [t.seconds for t in stats.turns]
    lengths = [known_turns[c] for c in stats.cases_started if known_turns and c in known_turns]
    if not lengths:
        lengths = stats.screening_turns
    per_screening = sum(lengths) / len(lengths) if lengths else None
    turns_per_s = messages / steady if steady > 0 else 0.0
    bot_turns_per_s = (messages + starts) / steady if steady > 0 else 0.0
    return {
        "clinicians": stats.clinicians,
        "pause_s": stats.pause,
        "turns": len(stats.turns),
        "latency_s": summary(latencies),
        "start_latency_s": summary(stats.starts),
        "screenings_completed": stats.completed,
        "screenings_completed_in_window": stats.completed_in_window,
        "screenings_abandoned": stats.abandoned,
        "screenings_per_min": 60 * turns_per_s / per_screening if per_screening else None,
        "screenings_per_min_completed_over_elapsed": 60 * stats.completed / elapsed
        if elapsed
        else 0.0,
        "turns_per_s": turns_per_s,
        "bot_turns_per_s": bot_turns_per_s,
        "mean_messages_per_screening": per_screening,
        "errors": len(stats.errors) + len(stats.wrong),
        "error_breakdown": {
            "failed_screenings": len(stats.errors),
            "failed_turns": sum(1 for t in stats.turns if not t.ok),
            "wrong_verdicts": len(stats.wrong),
        },
        "error_details": (stats.errors + stats.wrong)[:30],
        "window_s": round(window, 1),
        "steady_s": round(steady, 1),
        "elapsed_s": round(elapsed, 1),
        "raw_turns_s": [round(t, 4) for t in latencies],
        # when each of those answers came, seconds into the row: where the slow turns fall
        "raw_turn_ends_s": [round(t.ended_at - stats.started_at, 3) for t in stats.turns],
    }


def run_load(
    clinicians: list[ApiClient],
    levels: Sequence[int],
    pauses: Sequence[float],
    window: float,
    drain: float,
    ramp: float = 5.0,
    processes: dict[str, int] | None = None,
    on_done: Callable[[], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    progress: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    cases = all_cases()
    rows = []
    offset = 0
    known_turns: dict[str, int] = {}  # case id -> messages, measured in any row
    for pause in pauses:
        for level in levels:
            # Each row starts at another case, so that rows do not all replay the same ones.
            picker = CasePicker(cases[offset:] + cases[:offset], turns=known_turns)
            offset = (offset + level) % len(cases)
            label = f"[load {level} clinicians, pause {pause:g} s]"
            progress(f"{label} {window:g} s window, then finishing screenings in progress")
            before = cpu.mark(processes or {})
            stats = play_concurrently(
                clinicians[:level],
                picker,
                pause=pause,
                window=window,
                drain=drain,
                # a typist's first messages spread over one pause, as they would be by then
                ramp=min(max(ramp, pause), window / 3),
                on_done=on_done,
                label=label,
                progress=progress,
            )
            row = row_of(stats, known_turns)
            row["cpu"] = cpu.between(before, cpu.mark(processes or {}))
            rows.append(row)
            if on_row:
                on_row(row)
    return rows
