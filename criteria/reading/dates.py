"""Dates of birth to an age on the screening date; and where dates stand in a message.

"DOB 14/03/1950" once recorded an age of 14, and "born 1950" an age of 1950 years.  A date is
read here only in the formats clinicians write (14/03/1950, 03/14/1950, 14.03.1950, 1950-03-14,
14 March 1950, March 14, 1950, 14-mar-1950, March 1950, 03/1950, and a year after a birth word),
with fixed patterns rather than a fuzzy date parser, so that no date is invented from numbers that
happen to stand together.

A birth date is read only after a birth word ("dob", "d.o.b.", "date of birth", "birth date",
"born", "born on/in", "year of birth", "yob").  "b. 1950" is not read: "b." is too many other
things in clinical shorthand.  The age is exact when the day is known; when only the year (or
the month) is known and the birthday may or may not have passed, the age is a `Range` of the two
possible ages.  When the order of day and month is unclear (04/03/1950) and the two readings give
different ages on the screening date, or a two-digit year fits two centuries, the answer is
`AmbiguousDate` with the possible ages, so the caller asks back rather than guessing.  A date
that cannot exist (31/02/1950) or lies in the future is `ImpossibleDate`.

`date_spans` lists every date written in a message, birth word or not, so that its digits are
not read as other numbers ("14/03/1950" is not 14, 3 and 1950).

Input text is expected to be normalised (`criteria.reading.text.normalise`); offsets are into it.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from criteria.values import Range

MAX_AGE = 120  # a two-digit year is read in the century that gives an age 0-120


@dataclass(frozen=True)
class BirthAge:
    """An age read from a date or year of birth; a Range when the birthday may not have passed."""

    value: int | Range
    start: int  # span of the date expression, birth word included
    end: int


@dataclass(frozen=True)
class AmbiguousDate:
    """A birth date read two ways (day/month order, century) that give different ages."""

    text: str
    start: int
    end: int
    ages: tuple[int, ...]


@dataclass(frozen=True)
class ImpossibleDate:
    """A birth date that is not a calendar date (31/02/1950) or lies after the screening date."""

    text: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------------
# Date expressions

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "febuary": 2, "feburary": 2, "march": 3,
    "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?<![a-z])(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
)
_NOT_AFTER_NUMBER = r"(?<![0-9])(?<![0-9][.,/-])"
_NOT_BEFORE_NUMBER = r"(?![0-9])(?![.,/-][0-9])"
_YEAR4 = r"(?P<year>[0-9]{4})"
_YEAR = r"(?P<year>[0-9]{4}|'?[0-9]{2})"  # after a month name or in a full numeric date
_YEAR_APOSTROPHE = r"(?P<year>[0-9]{4}|'[0-9]{2})"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"

# (kind, pattern); kinds: "ymd", "numeric" (day and month in either order), "dmy" (month named),
# "my" (month and year), "y" (year only, read after a birth word only)
_FORMATS = [
    ("ymd", rf"{_NOT_AFTER_NUMBER}{_YEAR4}(?P<sep>[-/.])(?P<m>[0-9]{{1,2}})(?P=sep)"
            rf"(?P<d>[0-9]{{1,2}}){_NOT_BEFORE_NUMBER}"),
    ("numeric", rf"{_NOT_AFTER_NUMBER}(?P<a>[0-9]{{1,2}})(?P<sep>[-/.])(?P<b>[0-9]{{1,2}})"
                rf"(?P=sep)(?P<year>[0-9]{{4}}|[0-9]{{2}}){_NOT_BEFORE_NUMBER}"),
    ("dmy", rf"{_NOT_AFTER_NUMBER}(?:the\s+)?{_DAY}(?:\s+of)?[\s./-]*{_MONTH}[\s./,-]*{_YEAR}"
            r"(?![0-9])"),
    ("dmy", rf"{_MONTH}\s*(?:the\s+)?{_DAY},?\s+{_YEAR_APOSTROPHE}(?![0-9])"),
    ("my", rf"{_MONTH}[\s,./-]*(?:of\s+)?{_YEAR_APOSTROPHE}(?![0-9])"),
    ("my", rf"{_NOT_AFTER_NUMBER}(?P<m>[0-9]{{1,2}})[/-]{_YEAR4}{_NOT_BEFORE_NUMBER}"),
]  # fmt: skip
_DATE_PATTERNS = [(kind, re.compile(p, re.I)) for kind, p in _FORMATS]
_YEAR_ONLY = re.compile(rf"{_YEAR_APOSTROPHE}(?![0-9])(?!s(?![a-z]))(?!'s)", re.I)

_BIRTH_WORD = re.compile(
    r"(?<![a-z])(?:d\.o\.b\.?|dob|date\s+of\s+birth|birth\s*date|year\s+of\s+birth|"
    r"birth\s*year|y\.o\.b\.?|yob|born(?:\s+(?:on|in))?)(?![a-z])",
    re.I,
)
_FILLER = re.compile(r"[\s:=,-]*(?:(?:is|was|on|in)(?![a-z])[\s:]*)?", re.I)


@dataclass(frozen=True)
class _Expression:
    kind: str
    start: int
    end: int
    match: re.Match[str]


def _expressions(text: str) -> list[_Expression]:
    """Every date expression in the text, the longest where two overlap."""
    found = [
        _Expression(kind, m.start(), m.end(), m)
        for kind, pattern in _DATE_PATTERNS
        for m in pattern.finditer(text)
    ]
    found.sort(key=lambda e: (e.start, -e.end))
    kept: list[_Expression] = []
    for e in found:
        if not kept or e.start >= kept[-1].end:
            kept.append(e)
    return kept


def _birth_expressions(text: str) -> list[tuple[int, _Expression]]:
    """Date expressions right after a birth word, with where the birth word starts."""
    out = []
    for trigger in _BIRTH_WORD.finditer(text):
        pos = _FILLER.match(text, trigger.end()).end()
        expression = None
        for kind, pattern in _DATE_PATTERNS:
            m = pattern.match(text, pos)
            if m and (expression is None or m.end() > expression.end):
                expression = _Expression(kind, m.start(), m.end(), m)
        if expression is None:
            m = _YEAR_ONLY.match(text, pos)
            if m:
                expression = _Expression("y", m.start(), m.end(), m)
        if expression is not None:
            out.append((trigger.start(), expression))
    return out


# a year with an apostrophe ("MI in '24", "chemo '19"): a year, never a number of anything
_APOSTROPHE_YEAR = re.compile(r"(?<![0-9a-z])'[0-9]{2}(?![0-9])(?!s(?![a-z]))")


def date_spans(text: str) -> list[tuple[int, int]]:
    """Every date written in the text (and a year after a birth word), in order."""
    spans = {(e.start, e.end) for e in _expressions(text)}
    spans |= {(e.start, e.end) for _, e in _birth_expressions(text)}
    spans |= {m.span() for m in _APOSTROPHE_YEAR.finditer(text)}
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
    return kept


def event_days(
    text: str, start: int, end: int, today: datetime.date
) -> tuple[datetime.date, ...] | None:
    """The days that the first date written to the day in text[start:end] ("13/04/2026",
    "2026-04-03", "3rd April 2026") can be, as the day of a past event: each reading of its
    day/month order (and of a two-digit year's century) that is a calendar date not after
    `today`.  None when no such date is written there; empty when it cannot be a past day."""
    for e in _expressions(text):
        if e.kind not in ("ymd", "numeric", "dmy") or e.start < start or e.end > end:
            continue
        days = {
            datetime.date(*first)
            for first, _ in _candidates(e, today)
            if _is_date(first) and datetime.date(*first) <= today
        }
        return tuple(sorted(days))
    return None


MONTH_NAMES = tuple(_MONTHS)


# ---------------------------------------------------------------------------------------------
# From a date expression to an age

_Day = tuple[int, int, int]  # (year, month, day), not yet known to be a calendar date


def _is_date(day: _Day) -> bool:
    year, month, d = day
    return 1 <= year <= 9999 and 1 <= month <= 12 and 1 <= d <= calendar.monthrange(year, month)[1]


def _years(raw: str, today: datetime.date) -> list[int]:
    """The years a written year can be: "1950"; "'50" or "50" in the centuries giving an age
    of 0 to MAX_AGE on `today`."""
    digits = raw.lstrip("'")
    if len(digits) == 4:
        return [int(digits)]
    candidates = [century + int(digits) for century in (1800, 1900, 2000, 2100)]
    return [y for y in candidates if 0 <= today.year - y <= MAX_AGE]


def _candidates(e: _Expression, today: datetime.date) -> list[tuple[_Day, _Day]]:
    """Each reading of the expression as the earliest and latest possible birth day."""
    g = e.match.groupdict()
    years = _years(g["year"] or "", today) if "year" in g else []
    out: list[tuple[_Day, _Day]] = []
    if e.kind == "ymd":
        day = (int(g["year"]), int(g["m"]), int(g["d"]))
        return [(day, day)]
    if e.kind == "numeric":
        a, b = int(g["a"]), int(g["b"])
        orders = {(a, b), (b, a)}  # (day, month) and (month, day)
        return [((y, m, d), (y, m, d)) for y in years for d, m in sorted(orders)]
    if e.kind == "dmy":
        month = _MONTHS[g["month"].lower()]
        return [((y, month, int(g["day"])),) * 2 for y in years]
    if e.kind == "my":
        month = _MONTHS[g["month"].lower()] if g.get("month") else int(g["m"])
        for y in years:
            last = calendar.monthrange(y, month)[1] if 1 <= y <= 9999 and 1 <= month <= 12 else 1
            out.append(((y, month, 1), (y, month, last)))
        return out
    return [((y, 1, 1), (y, 12, 31)) for y in years]  # "y": the year only


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _ages(readings: list[tuple[_Day, _Day]], today: datetime.date) -> list[tuple[int, int]] | None:
    """For each reading that is a calendar date not after `today`: its (lowest, highest) age.
    None when no reading is a calendar date at all."""
    dates = [(first, last) for first, last in readings if _is_date(first) and _is_date(last)]
    if not dates:
        return None
    out = []
    for first, last in dates:
        earliest = datetime.date(*first)
        if earliest > today:
            continue
        latest = min(datetime.date(*last), today)
        span = (_age(latest, today), _age(earliest, today))
        if span not in out:
            out.append(span)
    return out


def birth_age(text: str, today: datetime.date) -> BirthAge | AmbiguousDate | ImpossibleDate | None:
    """The age on `today` of a patient whose date or year of birth the text gives after a birth
    word; None when it gives none."""
    for start, e in _birth_expressions(text):
        quote = text[e.start : e.end]
        ages = _ages(_candidates(e, today), today)
        if not ages:  # not a calendar date, or only in the future
            return ImpossibleDate(quote, start, e.end)
        if len(ages) > 1:
            every = sorted({age for lo, hi in ages for age in range(lo, hi + 1)})
            return AmbiguousDate(quote, start, e.end, tuple(every))
        lo, hi = ages[0]
        value: int | Range = lo if lo == hi else Range(float(lo), float(hi))
        return BirthAge(value, start, e.end)
    return None
