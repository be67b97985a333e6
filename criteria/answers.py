"""Turning a clinician's free text into fact values.

Two entry points:
- `parse_answer(fact, text)`: the text answers one known question ("He is 58.", "WBC 5,400 per
  microliter.", "Only a bronchoscopic biopsy, nothing else.").
- `extract_facts(text)`: the text names several facts ("71-year-old man, squamous NSCLC, stage IVB,
  4 bone mets, ECOG 1, treatment naive"); a fact is picked up only where it is named.

Parsers never raise on any text: they return an `Answer`, a `Rejected` value (implausible, with
what is expected), or None when they cannot use the text.  Units go through Pint, so factors are
the units library's, not ours.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from criteria.facts import Fact, Site, load_facts, load_site
from criteria.values import Range, Value, describe

MAX_TEXT = 2000  # longer messages are parsed on their first 2,000 characters only


@dataclass(frozen=True)
class Answer:
    """A usable value for a fact; `value` None means the clinician does not know (yet)."""

    fact: str
    value: Value | None
    quote: str

    @property
    def unknown(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Rejected:
    """A value that cannot be right (age 400, WBC -3); it is never recorded."""

    fact: str
    message: str
    quote: str


Parse = Answer | Rejected | None

# ---------------------------------------------------------------------------------------------
# Text normalisation and numbers

_TRANSLATE = str.maketrans(
    {
        "×": "x",
        "µ": "u",
        "μ": "u",
        "⁹": "^9",
        "³": "^3",
        "−": "-",
        "–": "-",
        "—": "-",
        "≥": ">=",
        "≤": "<=",
        "’": "'",
        "‘": "'",
        "\u00a0": " ",
    }
)


def normalise(text: str) -> str:
    """Lower-case, unify look-alike characters, collapse spaces."""
    text = unicodedata.normalize("NFKC", str(text)[:MAX_TEXT].translate(_TRANSLATE))
    return re.sub(r"\s+", " ", text.lower()).strip()


_SMALL = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORD = "|".join(sorted([*_SMALL, *_TENS, *_SCALES], key=len, reverse=True))
_WORD_RUN = re.compile(rf"\b(?:{_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_WORD}))*\b")
_DIGITS = re.compile(
    r"(?:(?<![\w.])|(?<=^))(?P<neg>(?:(?<=^)|(?<=[\s(:=]))-\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)"
)


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int


def _words_value(run: str) -> float | None:
    total, current = 0, 0
    for token in re.split(r"[\s-]+", run):
        if token == "and" or not token:
            continue
        if token in _SMALL:
            current += _SMALL[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return float(total + current)


def find_numbers(text: str) -> list[Number]:
    """Every number in normalised text, written in digits or in words, in order."""
    found: list[Number] = []
    for m in _DIGITS.finditer(text):
        raw = m.group("num")
        if re.fullmatch(r"\d+,\d{1,2}", raw):  # "4,5": a decimal comma
            raw = raw.replace(",", ".")
        value = float(raw.replace(",", ""))
        if m.group("neg"):
            value = -value
        found.append(Number(value, m.start(), m.end()))
    for m in _WORD_RUN.finditer(text):
        value = _words_value(m.group(0))
        if value is not None:
            found.append(Number(value, m.start(), m.end()))
    return sorted(found, key=lambda n: n.start)


# ---------------------------------------------------------------------------------------------
# Units (Pint)

_COUNT = "1e9 / liter"
_UNIT_EXPRESSIONS = {
    "10^9/L": _COUNT,
    "/uL": "1 / microliter",
    "g/L": "gram / liter",
    "g/dL": "gram / deciliter",
    "umol/L": "micromole / liter",
    "mg/dL": "milligram / deciliter",
    "U/L": "enzyme_unit / liter",
    "ULN": "ULN",
}
_PER = r"(?:/|per\s*)"
_UL = r"(?:u|mc|micro\s*-?)\s*l(?:it(?:er|re)s?)?\b"
_COUNT_UNITS = [
    (rf"(?:x|\*)?\s*10\s*(?:\^|\*\*|e)?\s*9\s*{_PER}\s*l(?:it(?:er|re)s?)?\b", _COUNT),
    (rf"\bg(?:iga)?\s*{_PER}\s*l(?:it(?:er|re)s?)?\b", _COUNT),
    (rf"(?:x|\*)?\s*10\s*(?:\^|\*\*|e)?\s*3\s*{_PER}\s*{_UL}", "1e3 / microliter"),
    (rf"\b(?:k|thou(?:sand)?)\s*{_PER}\s*{_UL}", "1e3 / microliter"),
    (rf"(?:cells\s*)?{_PER}\s*{_UL}", "1 / microliter"),
    (rf"(?:cells\s*)?{_PER}\s*(?:cu(?:bic)?\s*)?(?:mm\s*(?:\^\s*3|3)?|millimet(?:er|re)s?)\b",
     "1 / microliter"),
    (r"\b(?:k|thousand)\b", "1e3 / microliter"),
]  # fmt: skip
_MASS_UNITS = [
    (rf"\bg(?:ms?|rams?)?\s*{_PER}\s*dl\b|\bg\s*%", "gram / deciliter"),
    (rf"\bg(?:ms?|rams?)?\s*{_PER}\s*l(?:it(?:er|re)s?)?\b", "gram / liter"),
]
_ULN_UNITS = [
    (r"(?:x|\*|times)?\s*(?:the\s*)?(?:uln|upper limits? of normal|upper limits?|upper normal)\b",
     "ULN"),
    (rf"\b(?:u|mc|micro)\s*mol(?:es?)?\s*{_PER}\s*l(?:it(?:er|re)s?)?\b", "micromole / liter"),
    (rf"\bmg\s*{_PER}\s*dl\b", "milligram / deciliter"),
    (rf"\b(?:i?u|units?)\s*{_PER}\s*l\b", "enzyme_unit / liter"),
]  # fmt: skip


def _unit_table(fact: Fact) -> list[tuple[re.Pattern[str], str]]:
    if fact.kind == "uln":
        table = _ULN_UNITS
    elif fact.unit == "10^9/L":
        table = _COUNT_UNITS
    else:
        table = _MASS_UNITS
    return [(re.compile(p), e) for p, e in table]


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def _quantity(value: float, expression: str) -> Any:
    ureg = _registry()
    return value * ureg.parse_expression(expression)


def convert(value: float, from_expr: str, to_expr: str, molar_mass: str | None = None) -> float:
    """Convert `value` from one unit expression to another with Pint.

    A molar mass bridges mass and substance concentrations (bilirubin mg/dL and µmol/L).
    """
    q = _quantity(value, from_expr)
    target = _quantity(1.0, to_expr)
    ratio = q / target
    if not ratio.dimensionless and molar_mass:
        mm = _registry().parse_expression(molar_mass)
        for candidate in (ratio / mm, ratio * mm):
            if candidate.dimensionless:
                ratio = candidate
                break
    return float(ratio.to("dimensionless").magnitude)


# ---------------------------------------------------------------------------------------------
# Shared phrase tests

_UNKNOWN = re.compile(
    r"\b(?:(?:i )?(?:don'?t|do not|dont|didn'?t) know|unknown|not (?:yet )?known|not sure|unsure|"
    r"pending|awaiting|waiting for|no idea|not (?:yet )?(?:done|available|assessed|tested|"
    r"measured|checked|recorded)|unclear|unavailable|can'?t say|cannot say|to be confirmed|"
    r"tbc|tbd|n/k|not certain|uncertain|no data|haven'?t (?:got|checked|seen)|idk|dunno|"
    r"no clue|not a clue)\b|^\W*\?+\W*$"
)
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|y|correct|affirmative|positive|true|indeed|definitely|she is|"
    r"he is|they are|she does|he does|she has|he has|it is)\b"
)
_NO = re.compile(
    r"^\W*(?:no|nope|nah|n|none|negative|never|not|denies|denied|nil|false|neither|nothing)\b"
)
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|denies|denied|nil|none|negative|free of|nor|neither|isn'?t|"
    r"aren'?t|hasn'?t|hadn'?t|doesn'?t|didn'?t|wasn'?t)\b"
)
_NORMAL = re.compile(
    r"(?<!ab)\b(?:normal|within (?:the )?(?:normal )?(?:limits?|range)|wnl|unremarkable|fine|"
    r"ok|okay)\b"
)
_LOW = re.compile(r"\b(?:low|reduced|decreased|below normal)\b")
_HIGH = re.compile(r"\b(?:high|raised|elevated|increased|above normal)\b")


def _negated(text: str, start: int) -> bool:
    """Is the phrase at `start` negated by a word shortly before it in the same clause?"""
    before = re.split(r"[,;.:!?]| but | however ", text[:start])[-1]
    words = before.split()[-5:]
    return bool(_NEGATION.search(" ".join(words)))


def is_unknown(text: str) -> bool:
    return bool(_UNKNOWN.search(normalise(text)))


# ---------------------------------------------------------------------------------------------
# Parsers, one per kind


def parse_answer(fact: Fact, text: str, site: Site | None = None) -> Parse:
    """Parse `text` as the answer to `fact`'s question.  Never raises."""
    try:
        norm = normalise(text)
        if not norm:
            return None
        if _UNKNOWN.search(norm) or any(p.search(norm) for p in fact.unknown_phrases):
            return Answer(fact.id, None, text)
        parser = _PARSERS[fact.kind]
        return parser(fact, norm, text, site or load_site())
    except Exception:  # a parser bug must never crash a conversation; treat as not understood
        return None


