"""The ConText rules file: token patterns, the years before this one, and loud errors."""

from __future__ import annotations

import datetime

import pytest

from criteria.errors import DefinitionError
from criteria.reading import context
from criteria.reading.context import classify, past_years

GOOD = """
rules:
  - {category: NEGATED_EXISTENCE, direction: FORWARD, literals: [no]}
  - category: HISTORICAL
    direction: BACKWARD
    max_scope: 2
    patterns:
      - [{LOWER: in, OP: "?"}, {PAST_YEAR: true}]
"""


def test_the_years_before_this_one():
    years = past_years(datetime.date(2026, 12, 1))
    assert years[0] == "1900" and years[-1] == "2025" and "2026" not in years


@pytest.mark.parametrize(
    ("text", "mention", "historical"),
    [
        ("pneumonia in March 2019", "pneumonia", True),
        ("had sepsis in Jan 2020", "sepsis", True),
        ("pneumonia 2019", "pneumonia", True),
        ("hepatitis B since 2015, on tenofovir", "hepatitis B", False),
        ("sepsis requiring ICU admission in 2021", "sepsis", True),
        ("stage IIIA NSCLC diagnosed 2021", "stage IIIA", True),  # the stage then
        ("pneumonia in 2015 and COPD since 2019", "pneumonia", True),
        (f"pneumonia in {datetime.date.today().year}", "pneumonia", False),  # this year
    ],
)
def test_a_date_before_this_year_makes_the_words_just_before_it_the_past(text, mention, historical):
    start = text.index(mention)
    (found,) = classify(text, [(start, start + len(mention))])
    assert found.historical is historical


def test_a_file_with_token_patterns_loads(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    rules = context._rules(path)
    shaped = [r for r in rules if r.pattern is not None and r.category == "HISTORICAL"]
    assert shaped and shaped[0].max_scope == 2
    assert shaped[0].pattern[-1]["TEXT"]["IN"][-1] == str(datetime.date.today().year - 1)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("{category: HISTORICAL, direction: BACKWARD, patterns: oops}", "list of token patterns"),
        ("{category: HISTORICAL, direction: BACKWARD, patterns: [[]]}", "list of token mappings"),
        (
            "{category: HISTORICAL, direction: BACKWARD, max_scope: 0, patterns: [[{LOWER: x}]]}",
            "max_scope",
        ),
        ("{category: HISTORICAL, direction: BACKWARD, literals: [x], max_scope: 2}", "needs"),
        (
            "{category: HISTORICAL, direction: BACKWARD, literals: [x], patterns: [[{LOWER: x}]]}",
            "needs",
        ),
    ],
)
def test_a_malformed_rule_fails_naming_the_file_and_rule(tmp_path, rule, says):
    path = tmp_path / "bad_rules.yaml"
    path.write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=says) as raised:
        context._rules(path)
    assert "bad_rules.yaml: rules[0]" in str(raised.value)
