"""Numbers as clinicians write them: digits, words, ranges, comparators.

Two layers.  `find_numbers` finds every number written in the text, in digits ("5,400", "1,5",
"74m") or in words ("sixty-eight", "one hundred and ten", "sixty eigth"), and nothing else:
ordinals ("first line", "2nd line") are not numbers, and a list such as "3, 4" stays two numbers.
`read_values` then reads what each number stands for: an interval for "3-4" or "between 3 and 4"
(never a sum), an open or closed `Range` for "more than 6" or "5+", an approximate value for
"about 5".

Why the care: a value is recorded only when it is what the clinician meant.  So the readings are
conservative: a decimal comma is read the same way in a one-word answer and in a long message
("1,5" is 1.5 everywhere; a comma followed by a space separates), a typo in a number word is
forgiven only where it makes one number with a correctly spelled number word ("sixty eigth") or
is on a list of known misspellings ("fourty"), never for an English word (so "there" is never
three and "line" never nine); and anything this module cannot read for certain ("1.2.3",
"5,6,7", "1⁄2", a decade such as "70s") gives no number at all, so the caller asks back
instead of guessing.  Typos are found with rapidfuzz's optimal string alignment distance (one
edit, a swap counting as one).

Input text is expected to be normalised (`criteria.reading.text.normalise`); offsets are into it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from criteria.values import Range


@dataclass(frozen=True)
class Number:
    """One number written in the text, and where."""

    value: float
    start: int
    end: int


@dataclass(frozen=True)
class Reading:
    """The value a number stands for, spanning its comparator, range and markers."""

    value: float | Range
    start: int
    end: int
    approximate: bool = False


# ---------------------------------------------------------------------------------------------
# Number words (data)

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_HUNDRED = "hundred"
_NUMBER_WORDS = {**_SMALL, **_TENS, _HUNDRED: 100, **_SCALES}

# Misspellings common enough to be read anywhere: none of them is an English word.
KNOWN_MISSPELLINGS = {
    "fourty": "forty",
    "ninty": "ninety",
    "nintey": "ninety",
    "ninteen": "nineteen",
    "fiveteen": "fifteen",
    "fivteen": "fifteen",
    "fivety": "fifty",
    "eightteen": "eighteen",
    "fourtheen": "fourteen",
    "tweny": "twenty",
    "twentey": "twenty",
    "thirtey": "thirty",
    "hundered": "hundred",
}

# Ordinal words: "sixty-eighth" and "twenty first" are positions, not numbers.
ORDINAL_WORDS = frozenset(
    {
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
        "seventeenth", "eighteenth", "nineteenth", "twentieth", "thirtieth", "fortieth",
        "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth", "hundredth",
        "thousandth", "millionth", "billionth",
    }
)  # fmt: skip

# English words one edit away from a number word (same first letter, four letters or more):
# never read as numbers, even beside one.  Ordinals and plurals ("hundreds") are here too.  The
# list was checked against a 100,000-word English dictionary (Debian's wamerican): no other word
# of it is within one edit of a number word with the same first letter.
NOT_NUMBER_WORDS = ORDINAL_WORDS | {
    "zeros", "zeroes", "foul", "flour", "fours", "forth", "forte", "forts", "fort", "fine",
    "file", "fire", "fife", "fives", "fiver", "fifths", "nice", "none", "nile", "nines", "sever",
    "steven", "sevens", "seen", "eights", "there", "threw", "thee", "tree", "throe", "threes",
    "thirsty", "thirds", "sixths", "elven", "hundreds", "thousands", "millions", "billions",
    "bullion", "eighteens", "elevens", "fifteens", "fourteens", "nineteens", "seventeens",
    "sixteens", "thirteens", "twelves", "foray", "mullion", "nicety", "nike", "nina", "nite",
    "semen", "severn", "sven", "tyree", "zeno",
}  # fmt: skip

_FUZZY_TARGETS = tuple(w for w in _NUMBER_WORDS if len(w) >= 4)


@lru_cache(maxsize=4096)
def _number_word(word: str) -> tuple[str, bool] | None:
    """The number word `word` stands for, and whether it is spelled so that it can be trusted
    on its own (exactly, or a known misspelling).  A fuzzy match is returned untrusted."""
    if word in _NUMBER_WORDS:
        return word, True
    if word in KNOWN_MISSPELLINGS:
        return KNOWN_MISSPELLINGS[word], True
    if len(word) < 4 or word in NOT_NUMBER_WORDS:
        return None
    matches = process.extract(word, _FUZZY_TARGETS, scorer=OSA.distance, score_cutoff=1, limit=3)
    if len(matches) != 1:  # none, or two number words equally near: not sure which
        return None
    target = matches[0][0]
    if target[0] != word[0]:  # typos rarely hit the first letter; "line" is not "nine"
        return None
    return target, False


# ---------------------------------------------------------------------------------------------
# Numbers in digits

# A run of digits with inner separators; not preceded by a digit (or a digit and a separator).
_DIGIT_BLOB = re.compile(
    r"(?<![0-9])(?<![0-9][.,])(?:[0-9]+|(?<![\w.])\.[0-9])[0-9]*(?:[.,][0-9]+)*"
)
_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_EU_THOUSANDS = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+")
_DOT_DECIMAL = re.compile(r"[0-9]*\.?[0-9]+")
_COMMA_DECIMAL = re.compile(r"[0-9]+,[0-9]+")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)(?![a-z])", re.I)
_SIGN_CONTEXT = re.compile(r"(?:^|[=:(]|[,;]\s|[a-z]\s)\s*$", re.I)
_SPACED_SIGN_CONTEXT = re.compile(r"(?:^|[=:(])\s*$")
_DIGIT_SCALE = re.compile(r" (hundred|thousand|million|billion|lakhs?|lacs?)(?![a-z])", re.I)
# Indian notation after digits only ("1.5 lakh" platelets: 150,000): never a number word, which
# would let "lack" or "lake" be one
_LAKH = 100_000
_AND_A_HALF = re.compile(r"\s+and\s+a\s+half(?![a-z])", re.I)
_DECADE = re.compile(r"'?s(?![a-z])", re.I)  # "in his 70s", "the 1990s": ten years, no number


def _blob_value(blob: str) -> float | None:
    """The value of a run of digits and separators, or None when it is not one number."""
    if _THOUSANDS.fullmatch(blob):
        return float(blob.replace(",", ""))
    if _EU_THOUSANDS.fullmatch(blob):
        return float(blob.replace(".", "").replace(",", "."))
    if _DOT_DECIMAL.fullmatch(blob):
        return float(blob)
    if _COMMA_DECIMAL.fullmatch(blob):  # "1,5", "0,800", "4,25": a decimal comma
        return float(blob.replace(",", "."))
    return None  # "1.2.3", "5,6,7", "3.5,4.5": a date, a version or a list, not a number


def _sign(text: str, start: int) -> int:
    """Where the minus of a negative number starts, or `start` when there is none.

    A minus is a sign at the start of the text, after '=', ':' or '(', after ', ' or '; ', or
    after a word ("WBC -3"); after a number it joins a range ("3-4", "3 -4")."""
    window = max(0, start - 12)
    if start >= 1 and text[start - 1] == "-" and _SIGN_CONTEXT.search(text, window, start - 1):
        return start - 1
    if (
        start >= 2
        and text[start - 2 : start] == "- "
        and _SPACED_SIGN_CONTEXT.search(text, window, start - 2)
    ):
        return start - 2
    return start


def _digit_numbers(text: str) -> tuple[list[Number], list[tuple[int, int]]]:
    """Numbers in digits, and the spans of number words they absorbed ("5 thousand")."""
    found: list[Number] = []
    absorbed: list[tuple[int, int]] = []
    for m in _DIGIT_BLOB.finditer(text):
        start, end = m.span()
        if _ORDINAL_SUFFIX.match(text, end) or "⁄" in text[max(0, start - 1) : end + 1]:
            continue  # "2nd line"; "1⁄2" is what NFKC makes of "½": "2½" would read 21
        value = _blob_value(m.group())
        if value is None:
            continue
        if value >= 10 and value % 10 == 0 and _DECADE.match(text, end):
            continue  # "in his 70s" is 70 to 79: asked back
        scale = _DIGIT_SCALE.match(text, end)
        if scale:
            word = scale.group(1).lower()
            value *= 100 if word == _HUNDRED else _LAKH if word[:2] == "la" else _SCALES[word]
            absorbed.append(scale.span(1))
            end = scale.end()
        elif value.is_integer():
            half = _AND_A_HALF.match(text, end)
            if half:
                value += 0.5
                end = half.end()
        sign = _sign(text, start)
        if sign != start:
            value, start = -value, sign
        if math.isfinite(value):
            found.append(Number(value, start, end))
    return found, absorbed


# ---------------------------------------------------------------------------------------------
# Numbers in words


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int
    number: str | None  # the number word it stands for
    trusted: bool


_LETTERS = re.compile(r"[a-z]+", re.I)
_JOIN = re.compile(r"\s+|-")  # "sixty eight", "sixty-eight"
_AND_JOIN = re.compile(r"\s+")


def _words(text: str, absorbed: list[tuple[int, int]]) -> list[_Word]:
    out = []
    for m in _LETTERS.finditer(text):
        if m.span() in absorbed:
            continue
        word = m.group().lower()
        match = _number_word(word)
        out.append(
            _Word(word, m.start(), m.end(), match[0] if match else None, bool(match and match[1]))
        )
    return out


def _joined(text: str, a: _Word, b: _Word, pattern: re.Pattern[str] = _JOIN) -> bool:
    return bool(pattern.fullmatch(text, a.end, b.start))


def _word_number(text: str, words: list[_Word], i: int) -> tuple[Number | None, int]:
    """Read a number in words starting at words[i]: the number (None when it is not one, or
    rests only on typos) and the index after it."""
    first = words[i]
    pos = i
    tokens: list[_Word] = []
    if first.text == "a":  # "a hundred", "a thousand"
        nxt = words[i + 1] if i + 1 < len(words) else None
        if not (nxt and _joined(text, first, nxt) and nxt.number in (_HUNDRED, *_SCALES)):
            return None, i + 1
        pos = i + 1
        total, group, last, scale_cap = 0, 1, "small", math.inf
    elif first.number is None:
        return None, i + 1
    else:
        total, group, last, scale_cap = 0, 0, "start", math.inf
    has_hundred = False
    while pos < len(words):
        w = words[pos]
        prev = words[pos - 1]
        if pos > i and not _joined(text, prev, w):
            break
        if w.text == "and":  # only "hundred and ten", "thousand and five"
            nxt = words[pos + 1] if pos + 1 < len(words) else None
            after = words[pos + 2] if pos + 2 < len(words) else None
            if (
                last in ("hundred", "scale")
                and nxt is not None
                and nxt.number in {**_SMALL, **_TENS}
                and nxt.number != "zero"
                and _joined(text, w, nxt, _AND_JOIN)
                # "between one hundred and two hundred": the "and" joins two numbers
                and not (
                    after is not None
                    and _joined(text, nxt, after)
                    and after.number in (_HUNDRED, *_SCALES)
                )
            ):
                pos += 1
                last = "and"
                continue
            break
        word = w.number
        if word is None:
            break
        if word == "zero":
            if last != "start":
                break
            group, last = 0, "zero"
        elif word in _SMALL:
            v = _SMALL[word]
            if last == "start" or (last == "tens" and v < 10) or last in ("hundred", "and"):
                group += v
            elif last == "scale" and group == 0:
                group = v
            else:
                break
            last = "small"
        elif word in _TENS:
            if last in ("start", "hundred", "and") or (last == "scale" and group == 0):
                group += _TENS[word]
            else:
                break
            last = "tens"
        elif word == _HUNDRED:
            if last == "start":
                group = 100
            elif last == "small" and 0 < group < 20 and not has_hundred:
                group *= 100
            else:
                break
            has_hundred, last = True, "hundred"
        else:
            scale = _SCALES[word]
            if last == "start":
                group = 1
            elif last not in ("small", "tens", "hundred") or group == 0 or scale >= scale_cap:
                break
            total += group * scale
            group, has_hundred, last, scale_cap = 0, False, "scale", scale
        tokens.append(w)
        pos += 1
        if last == "zero":
            break
    if last == "and":  # never ends a number
        pos -= 1
    if not tokens or not any(t.trusted for t in tokens):
        return None, max(pos, i + 1)
    if (
        pos < len(words)
        and words[pos].text in ORDINAL_WORDS
        and _joined(text, tokens[-1], words[pos])
    ):
        return None, pos + 1  # "sixty-eighth", "twenty first": an ordinal
    value = float(total + group)
    end = tokens[-1].end
    decimals, pos = _decimals(text, words, pos, tokens[-1])
    if decimals:
        value += float("0." + "".join(str(_SMALL[d.number or ""]) for d in decimals))
        end = decimals[-1].end
    half = _AND_A_HALF.match(text, end)
    if half and last in ("small", "tens") and not decimals:
        value += 0.5
        end = half.end()
    return Number(value, first.start, end), pos


def _decimals(text: str, words: list[_Word], pos: int, last: _Word) -> tuple[list[_Word], int]:
    """The digit words after "point" ("one point five"), and the index after them."""
    if not (pos < len(words) and words[pos].text == "point" and _joined(text, last, words[pos])):
        return [], pos
    digits: list[_Word] = []
    prev = words[pos]
    for w in words[pos + 1 :]:
        if not (
            _joined(text, prev, w) and w.trusted and w.number in _SMALL and _SMALL[w.number] < 10
        ):
            break
        digits.append(w)
        prev = w
    if not digits:
        return [], pos
    return digits, pos + 1 + len(digits)


def _word_numbers(text: str, absorbed: list[tuple[int, int]]) -> list[Number]:
    words = _words(text, absorbed)
    found = []
    i = 0
    while i < len(words):
        number, i = _word_number(text, words, i)
        if number is not None:
            found.append(number)
    return found


def find_numbers(text: str) -> list[Number]:
    """Every number written in the text, in digits or in words, in order of position."""
    digits, absorbed = _digit_numbers(text)
    words = _word_numbers(text, absorbed)
    taken = [(n.start, n.end) for n in digits]
    words = [w for w in words if not any(s < w.end and w.start < e for s, e in taken)]
    return sorted(digits + words, key=lambda n: n.start)


# ---------------------------------------------------------------------------------------------
# What a number stands for

_COMPARATORS = [  # (words, symbols, kind); kind is one of ">", ">=", "<", "<="
    (r"(?:greater|more|higher) than or equal to", r"=>|>=", ">="),
    (r"(?:less|fewer|lower) than or equal to", r"=<|<=", "<="),
    (r"(?:more|greater|higher) than|over|above|in excess of|exceeding", r">", ">"),
    (r"at least|(?:a )?minimum(?: of)?", None, ">="),
    (r"(?:less|fewer|lower) than|under|below", r"<", "<"),
    (r"at most|up to|(?:a )?maximum(?: of)?", None, "<="),
]
# A word comparator starts a word ("moreover 5" is not "over 5"); a symbol may be glued ("wbc>5").
_COMPARATOR_BEFORE = re.compile(
    r"(?:(?<![a-z])(?P<neg>no|not)\s+)?(?P<op>"
    + "|".join(
        rf"(?<![a-z])(?:{words})" + (f"|{symbols}" if symbols else "")
        for words, symbols, _ in _COMPARATORS
    )
    + r")\s*$",
    re.I,
)
_FLIP = {">": "<=", ">=": "<", "<": ">=", "<=": ">"}
_APPROX_BEFORE = re.compile(
    r"(?:~|(?<![a-z])(?:about|approximately|approx\.?|around|roughly|circa|nearly|almost|"
    r"estimated|est\.))\s*$",
    re.I,
)
_BETWEEN_BEFORE = re.compile(r"(?<![a-z])(?P<word>between|from)\s+$", re.I)
_RANGE_JOIN = re.compile(r"\s*(?:-|to|or|through|thru)\s*", re.I)
_BETWEEN_JOIN = re.compile(r"\s+and\s+", re.I)
_AT_LEAST_AFTER = re.compile(
    r"\+(?![0-9])|\s+(?:or|and)\s+(?:more|greater|higher|above|over)(?![a-z])|"
    r"\s+at\s+least(?![a-z])",
    re.I,
)
_AT_MOST_AFTER = re.compile(
    r"\s+(?:or|and)\s+(?:less|fewer|lower|below|under)(?![a-z])|\s+at\s+(?:the\s+)?most(?![a-z])"
    r"|\s+max(?:imum)?(?![a-z])",
    re.I,
)
_APPROX_AFTER = re.compile(r"\s*-?ish(?![a-z])|\s+or\s+so(?![a-z])|\s+give\s+or\s+take", re.I)


def _op_kind(op: str) -> str:
    for words, symbols, kind in _COMPARATORS:
        if re.fullmatch(words, op, re.I) or (symbols and re.fullmatch(symbols, op)):
            return kind
    raise AssertionError(f"comparator {op!r} matched no pattern")  # the patterns are the same


def _bounded(kind: str, lo: float, hi: float) -> Range:
    """The Range a comparator makes of the interval [lo, hi] (one number: lo == hi).

    As in the old reader, "less than 3" is Range(0, 3, hi_open=True): counts and labs are not
    negative.  A comparator before a range widens it to cover every reading ("more than 3-4")."""
    if kind == ">":
        return Range(lo, math.inf, lo_open=True)
    if kind == ">=":
        return Range(lo, math.inf)
    floor = 0.0 if hi >= 0 else -math.inf
    return Range(floor, hi, hi_open=kind == "<")


def _prefix(text: str, start: int) -> tuple[int, str | None, bool]:
    """Markers before a number: where they start, the comparator kind, whether approximate."""
    approximate = False
    kind = None
    m = _APPROX_BEFORE.search(text, max(0, start - 20), start)
    if m:
        approximate, start = True, m.start()
    m = _COMPARATOR_BEFORE.search(text, max(0, start - 40), start)
    if m:
        kind = _op_kind(m.group("op"))
        if m.group("neg"):
            kind = _FLIP[kind]
        start = m.start()
        m = _APPROX_BEFORE.search(text, max(0, start - 20), start)
        if m:
            approximate, start = True, m.start()
    return start, kind, approximate


def read_values(text: str, numbers: list[Number] | None = None) -> list[Reading]:
    """What each number in the text stands for, in order: a value, or a Range for ranges
    ("3-4", "between 3 and 4", "3 or 4") and comparators ("more than 6", "<= 2", "5+").

    `numbers` are the numbers to read (default: all of `find_numbers(text)`); a caller that
    has set some aside (a date, a unit's "10^9") passes the rest."""
    if numbers is None:
        numbers = find_numbers(text)
    numbers = sorted(numbers, key=lambda n: n.start)
    readings: list[Reading] = []
    i = 0
    while i < len(numbers):
        n = numbers[i]
        start, kind, approximate = _prefix(text, n.start)
        lo = hi = n.value
        end = n.end
        i += 1
        between = _BETWEEN_BEFORE.search(text, max(0, start - 10), start)
        if i < len(numbers):
            nxt = numbers[i]
            join = _BETWEEN_JOIN if between and between.group("word") == "between" else None
            joined = (join and join.fullmatch(text, n.end, nxt.start)) or (
                _RANGE_JOIN.fullmatch(text, n.end, nxt.start)
            )
            if joined and n.value <= nxt.value:
                hi, end = nxt.value, nxt.end
                i += 1
                if between:
                    start = between.start()
        m = _AT_LEAST_AFTER.match(text, end)
        if m and kind is None:
            kind, end = ">=", m.end()
        m = _AT_MOST_AFTER.match(text, end)
        if m and kind is None:
            kind, end = "<=", m.end()
        m = _APPROX_AFTER.match(text, end)
        if m:
            approximate, end = True, m.end()
        value: float | Range
        if kind is not None:
            value = _bounded(kind, lo, hi)
        elif lo != hi:
            value = Range(lo, hi)
        else:
            value = lo
        readings.append(Reading(value, start, end, approximate))
    return readings