def _strip_mentions(fact: Fact, norm: str) -> str:
    for p in fact.mentions:
        norm = p.sub(" ", norm)
    return norm


def _check(fact: Fact, value: Value, quote: str) -> Answer | Rejected:
    r = value if isinstance(value, Range) else Range(float(value), float(value))
    low_ok = fact.min is None or r.lo >= fact.min
    high_ok = fact.max is None or r.hi <= fact.max or (r.hi == math.inf and r.lo <= fact.max)
    if not (low_ok and high_ok):
        return Rejected(fact.id, _expectation(fact, value), quote)
    if not isinstance(value, Range):
        if fact.integer and not float(value).is_integer():
            return Rejected(fact.id, _expectation(fact, value), quote)
        if fact.step and float(value) % fact.step:
            return Rejected(fact.id, _expectation(fact, value), quote)
        value = int(value) if fact.integer else round(float(value), 4)
    return Answer(fact.id, value, quote)


def _expectation(fact: Fact, value: Value) -> str:
    unit = f" {fact.unit}" if fact.unit and fact.kind != "uln" else ""
    if fact.kind == "uln":
        unit = " x ULN"
    shown = describe(value) if isinstance(value, Range) else f"{float(value):g}"
    limits = ""
    if fact.min is not None and fact.max is not None:
        limits = f" (between {fact.min:g} and {fact.max:g}{unit})"
    return (
        f"A {fact.label} of {shown}{unit} is not plausible. "
        f"Please give {fact.hint or 'a plausible value'}{limits}."
    )


