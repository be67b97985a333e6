"""The load row's arithmetic and the case picker, on made-up figures."""

from __future__ import annotations

import pytest
from player import Case

from bench.client import TurnRecord
from bench.load import row_of
from bench.players import CasePicker, PlayStats, estimated_turns


def case(id_: str, opening: str | None = None, verdict: str = "eligible") -> Case:
    return Case(id=id_, expect={"a": verdict}, answers={}, opening=opening)


def test_picker_prefers_the_shortest_cases_once_measured():
    long_, short, letter = case("x1"), case("x2", verdict="ineligible"), case("x3", "letter")
    assert estimated_turns(letter) < estimated_turns(short) < estimated_turns(long_)
    picker = CasePicker([long_, short, letter], shortest=2)
    assert {picker.next().id for _ in range(4)} == {"x2", "x3"}
    picker.played(short, 40)  # measured: longer than the estimate of x1
    assert {picker.next().id for _ in range(4)} == {"x1", "x3"}
    everyone = CasePicker([long_, short])
    assert [everyone.next().id for _ in range(3)] == ["x1", "x2", "x1"]
    with pytest.raises(ValueError):
        CasePicker([])


def test_row_counts_the_steady_part_of_the_window():
    stats = PlayStats(clinicians=2, pause=0.0)
    stats.started_at, stats.window_end, stats.ended_at = 100.0, 130.0, 140.0
    # steady part: (110, 130]: 20 s with 40 messages and 10 starts answered in it
    stats.turns = [TurnRecord(0.2, True, None, 110.5 + i * 0.45) for i in range(40)]
    stats.turns += [TurnRecord(0.1, True, None, 105.0), TurnRecord(9.0, False, "HTTP 503", 135.0)]
    stats.start_ends = [111.0 + i for i in range(10)] + [101.0]
    stats.starts = [0.1] * 11
    stats.completed, stats.screening_turns = 5, [4, 4, 4, 4, 4]
    stats.errors = [{"case": "x", "error": "HTTP 503"}]
    row = row_of(stats)
    assert row["turns"] == 42
    assert row["turns_per_s"] == pytest.approx(40 / 20)
    assert row["bot_turns_per_s"] == pytest.approx(50 / 20)
    assert row["screenings_per_min"] == pytest.approx(60 * 2.0 / 4)
    assert row["errors"] == 1 and row["error_breakdown"]["failed_turns"] == 1
    assert row["latency_s"]["max"] == 9.0
    assert row["elapsed_s"] == 40.0 and row["steady_s"] == 20.0
    # with the cases' measured lengths, the cases started count, not only the finished ones
    stats.cases_started = ["a", "b", "c"]
    row = row_of(stats, {"a": 4, "b": 8, "c": 12})
    assert row["screenings_per_min"] == pytest.approx(60 * 2.0 / 8)
    assert row["mean_messages_per_screening"] == 8
