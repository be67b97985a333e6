"""The language bank of issue 8, played through the criteria engine: no wrong value, ever.

`-k language_bank` runs every test here; `-k zero_wrong` only the play.  A refusal (the screener
asks back) is allowed; a wrong value is not.  The figures per category come from
`benchmarks/language_bank.py`.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from language_bank import (
    CATEGORIES,
    REFUSED,
    RIGHT,
    WRONG,
    Bank,
    Entry,
    bank_problems,
    load_bank,
    load_fact_specs,
    parse_interval,
    play_bank,
    same_value,
    score,
    summary,
    wrong_table,
)

from criteria.values import Range

BANK = load_bank()
SPECS = load_fact_specs()

# Every example of the issue's "What was seen", word for word: the bank must hold each.
ISSUE_EXAMPLES = (
    "59-year-old man, squamous cell carcinoma of the lung, stage IIIB, no metastatic disease on "
    "PET, ECOG 0",
    "brain mets ruled out",
    "absence of brain metastases",
    "pregnancy excluded",
    "declined surgery",
    "surgery planned next week",
    "possibly pregnant",
    "was IIIA, now IV",
    "no history of MI",
    "no MI or heart failure",
    "denies chest pain",
    "actually he had 2 cycles of cisplatin/pemetrexed",
    "ECOG 1",
    "AST 2.5x ULN, ALT 1.8x ULN",
    "AST 2.5 x ULN, ALT normal",
    "AST 95, ALT 45 U/L",
    "DOB 14/03/1950",
    "born 1950",
    "3-4 lesions",
    "sixty eigth",
    "ANC 1,5",
    "Hgb 25",
    "hb 7.4 mmol/L",
    "eGFR 60",
    "bili 1.9 mg/dL ULN 1.2",
    "adenoCA",
    "adenocarcinma",
    "sq cell ca",
    "stg 4",
    "cervical CIS",
    "DCIS 2019",
    "74M",
    "70F",
    "no prior tx",
    "4 cycles of carboplatin/paclitaxel",
    "multiple bone mets",
)


def test_language_bank_file_is_valid() -> None:
    """The bank itself: well formed, every fact and every phenomenon covered, both forms."""
    assert bank_problems(BANK, SPECS) == []
    entries = BANK.entries
    assert len(entries) >= 400
    named = {f for e in entries for f in e.expectations()} | {e.asked for e in entries}
    assert set(SPECS) <= named, f"facts never expected: {sorted(set(SPECS) - named)}"
    per_category = Counter(e.category for e in entries)
    assert all(per_category[c] >= 15 for c in CATEGORIES), per_category
    openings = [e for e in entries if e.asked is None]
    single = [e for e in entries if e.asked is not None]
    assert len(openings) >= 30 and len(single) >= 300
    assert sum(e.expect == REFUSED for e in entries) >= 50
    assert sum(isinstance(e.expect, dict) and len(e.expect) >= 5 for e in entries) >= 20
    said = {e.say for e in entries}
    assert [x for x in ISSUE_EXAMPLES if x not in said] == []


def test_language_bank_checker_finds_malformed_entries() -> None:
    """The file check above can fail: each kind of mistake is reported with its entry."""
    raw = {
        "today": "soon",
        "entries": [
            {"id": "a", "category": "plain", "asked": "stage", "say": "IV", "expect": "V"},
            {"id": "a", "category": "gossip", "say": "x", "expect": {"ecog": 1.5}},
            {"id": "b", "category": "plain", "say": "x", "expect": 3, "colour": "red"},
            {"id": "c", "category": "plain", "asked": "mood", "say": "x", "expect": REFUSED},
            {"id": "d", "category": "plain", "asked": "age", "say": "x", "expect": "<<3"},
            {"id": "e", "category": "plain", "say": "x", "expect": {"pregnant": "maybe"}},
            {"id": "f", "category": "plain", "say": "x", "expect": {"age": 200}},
            {"id": "g", "category": "plain", "say": 5, "expect": {"plt": "9..3"}},
            {"id": "h", "category": "plain", "given": {"kps": "refused"}, "say": "x"},
        ],
    }
    entries = tuple(
        Entry(
            id=e["id"],
            category=e["category"],
            say=e["say"],
            expect=e.get("expect"),
            asked=e.get("asked"),
            given=e.get("given", {}),
        )
        for e in raw["entries"]
    )
    problems = bank_problems(Bank(raw["today"], entries, raw), SPECS)
    text = "\n".join(problems)
    for needle in (
        "`today`",
        "entry a: expect: 'V' not in",
        "entry a: duplicate id",
        "unknown category 'gossip'",
        "ecog: 1.5 is not a whole number",
        "entry b: unknown keys ['colour']",
        "entry b: a bare expected value needs `asked`",
        "entry c: unknown asked fact 'mood'",
        "entry d: expect: '<<3' is not a number or an interval",
        "entry e: expect pregnant: 'maybe' is not true/false",
        "entry f: expect age: 200 outside 0..120",
        "entry g: `say` must be text",
        "entry g: expect plt: '9..3': empty interval",
        "entry h: missing ['expect']",
        "entry h: given kps",
    ):
        assert needle in text, f"{needle!r} not reported in:\n{text}"


@pytest.mark.parametrize(
    ("fact", "expected", "recorded", "same"),
    [
        ("metastases", parse_interval(">5"), Range(6, math.inf), True),  # whole numbers
        ("metastases", parse_interval("<3"), Range(-math.inf, 2), True),
        ("metastases", parse_interval("3..4"), 7, False),
        ("metastases", 0, Range(0, 0), True),
        ("life_expectancy", parse_interval("<=3"), Range(-math.inf, 3), True),
        ("life_expectancy", parse_interval("<3"), Range(0, 3), False),  # openness counts
        ("life_expectancy", parse_interval(">6"), Range(6, 600, lo_open=True), True),
        ("life_expectancy", parse_interval(">=12"), 12, False),
        ("hgb", 119.214, 119.2436, True),  # within 1e-3
        ("hgb", 119.214, 120.0, False),
        ("ast_alt", parse_interval("0..1"), Range(0, 1), True),
        ("allergy", False, 0, False),  # a bool is not a number
        ("allergy", None, False, False),  # unknown is not no
        ("stage", "IV", "IV", True),
    ],
)
def test_language_bank_compares_values(fact, expected, recorded, same) -> None:
    assert same_value(SPECS[fact], expected, recorded) is same


def test_language_bank_scores_each_fact() -> None:
    entry = Entry(
        "x", "long", "say", {"age": 70, "sex": "male", "stage": REFUSED}, given={"ecog": 1}
    )
    assert score(entry, {"age": 70.0, "ecog": 1}, SPECS) == {
        "age": RIGHT,
        "sex": REFUSED,
        "stage": RIGHT,
    }
    assert score(entry, {"age": 70, "stage": "IV", "ecog": 2}, SPECS)["stage"] == WRONG
    assert score(entry, {"age": 70, "ecog": 2}, SPECS)["ecog"] == WRONG
    assert score(entry, {"age": None}, SPECS)["age"] == WRONG
    repeat = Entry("y", "repeat", "ECOG 1", {"ecog": 1}, asked="metastases", given={"ecog": 1})
    assert score(repeat, {}, SPECS) == {"ecog": RIGHT}
    assert score(repeat, {"metastases": None}, SPECS)["metastases"] == WRONG
    refuse = Entry("z", "refuse", "ok", REFUSED, asked="stage")
    assert score(refuse, {}, SPECS) == {}
    assert score(refuse, {"stage": None}, SPECS) == {"stage": WRONG}


def test_language_bank_zero_wrong() -> None:
    """Every entry through `Screening.answer`: what the message recorded is never wrong."""
    played = play_bank(BANK, SPECS)
    wrong = [p for p in played if p.outcome == WRONG]
    if wrong:
        pytest.fail(
            f"{len(wrong)} wrong of {len(played)}\n{summary(played)}\n{wrong_table(played)}",
            pytrace=False,
        )