_COMPARATOR = re.compile(
    r"(?P<op>more than|greater than|over|above|>=|>|at least|no less than|minimum of|"
    r"less than|fewer than|under|below|<=|<|at most|up to|no more than|maximum of|"
    r"about|approximately|around|roughly|~|estimated)\s*$"
)
_RANGE_JOIN = re.compile(r"^\s*(?:-|to|or|/)\s*$")


def _number_value(fact: Fact, norm: str, numbers: list[Number], index: int | Number) -> Value:
    """The value at numbers[index], widened to a Range by a comparator or a range ("0-1")."""
    if isinstance(index, Number):  # a sum already worked out
        return index.value
    n = numbers[index]
    prefix = norm[max(0, n.start - 20) : n.start]
    m = _COMPARATOR.search(prefix)
    if index + 1 < len(numbers):
        nxt = numbers[index + 1]
        if _RANGE_JOIN.match(norm[n.end : nxt.start]) and nxt.value >= n.value:
            return Range(n.value, nxt.value)
    if m:
        op = m.group("op")
        if op in ("more than", "greater than", "over", "above", ">"):
            return Range(n.value, math.inf, lo_open=True)
        if op in (">=", "at least", "no less than", "minimum of"):
            return Range(n.value, math.inf)
        if op in ("less than", "fewer than", "under", "below", "<"):
            return Range(0.0, n.value, hi_open=True)
        if op in ("<=", "at most", "up to", "no more than", "maximum of"):
            return Range(0.0, n.value)
    return n.value


