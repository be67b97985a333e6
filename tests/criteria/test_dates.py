"""Dates of birth to an age on the screening date; where dates stand in a message."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria.reading.dates import (
    AmbiguousDate,
    BirthAge,
    ImpossibleDate,
    birth_age,
    date_spans,
    event_days,
)
from criteria.reading.text import normalise
from criteria.values import Range

TODAY = datetime.date(2026, 3, 10)  # a screening day before a 14 March birthday


def age(text: str, today: datetime.date = TODAY):
    return birth_age(normalise(text), today)


def spans(text: str) -> list[str]:
    norm = normalise(text)
    return [norm[s:e] for s, e in date_spans(norm)]


@pytest.mark.parametrize(
    "text",
    [
        "DOB 14/03/1950",
        "dob: 14/03/1950",
        "D.O.B. 14/03/1950",
        "d.o.b 14.03.1950",
        "DOB 14-03-1950",
        "date of birth 1950-03-14",
        "Date of birth: 1950/03/14",
        "date of birth is 14/03/1950",
        "birth date 14.3.1950",
        "birthdate 14 March 1950",
        "born 14/03/1950",
        "born on 14 march 1950",
        "born on the 14th of March 1950",
        "born 14 Mar 1950",
        "born 14 mar. 1950",
        "born March 14, 1950",
        "born Mar 14th 1950",
        "DOB 14-mar-1950",
        "dob 14mar1950",
        "DOB 03/14/1950",  # month first: unambiguous, 14 cannot be a month
        "dob 14/03/50",  # a two-digit year: 1950, the only century giving an age 0-120
        "dob 14 mar 50",
        "dob 14 mar '50",
        "71 yo man, dob 14/03/1950, ECOG 1",
    ],
)
def test_full_dates(text):
    result = age(text)
    assert isinstance(result, BirthAge)
    assert result.value == 75  # the 76th birthday is on 14 March, after TODAY


def test_age_counts_the_birthday_itself():
    assert age("dob 1950-03-10").value == 76
    assert age("dob 1950-03-11").value == 75
    assert age("dob 1950-03-14", datetime.date(2026, 12, 1)).value == 76


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born 1950", Range(75, 76)),
        ("born in 1950", Range(75, 76)),
        ("year of birth 1950", Range(75, 76)),
        ("YOB 1950", Range(75, 76)),
        ("born '50", Range(75, 76)),
        ("born in March 1950", Range(75, 76)),  # the birthday may be before or after the 10th
        ("born in mar 1950", Range(75, 76)),
        ("dob 03/1950", Range(75, 76)),
        ("born in June 1950", 75),  # June birthday: not yet on 10 March
        ("born in January 1950", 76),
        ("born 2026", 0),
    ],
)
def test_partial_dates(text, expected):
    result = age(text)
    assert isinstance(result, BirthAge)
    assert result.value == expected


def test_year_only_on_new_years_eve_is_exact():
    assert age("born 1950", datetime.date(2026, 12, 31)).value == 76


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("dob 04/03/1950", (75, 76)),  # 4 March (76 on the 10th) or 3 April (75)
        ("dob 10/03/1950", (75, 76)),  # 10 March: birthday today; 3 October: not yet
        ("dob 03.10.1950", (75, 76)),
        ("dob 14/03/20", (5, 105)),  # 2020 or 1920
    ],
)
def test_ambiguous_dates_are_asked_back(text, ages):
    result = age(text)
    assert isinstance(result, AmbiguousDate)
    assert result.ages == ages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dob 05/06/1950", 75),  # 5 June or 6 May: both still to come on 10 March
        ("dob 01/02/1950", 76),  # 1 February or 2 January: both passed
        ("dob 07/07/1950", 75),
    ],
)
def test_day_month_order_that_does_not_change_the_age(text, expected):
    assert age(text) == BirthAge(expected, 0, 14)


def test_one_reading_in_the_future_leaves_the_other():
    # 03/04/2026: 3 April (future on 10 March) or 4 March (last week)
    assert age("dob 03/04/2026") == BirthAge(0, 0, 14)


@pytest.mark.parametrize(
    "text",
    [
        "dob 31/02/1950",
        "dob 31/04/1950",
        "dob 29/02/1951",
        "dob 00/00/1950",
        "dob 45/03/1950",
        "dob 0000-01-01",
        "dob 13/1950",
        "dob 14/03/2030",
        "born 2027",
        "born in december 2026",
    ],
)
def test_impossible_dates(text):
    result = age(text)
    assert isinstance(result, ImpossibleDate)
    assert result.text == normalise(text).split(" ", 1)[1].removeprefix("in ")


def test_leap_day():
    assert age("dob 29/02/1952").value == 74


@pytest.mark.parametrize(
    "text",
    [
        "14/03/1950",  # no birth word: the caller decides
        "diagnosed 14/03/2019",
        "b. 1950",
        "born 1950s",
        "born in the 1950s",
        "born 50 years ago",
        "born at 32 weeks",
        "DCIS 2019",
        "ECOG 1, 74 years old",
        "",
        "born",
        "dob unknown",
        "firstborn 1950",
    ],
)
def test_no_birth_date(text):
    assert age(text) is None


def test_spans_include_trigger_and_date():
    text = normalise("74M, DOB 14/03/1950, ECOG 1")
    result = birth_age(text, TODAY)
    assert text[result.start : result.end] == "dob 14/03/1950"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/1950", ["14/03/1950"]),
        ("DCIS diagnosed 14.03.2019, treated", ["14.03.2019"]),
        ("1950-03-14", ["1950-03-14"]),
        ("surgery in March 2019 and 3/2020", ["march 2019", "3/2020"]),
        ("on the 14th of March 2019", ["the 14th of march 2019"]),
        ("march 14, 2019", ["march 14, 2019"]),
        ("dob 14/03/50, CT 01/02/26", ["14/03/50", "01/02/26"]),
        ("born 1950, ECOG 1", ["1950"]),  # a year counts as a date after a birth word
        ("31/02/1950", ["31/02/1950"]),  # not a calendar date, but a date written all the same
        ("WBC 5,4, ANC 1,5, PLT 210", []),
        ("3-4 lesions, ECOG 0-1", []),
        ("BP 120/80", []),
        ("1.5.2", []),
        ("version 1.2.3", []),
        ("DCIS 2019", []),  # a bare year without a birth word is left to the caller
        ("may 5 lesions", []),
    ],
)
def test_date_spans(text, expected):
    assert spans(text) == expected


# --- properties ----------------------------------------------------------------------------------

PIECES = st.sampled_from(
    ["dob", "d.o.b.", "born", "born in", "born on", "date of birth", "/", "-", ".", " ", ",",
     "'", "march", "mar", "feb", "the", "of", "th", "st", "1950", "50", "31", "02", "29", "13",
     "00", "0000", "9999", "2026", "2027", "is", ":"]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=80),
    st.lists(PIECES | st.integers(0, 10_000).map(str), max_size=20).map("".join),
    st.lists(PIECES | st.integers(0, 99).map(str), max_size=12).map(" ".join),
)
DAYS = st.dates(datetime.date(1900, 1, 1), datetime.date(2200, 12, 31))


@given(text=TEXTS, today=DAYS)
@settings(max_examples=600, deadline=None)
def test_never_raises_and_answers_are_consistent(text, today):
    for raw in (text, normalise(text)):
        result = birth_age(raw, today)
        if isinstance(result, BirthAge):
            value = result.value
            low, high = (value.lo, value.hi) if isinstance(value, Range) else (value, value)
            assert 0 <= low <= high <= low + 1
        elif isinstance(result, AmbiguousDate):
            assert len(result.ages) >= 2
            assert all(a >= 0 for a in result.ages)
        else:
            assert result is None or isinstance(result, ImpossibleDate)
        if result is not None:
            assert 0 <= result.start < result.end <= len(raw)
        found = date_spans(raw)
        assert found == sorted(found)
        assert all(0 <= s < e <= len(raw) for s, e in found)


@given(born=DAYS, today=DAYS, style=st.sampled_from(["iso", "named", "month first"]))
def test_written_date_gives_the_calendar_age(born, today, style):
    if style == "iso":
        written = born.isoformat()
    elif style == "named":
        written = f"{born.day} {born.strftime('%B').lower()} {born.year}"
    else:
        written = f"{born.strftime('%B').lower()} {born.day}, {born.year}"
    result = birth_age(f"dob {written}", today)
    if born > today:
        assert isinstance(result, ImpossibleDate)
    else:
        expected = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        assert result == BirthAge(expected, 0, 4 + len(written))


@given(born=DAYS, today=DAYS)
def test_numeric_date_is_read_or_asked_back(born, today):
    result = birth_age(f"dob {born.day:02d}/{born.month:02d}/{born.year}", today)
    if born > today:
        assert isinstance(result, (ImpossibleDate, BirthAge, AmbiguousDate))
        return
    expected = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if isinstance(result, AmbiguousDate):
        assert born.day <= 12 and born.day != born.month
        assert expected in result.ages
    else:
        assert result == BirthAge(expected, 0, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi 13/04/2025", (datetime.date(2025, 4, 13),)),  # 13 is no month
        ("mi 2025-04-03", (datetime.date(2025, 4, 3),)),
        ("mi 3rd april 2025", (datetime.date(2025, 4, 3),)),
        ("mi 05/05/2025", (datetime.date(2025, 5, 5),)),  # either order, one day
        ("mi 03/04/2025", (datetime.date(2025, 3, 4), datetime.date(2025, 4, 3))),
        ("mi 03/09/2026", (datetime.date(2026, 3, 9),)),  # 3 September is after TODAY
        ("mi 31/02/2025", ()),  # no such day
        ("mi march 2025", None),  # to the month only: not a day
        ("no mi", None),
    ],
)
def test_event_days(text, expected):
    """The days a past event's date can be: both orders when both are past calendar days."""
    assert event_days(text, 0, len(text), TODAY) == expected
