"""Every example of the reading issue's "What was seen", through a real `rasa run` and action
server: the right value, or a clear re-ask of the same question (tests/cases/seen.yaml)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from language_bank import REFUSED, expected_value, load_fact_specs, same_value
from player import CASES_DIR, Case, topics_of
from test_e2e import Conversation

from criteria.values import value_from_json

pytestmark = [pytest.mark.slow, pytest.mark.bot]

SEEN = yaml.safe_load((CASES_DIR / "seen.yaml").read_text(encoding="utf-8"))["entries"]
DEFAULT = yaml.safe_load((CASES_DIR / "own.yaml").read_text(encoding="utf-8"))["default"]
SPECS = load_fact_specs(Path(__file__).resolve().parents[2] / "criteria" / "facts.yaml")


def _age_on(today: datetime.date, born: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def expectations(entry: dict[str, Any]) -> dict[str, Any] | str:
    today = datetime.date.today()
    if "born" in entry:
        return {"age": _age_on(today, entry["born"])}
    if "born_year" in entry:
        oldest = today.year - entry["born_year"]
        return {"age": f"{oldest - 1}..{oldest}"}
    return entry["expect"]


def asked_facts(c: Conversation) -> list[str]:
    """The facts the pending question is about: its fact, or a grouped question's facts."""
    asking = c.custom.get("asking") or {}
    return (asking.get("expected") or {}).get("facts") or [asking.get("fact")]


def reach(c: Conversation, fact: str, answers: dict[str, str], limit: int = 40) -> None:
    """Answer with the case's texts until `fact` is what the pending question asks."""
    case = Case(id="seen", expect={}, answers={**DEFAULT, **answers})
    for _ in range(limit):
        if fact in asked_facts(c):
            return
        question = (c.custom.get("asking") or {}).get("question", "")
        assert topics_of(question), f"cannot answer {question!r}"
        c.say(case.answer_for(question)[0])
    raise AssertionError(f"{fact} was never asked")


@pytest.mark.parametrize("entry", SEEN, ids=[e["id"] for e in SEEN])
def test_what_was_seen_is_read_right_or_asked_back(stack, entry):
    c = Conversation(stack.rasa, trials=["primary-rt", "oligomet-rt"])
    c.start()
    reach(c, entry["at"], entry.get("answers") or {})
    before = c.custom["state"]["records"]
    group = asked_facts(c) if len(asked_facts(c)) > 1 else []
    texts = c.say(entry["say"])
    recorded = {
        r["fact"]: value_from_json(r["value"])
        for r in c.custom["recorded"]
        if r.get("source") != "derived"
        and (r["fact"] not in before or before[r["fact"]]["value"] != r["value"])
    }
    expect = expectations(entry)
    if expect == REFUSED:
        assert recorded == {} and texts, texts
        # asked again: at once, or (after a grouped question) when its turn comes
        reach(c, entry["at"], entry.get("answers") or {})
        return
    for fact, value in expect.items():
        want = expected_value(SPECS[fact], value)
        assert fact in recorded, (fact, texts)
        assert same_value(SPECS[fact], want, recorded[fact]), (fact, want, recorded[fact])
    # a checklist answer that names an item ("cervical CIS") says the others are absent
    assert set(recorded) - set(group) <= set(expect), (recorded, texts)
