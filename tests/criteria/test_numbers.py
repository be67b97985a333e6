"""Numbers as clinicians write them: digits, decimal commas, words with typos, ranges, comparators.

Every text goes through `normalise` first, as in the screener.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria.reading.numbers import (
    KNOWN_MISSPELLINGS,
    NOT_NUMBER_WORDS,
    ORDINAL_WORDS,
    Number,
    find_numbers,
    read_values,
)
from criteria.reading.text import normalise
from criteria.values import Range

INF = math.inf


def numbers(text: str) -> list[float]:
    return [n.value for n in find_numbers(normalise(text))]


def values(text: str) -> list[float | Range]:
    return [r.value for r in read_values(normalise(text))]


# --- digits, thousands separators and decimal commas ------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("58", [58]),
        ("He is 58.", [58]),
        ("5,400", [5400]),
        ("12,345", [12345]),
        ("1,234,567", [1234567]),
        ("5,400.5", [5400.5]),
        ("5.400,5", [5400.5]),
        ("1,5", [1.5]),
        ("0,8", [0.8]),
        ("4,25", [4.25]),
        ("0,800", [0.8]),  # a leading zero is never a thousands group
        ("7.4", [7.4]),
        (".5", [0.5]),
        ("ratio of .75", [0.75]),
        ("done, 5.", [5]),
        ("WBC 5,4, ANC 1,5, PLT 210", [5.4, 1.5, 210]),
        ("WBC 5,400, ANC 1,5, PLT 210", [5400, 1.5, 210]),
        ("ANC 1,5", [1.5]),
        ("ANC 1,5 and Hb 10,2 g/dL", [1.5, 10.2]),
        ("values 3, 4", [3, 4]),  # a comma followed by a space separates
        ("hb 12.5,plt 200", [12.5, 200]),
        ("74m", [74]),
        ("70F", [70]),
        ("2.5x ULN", [2.5]),
        ("AST 2.5xULN, ALT 1.8xULN", [2.5, 1.8]),
        ("x5 cycles", [5]),
        ("65%", [65]),
        ("5 thousand", [5000]),
        ("1.5 million", [1_500_000]),
        ("2 and a half years", [2.5]),
        ("68yo", [68]),
        ("68 y/o", [68]),
        ("pt is a 68-year-old", [68]),
        ("plts 150k", [150]),
        ("Hb 10.2g/dl", [10.2]),
        ("ECOG PS1", [1]),
        ("carboplatin x4", [4]),
    ],
)
def test_digits(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3",  # a version or a date: not one number
        "5,6,7",  # a list without spaces: which numbers is not certain
        "3.5,4.5",
        "2½",  # NFKC makes "21⁄2" of it: never 21
        "½",
        "2nd line",
        "1st-line chemo",
        "3rd",
        "21st",
        "4th cycle",
        "",
        "none",
        "no",
        "n/a",
    ],
)
def test_not_numbers(text):
    assert numbers(text) == []


def test_same_reading_alone_and_in_a_message():
    alone = numbers("1,5")
    inside = [n for n in numbers("WBC 5,4, ANC 1,5, PLT 210") if n == 1.5]
    assert alone == inside == [1.5]


def test_offsets_point_at_the_number():
    text = normalise("WBC 5,400 per uL, ANC 1,5")
    found = find_numbers(text)
    assert [text[n.start : n.end] for n in found] == ["5,400", "1,5"]


# --- negative numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-3", [-3]),
        ("- 3", [-3]),
        ("WBC -3", [-3]),
        ("WBC: -3", [-3]),
        ("WBC = -3", [-3]),
        ("x=-3", [-3]),
        ("(-3)", [-3]),
        ("delta 2, -1.5", [2, -1.5]),
        ("3-4", [3, 4]),
        ("3 -4", [3, 4]),
        ("3 - 4", [3, 4]),
        ("ECOG 0-1", [0, 1]),
        ("COVID-19", [19]),
        ("WBC - 3", [3]),  # a spaced dash after a word is a dash, not a minus
    ],
)
def test_negative_only_where_a_minus_stands_alone(text, expected):
    assert numbers(text) == expected


# --- numbers in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sixty-eight", [68]),
        ("sixty eight", [68]),
        ("Sixty-Eight", [68]),
        ("one hundred and ten", [110]),
        ("one hundred ten", [110]),
        ("a hundred", [100]),
        ("a thousand and one", [1001]),
        ("twenty one", [21]),
        ("twenty-one", [21]),
        ("zero", [0]),
        ("eleven", [11]),
        ("nineteen hundred", [1900]),
        ("two thousand three hundred and forty five", [2345]),
        ("one point five", [1.5]),
        ("two and a half", [2.5]),
        ("he is seventy two years old", [72]),
        ("three lesions in the liver and two in bone", [3, 2]),
        ("three and four", [3, 4]),  # never a sum
        ("one two", [1, 2]),
        ("twenty twenty", [20, 20]),
        ("between one hundred and two hundred", [100, 200]),
        ("sixty - eight", [60, 8]),  # a spaced dash does not make a compound
    ],
)
def test_words(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sixty eigth", [68]),
        ("fourty two", [42]),
        ("fourty", [40]),  # a known misspelling, read on its own
        ("ninty", [90]),
        ("ninteen", [19]),
        ("seventy-fiev", [75]),
        ("sevnety two", [72]),
        ("one hundered", [100]),
        ("two hundrd", [200]),
        ("twenty thre", [23]),
        ("two thre", [2]),  # "thre" is beside an exact word but not part of its number
        ("eigth sixty", [60]),
    ],
)
def test_words_with_typos(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "there",
        "there are lesions",
        "line",
        "light",
        "fifth",
        "forth",
        "first line",
        "second line",
        "tree",
        "eigth",  # a typo alone is not trusted ("eigth line" is an ordinal typo)
        "sixyt",
        "fiev",
        "seen",
        "fine",
        "none",
        "nice",
        "thirsty",
        "hundreds of lesions",
        "thousands",
        "sixty-eighth birthday",
        "twenty first cycle",
        "the fifth line",
        "foul",
        "zeros",
    ],
)
def test_words_that_are_not_numbers(text):
    assert numbers(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sixty there", [60]),
        ("three there", [3]),
        ("nine lines", [9]),
        ("one fifth", []),  # a fraction (or an ordinal): not the number one
        ("forty forth", [40]),
        ("eight light", [8]),
        ("seven seen", [7]),
    ],
)
def test_english_words_beside_numbers_stay_words(text, expected):
    assert numbers(text) == expected


def test_block_list_words_are_never_numbers_even_beside_one():
    for word in sorted(NOT_NUMBER_WORDS - ORDINAL_WORDS):
        assert numbers(f"sixty {word}") == [60], word
        assert numbers(f"{word} two") == [2], word


def test_an_ordinal_makes_the_words_before_it_an_ordinal():
    for word in sorted(ORDINAL_WORDS):
        assert numbers(f"sixty {word}") == [], word
        assert numbers(f"sixty-{word}") == [], word
        assert numbers(f"{word} two") == [2], word


def test_known_misspellings_read_alone():
    for word in KNOWN_MISSPELLINGS:
        assert len(numbers(word)) == 1, word


# --- ranges, comparators, markers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3-4", [Range(3, 4)]),
        ("3-4 lesions", [Range(3, 4)]),
        ("3 - 4", [Range(3, 4)]),
        ("3 to 4", [Range(3, 4)]),
        ("from 3 to 4", [Range(3, 4)]),
        ("between 3 and 4", [Range(3, 4)]),
        ("3 or 4", [Range(3, 4)]),
        ("three to four", [Range(3, 4)]),
        ("two or three", [Range(2, 3)]),
        ("between two and three", [Range(2, 3)]),
        ("thirty-five to forty", [Range(35, 40)]),
        ("ECOG 0-1", [Range(0, 1)]),
        ("ECOG 1-2", [Range(1, 2)]),
        ("1,5-2,5", [Range(1.5, 2.5)]),
        ("5,400-6,000", [Range(5400, 6000)]),
        ("1-2x ULN", [Range(1, 2)]),
        ("4-3", [4, 3]),  # not a range: low above high
        ("between 4 and 3", [4, 3]),
        ("3 and 4", [3, 4]),  # "and" makes a range only after "between"
        ("3, 4", [3, 4]),
        ("3/4", [3, 4]),  # a fraction, a ratio or a pair: never a range here
        ("3-3", [3]),
    ],
)
def test_ranges(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("more than 6", Range(6, INF, lo_open=True)),
        ("greater than 6", Range(6, INF, lo_open=True)),
        ("over 6", Range(6, INF, lo_open=True)),
        ("above 6", Range(6, INF, lo_open=True)),
        ("> 6", Range(6, INF, lo_open=True)),
        ("wbc>6", Range(6, INF, lo_open=True)),
        (">=6", Range(6, INF)),
        ("≥ 6", Range(6, INF)),
        ("at least 6", Range(6, INF)),
        ("no less than 6", Range(6, INF)),
        ("not less than 6", Range(6, INF)),
        ("greater than or equal to 6", Range(6, INF)),
        ("less than 3", Range(0, 3, hi_open=True)),
        ("fewer than 3", Range(0, 3, hi_open=True)),
        ("under 3", Range(0, 3, hi_open=True)),
        ("below 3", Range(0, 3, hi_open=True)),
        ("<3", Range(0, 3, hi_open=True)),
        ("<= 2", Range(0, 2)),
        ("≤2", Range(0, 2)),
        ("at most 2", Range(0, 2)),
        ("up to 2", Range(0, 2)),
        ("no more than 2", Range(0, 2)),
        ("not more than 2", Range(0, 2)),
        ("not above 2", Range(0, 2)),
        ("less than or equal to 2", Range(0, 2)),
        ("ECOG <= 2", Range(0, 2)),
        ("more than six months", Range(6, INF, lo_open=True)),
        ("5+", Range(5, INF)),
        ("5 or more", Range(5, INF)),
        ("5 and above", Range(5, INF)),
        ("five or more", Range(5, INF)),
        ("5 or less", Range(0, 5)),
        ("5 or fewer", Range(0, 5)),
        ("5 max", Range(0, 5)),
        ("more than 3-4", Range(3, INF, lo_open=True)),  # widened, never narrowed
        ("less than 3-4", Range(0, 4, hi_open=True)),
        ("3-4+", Range(3, INF)),
        ("less than -3", Range(-INF, -3, hi_open=True)),
    ],
)
def test_comparators(text, expected):
    assert values(text) == [expected]


def test_word_comparators_start_a_word():
    assert values("moreover 5") == [5]
    assert values("rollover 5") == [5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about 5", 5),
        ("~5", 5),
        ("approximately 5", 5),
        ("approx. 5", 5),
        ("roughly 5", 5),
        ("around 5", 5),
        ("circa 5", 5),
        ("5ish", 5),
        ("5-ish", 5),
        ("5 or so", 5),
        ("about 3-4", Range(3, 4)),
        ("about more than 6", Range(6, INF, lo_open=True)),
    ],
)
def test_approximate(text, expected):
    (reading,) = read_values(normalise(text))
    assert reading.value == expected
    assert reading.approximate


def test_exact_values_are_not_approximate():
    assert not any(r.approximate for r in read_values("5, 3-4, more than 6"))


def test_reading_spans_cover_markers():
    text = normalise("ECOG no more than 2, lesions between 3 and 4, about 5ish")
    spans = [text[r.start : r.end] for r in read_values(text)]
    assert spans == ["no more than 2", "between 3 and 4", "about 5ish"]


def test_read_values_on_given_numbers():
    text = "dob 14/03/1950, 3-4 lesions"
    kept = [n for n in find_numbers(text) if n.start > 15]
    assert [r.value for r in read_values(text, kept)] == [Range(3, 4)]


def test_long_message():
    text = normalise(
        "71-year-old man, squamous NSCLC stage IVB, 3-4 bone mets, ECOG 0-1, WBC 5,4, ANC 1,5, "
        "PLT 210, life expectancy more than 6 months, weight about sixty eigth kg"
    )
    readings = read_values(text)
    assert [r.value for r in readings] == [
        71,
        Range(3, 4),
        Range(0, 1),
        5.4,
        1.5,
        210,
        Range(6, INF, lo_open=True),
        68,
    ]
    assert [r.approximate for r in readings] == [False] * 7 + [True]


# --- properties ----------------------------------------------------------------------------------

PIECES = st.sampled_from(
    ["-", " - ", ",", ", ", ".", " ", "to", " or ", "between", "and", "more than", "<=", ">",
     "+", "sixty", "eigth", "there", "hundred", "a", "½", "⁄", "1st", "x", "%", "~", "about",
     "no", "not", "up to", "or more", "ish", "thousand", "point", "five", "e", "'"]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=120),
    st.lists(PIECES | st.integers(-10_000, 10_000).map(str) | st.floats(0, 1e6).map(str)).map(
        "".join
    ),
    st.lists(PIECES | st.integers(0, 999).map(str), max_size=30).map(" ".join),
)


@given(text=TEXTS)
@settings(max_examples=600, deadline=None)
def test_find_numbers_never_raises_and_is_ordered(text):
    for raw in (text, normalise(text)):
        found = find_numbers(raw)
        assert all(isinstance(n, Number) and math.isfinite(n.value) for n in found)
        assert [n.start for n in found] == sorted(n.start for n in found)
        assert all(0 <= n.start < n.end <= len(raw) for n in found)
        for a, b in itertools.pairwise(found):
            assert a.end <= b.start  # numbers never overlap
        readings = read_values(raw)
        assert len(readings) <= len(found)
        for r in readings:
            assert 0 <= r.start < r.end <= len(raw)
            if isinstance(r.value, Range):
                assert r.value.lo <= r.value.hi


@given(
    low=st.integers(0, 9999),
    high=st.integers(0, 9999),
    join=st.sampled_from(["-", " - ", " to ", " or "]),
)
def test_a_range_is_an_interval_never_a_sum(low, high, join):
    got = values(f"{low}{join}{high}")
    if low < high:
        assert got == [Range(low, high)]
    elif low == high:
        assert got == [low]
    else:
        assert got == [low, high]


@given(value=st.integers(0, 999_999))
def test_thousands_separators_round_trip(value):
    assert numbers(f"{value:,}") == [value]
    assert numbers(f"count {value:,}, next 1") == [value, 1]


@given(whole=st.integers(0, 999), frac=st.integers(1, 99))
def test_decimal_comma_reads_like_decimal_point(whole, frac):
    comma = numbers(f"{whole},{frac:02d}")
    point = numbers(f"{whole}.{frac:02d}")
    assert comma == point
    assert numbers(f"WBC {whole},{frac:02d}, ANC 2") == [*point, 2]
