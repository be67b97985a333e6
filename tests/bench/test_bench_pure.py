"""The benchmark's pure parts: percentiles, tables, the conversation file, the case picker and
the load row's arithmetic (no stack, nothing timed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.conversation import (
    DEFAULT_PATH,
    ConversationError,
    load_conversation,
    parse_conversation,
)
from bench.memory import descendants, rss_kib
from bench.report import format_table, latency_summary_table, load_table, ms
from bench.stats import median, percentile, ratio, summary


def test_percentile_interpolates_like_numpy():
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 95) == pytest.approx(3.85)
    assert median([5.0, 1.0, 3.0]) == 3.0  # unsorted input


def test_percentile_edges():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_and_ratio():
    s = summary([0.1, 0.2, 0.3])
    assert s["n"] == 3 and s["max"] == 0.3 and s["p50"] == pytest.approx(0.2)
    assert summary([]) == {"n": 0, "p50": None, "p95": None, "max": None, "mean": None}
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, 0.0) is None


def test_table_aligns_numbers_right_and_text_left():
    table = format_table(["name", "ms"], [["whole", "12"], ["bare", "7.5"], ["none", None]])
    lines = table.splitlines()
    assert lines[0] == "| name  |  ms |"
    assert lines[1] == "|-------|----:|"
    assert lines[2] == "| whole |  12 |"
    assert lines[4] == "| none  |   - |"
    with pytest.raises(ValueError):
        format_table(["a", "b"], [["only one"]])


def test_ms_cells():
    assert ms(None) == "-"
    assert ms(0.2504) == "250"
    assert ms(0.0042) == "4.2"


def _latency(whole: float, bare: float) -> dict:
    turns = [{"turn": i, "whole_p50": whole, "bare_p50": bare, "ratio": whole / bare}
             for i in (1, 2)]  # fmt: skip
    return {"turns": 2, "per_turn": turns, "whole_p50": whole, "whole_p95": whole,
            "bare_p50": bare, "bare_p95": bare, "p95_ratio": whole / bare,
            "whole_last_over_first": 1.0, "bare_last_over_first": 1.0}  # fmt: skip


def test_latency_and_load_tables():
    text = latency_summary_table(_latency(0.2, 0.1))
    assert "| whole / bare" in text and "2.00x" in text and "turn 2 / turn 1" in text
    row = {"clinicians": 10, "pause_s": 3.0, "turns": 40,
           "latency_s": {"p50": 0.1, "p95": 0.2, "max": 0.3}, "screenings_per_min": None,
           "turns_per_s": 2.5, "screenings_completed": 4, "errors": 1}  # fmt: skip
    cells = [c.strip() for c in load_table([row]).splitlines()[2].split("|")[1:-1]]
    assert cells == ["10", "3", "40", "100", "200", "300", "-", "2.5", "4", "1"]


def test_the_shipped_conversation_is_valid_and_has_30_turns():
    conversation = load_conversation()
    assert len(conversation) == 30
    kinds = {m.kind for m in conversation.messages}
    assert {"why", "help", "correction", "go_back", "referral", "after_complete"} <= kinds


GOOD = {"turns": 1, "messages": [{"kind": "answer", "text": "He is 58."}]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "(top level)"),
        ({"turns": 0, "messages": []}, "messages"),
        ({"turns": 1, "messages": ["He is 58."]}, "messages[0]"),
        ({"turns": 1, "messages": [{"kind": "answer", "text": ""}]}, "messages[0].text"),
        ({"turns": 1, "messages": [{"kind": "shout", "text": "hi"}]}, "messages[0].kind"),
        ({"turns": 1, "messages": [{"kind": "answer", "text": "x", "pause": 1}]},
         "messages[0].pause"),
        ({"turns": 2, "messages": GOOD["messages"]}, "turns"),
        ({"messages": GOOD["messages"]}, "turns"),
        ({**GOOD, "turn": 1}, "turn"),
    ],
)  # fmt: skip
def test_a_malformed_conversation_names_the_file_and_field(data, field):
    with pytest.raises(ConversationError) as error:
        parse_conversation(data, "bench/conversation.yaml")
    assert str(error.value).startswith(f"bench/conversation.yaml: {field}: ")


def test_a_malformed_file_on_disk_is_named(tmp_path: Path):
    bad = tmp_path / "conversation.yaml"
    bad.write_text("turns: 1\nmessages:\n  - {kind: answer}\n", encoding="utf-8")
    with pytest.raises(ConversationError, match=rf"^{bad}: messages\[0\]\.text: "):
        load_conversation(bad)
    bad.write_text("turns: [1\n", encoding="utf-8")
    with pytest.raises(ConversationError, match=str(bad)):
        load_conversation(bad)
    assert DEFAULT_PATH.name == "conversation.yaml"


def test_descendants_follow_the_tree():
    parents = {2: 1, 3: 2, 4: 2, 5: 1, 6: 99}
    assert sorted(descendants(2, parents)) == [3, 4]
    assert sorted(descendants(1, parents)) == [2, 3, 4, 5]
    assert descendants(6, parents) == []
    assert rss_kib(-1) == 0  # no such process


def test_slope():
    from bench.stats import slope

    assert slope([1, 2, 3], [0.1, 0.2, 0.3]) == pytest.approx(0.1)
    assert slope([1, 2, 3], [0.2, None, 0.2]) == pytest.approx(0.0)
    assert slope([1], [0.1]) is None
    assert slope([2, 2], [0.1, 0.3]) is None