_DURATION_UNIT = re.compile(r"^\s*(?:-\s*)?(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?)\b")
_DURATION_WORDS = [
    (re.compile(r"\b(?:a )?(?:few|couple of) weeks\b|\bweeks\b|\bdays\b"),
     Range(0, 3, hi_open=True)),
    (re.compile(r"\b(?:many |several )?years\b"), Range(12, math.inf)),
    (re.compile(r"\bhalf a year\b"), 6.0),
    (re.compile(r"\b(?:a|one) year\b"), 12.0),
]  # fmt: skip


def _parse_number(fact: Fact, norm: str, text: str, site: Site) -> Parse:
    body = _strip_mentions(fact, norm)
    numbers = find_numbers(body)
    if fact.durations:
        for i, n in enumerate(numbers):
            unit = _DURATION_UNIT.match(body[n.end :])
            if unit:
                value = _number_value(fact, body, numbers, i)
                u = unit.group("unit")
                u = {"wk": "week", "mo": "month", "yr": "year"}.get(u.rstrip("s"), u.rstrip("s"))
                factor = convert(1.0, u, "month")
                return _check(fact, _scale(value, factor), text)
        if not numbers:
            for pattern, value in _DURATION_WORDS:
                if pattern.search(body):
                    return _check(fact, value, text)
    if numbers:
        return _check(
            fact, _number_value(fact, body, numbers, _which_number(fact, body, numbers)), text
        )
    for phrase, value in fact.words.items():
        if re.search(rf"\b{re.escape(phrase)}\b", body):
            return _check(fact, value, text)
    if fact.many and any(p.search(body) for p in fact.many["phrases"]):
        return _check(fact, Range(float(fact.many["at_least"]), math.inf), text)
    meaning = fact.yes_means if _YES.search(body) else fact.no_means if _NO.search(body) else None
    if meaning:
        return _check(fact, _meaning(meaning), text)
    return None


# after a number: it is the total ("two: one in ...", "5 in total", "five metastases: ...")
_TOTAL = re.compile(
    r"^\s*(?:[:;(]|,|\.|-\s|$)|^\s+(?:in )?total\b|^\s+(?:altogether|overall)\b|"
    r"^\s+(?:distant )?(?:metastas[ie]s|mets|lesions|sites|deposits)\s*[:;(,-]"
)


def _which_number(fact: Fact, body: str, numbers: list[Number]) -> int | Number:
    """Which number answers the question: a percentage for a percent fact ("FEV1 1.8 L, 65%");
    for counts, the total ("two: one in the liver, one in bone") or else the sum of the parts
    ("two bone lesions and one adrenal")."""
    if fact.unit == "%":
        for i, n in enumerate(numbers):
            if body[n.end :].lstrip().startswith("%"):
                return i
    if fact.sum_mentions and len(numbers) > 1:
        for i, n in enumerate(numbers):
            if _TOTAL.match(body[n.end :]):
                return i
        return Number(sum(n.value for n in numbers), numbers[0].start, numbers[-1].end)
    return 0


def _scale(value: Value, factor: float) -> Value:
    if isinstance(value, Range):
        return Range(value.lo * factor, value.hi * factor, value.lo_open, value.hi_open)
    return round(float(value) * factor, 4)


def _meaning(spec: dict[str, float]) -> Value:
    if "exactly" in spec:
        return float(spec["exactly"])
    if "above" in spec:
        return Range(float(spec["above"]), math.inf, lo_open=True)
    if "at_most" in spec:
        return Range(0.0, float(spec["at_most"]))
    raise ValueError(f"unknown meaning {spec}")


def _unit_after(table: list[tuple[re.Pattern[str], str]], body: str, end: int) -> str | None:
    rest = body[end : end + 40]
    for pattern, expression in table:
        m = pattern.match(rest) or pattern.match(rest.lstrip())
        if m and (m.start() == 0):
            return expression
    return None


def _unit_spans(table: list[tuple[re.Pattern[str], str]], body: str) -> list[tuple[int, int]]:
    spans = []
    for pattern, _ in table:
        spans += [m.span() for m in pattern.finditer(body)]
    return spans


def _bare_unit(fact: Fact, value: float) -> str | None:
    for threshold, unit in fact.bare_units:
        if abs(value) <= threshold:
            return _UNIT_EXPRESSIONS[unit]
    return None


def _reference(fact: Fact, site: Site) -> Range | None:
    ref = site.reference_ranges.get(fact.id)
    if ref is None:
        return None
    if isinstance(ref, dict):  # by sex: the union of the ranges
        return Range(min(r[0] for r in ref.values()), max(r[1] for r in ref.values()))
    return Range(float(ref[0]), float(ref[1]))


def _parse_measurement(fact: Fact, norm: str, text: str, site: Site) -> Parse:
    table = _unit_table(fact)
    body = _strip_mentions(fact, norm)
    unit_spans = _unit_spans(table, body)
    numbers = [n for n in find_numbers(body) if not any(s <= n.start < e for s, e in unit_spans)]
    values: list[Value] = []
    for i, n in enumerate(numbers):
        if i and not fact.highest_of_several:
            break
        if values and isinstance(values[-1], Range) and n.value == values[-1].hi:
            continue  # the upper end of a range already read
        expression = _unit_after(table, body, n.end) or _bare_unit(fact, n.value)
        if expression is None:
            return Rejected(fact.id, _expectation(fact, n.value), text)
        value = _number_value(fact, body, numbers, i)
        values.append(_scale(value, _to_canonical(fact, expression, site)))
    if values:
        value = max(values, key=lambda v: v.hi if isinstance(v, Range) else v)
        return _check(fact, value, text)
    if (
        fact.kind == "uln"
        and _NORMAL.search(body)
        and not _negated(body, _NORMAL.search(body).start())
    ):
        return _check(fact, Range(0.0, 1.0), text)
    ref = _reference(fact, site)
    if ref is not None:
        m = _NORMAL.search(body)
        if m and not _negated(body, m.start()):
            return _check(fact, ref, text)
        if _LOW.search(body):
            return _check(fact, Range(fact.min or 0.0, ref.lo, hi_open=True), text)
        if _HIGH.search(body):
            return _check(fact, Range(ref.hi, math.inf, lo_open=True), text)
    return None


def _to_canonical(fact: Fact, expression: str, site: Site) -> float:
    """The factor that turns one `expression` unit into the fact's own unit."""
    if fact.kind == "uln":
        if expression == "ULN":
            return 1.0
        uln = site.upper_limits_of_normal[fact.id]
        number, _, unit = uln.partition(" ")
        return convert(1.0, expression, unit, fact.molar_mass) / float(number)
    return convert(1.0, expression, _UNIT_EXPRESSIONS[fact.unit or ""], fact.molar_mass)


def _parse_boolean(fact: Fact, norm: str, text: str, site: Site) -> Parse:
    for p in fact.no:
        if p.search(norm):
            return Answer(fact.id, False, text)
    negated_yes = False
    for p in fact.yes:
        for m in p.finditer(norm):
            if _negated(norm, m.start()):
                negated_yes = True
            else:
                return Answer(fact.id, True, text)
    if _NO.search(norm) or negated_yes:
        return Answer(fact.id, False, text)
    if _YES.search(norm):
        return Answer(fact.id, True, text)
    return None


def _parse_choice(fact: Fact, norm: str, text: str, site: Site) -> Parse:
    if any(p.search(norm) for p in fact.none_phrases):
        return Answer(fact.id, "none", text)
    found: list[str] = []
    remaining = norm
    for option in fact.options:
        for p in option.phrases:
            if p.search(remaining):
                if option.id not in found:
                    found.append(option.id)
                if fact.several == "worst":
                    remaining = p.sub(" ", remaining)
                else:
                    return Answer(fact.id, option.id, text)
    if found:
        return Answer(fact.id, found[-1], text)
    return None


_PARSERS = {
    "number": _parse_number,
    "lab": _parse_measurement,
    "uln": _parse_measurement,
    "boolean": _parse_boolean,
    "choice": _parse_choice,
}

# ---------------------------------------------------------------------------------------------
# Several facts in one message

_CLAUSE_SPLIT = re.compile(
    r"[;\n!?]|(?<!\d)\.|\.(?!\d)|,(?!\d{3}\b)|,\s+|\s+(?:and|with|but|plus|also|whereas)\s+"
)


def clauses(norm: str) -> list[tuple[int, str]]:
    """Split normalised text into clauses, keeping their offsets ("5,400" and "7.0" stay whole)."""
    out, start = [], 0
    for m in _CLAUSE_SPLIT.finditer(norm):
        if norm[start : m.start()].strip():
            out.append((start, norm[start : m.start()]))
        start = m.end()
    if norm[start:].strip():
        out.append((start, norm[start:]))
    return out


@dataclass(frozen=True)
class Extraction:
    """Facts named in a message, and which clauses they came from."""

    results: list[Answer | Rejected]
    used_clauses: set[int]


def extract_facts(
    text: str, facts: dict[str, Fact] | None = None, site: Site | None = None
) -> Extraction:
    """Pick out every fact the message names.  Never raises."""
    facts = facts or load_facts()
    site = site or load_site()
    try:
        return _extract(text, facts, site)
    except Exception:
        return Extraction([], set())


def _extract(text: str, facts: dict[str, Fact], site: Site) -> Extraction:
    norm = normalise(text)
    found: dict[str, Answer | Rejected] = {}
    sums: dict[str, float] = {}
    used: set[int] = set()
    parts = clauses(norm)
    for index, (_, clause) in enumerate(parts):
        hits = []
        for fact in facts.values():
            hits += [(m.start(), m.end(), fact) for p in fact.mentions for m in p.finditer(clause)]
        hits.sort(key=lambda h: h[0])
        done: set[str] = set()
        for i, (start, end, fact) in enumerate(hits):
            if fact.id in done:
                continue
            if fact.kind in ("boolean", "choice"):
                result = parse_answer(fact, clause, site)
            else:
                result = _numeric_near(fact, clause, start, end, hits, i, site)
            if result is None:
                continue
            done.add(fact.id)
            used.add(index)
            result = _with_quote(result, text)
            previous = found.get(fact.id)
            if (
                fact.sum_mentions
                and isinstance(result, Answer)
                and isinstance(result.value, (int, float))
                and isinstance(previous, Answer)
                and isinstance(previous.value, (int, float))
            ):
                sums[fact.id] = sums.get(fact.id, previous.value) + result.value
                result = _check(fact, sums[fact.id], text)
            if not isinstance(previous, Rejected):
                found[fact.id] = result
    return Extraction(list(found.values()), used)


def _with_quote(result: Answer | Rejected, text: str) -> Answer | Rejected:
    if isinstance(result, Answer):
        return Answer(result.fact, result.value, text)
    return Rejected(result.fact, result.message, text)


def _numeric_near(
    fact: Fact, clause: str, start: int, end: int, hits: list, i: int, site: Site
) -> Parse:
    """Read the value written right after (or, for `before` facts, right before) a mention."""
    nxt = next((h[0] for h in hits[i + 1 :] if h[2].id != fact.id and h[0] >= end), len(clause))
    prev = max((h[1] for h in hits[:i] if h[2].id != fact.id and h[1] <= start), default=0)
    tail = clause[end:nxt]
    head = clause[prev:start]
    candidates = []
    head_numbers = find_numbers(head)
    if fact.before and head_numbers and len(head) - head_numbers[-1].end <= 12:
        candidates.append(head[head_numbers[-1].start :])
    candidates.append(tail)
    for snippet in candidates:
        if not snippet.strip():
            continue
        result = parse_answer(fact, snippet, site)
        if result is not None and not (isinstance(result, Answer) and result.unknown):
            return result
        if result is not None and _UNKNOWN.search(snippet):
            return result
    return None
