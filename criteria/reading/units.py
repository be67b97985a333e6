"""Units as clinicians write them, read strictly and converted with Pint.

What is written after a number is one of three things: a known unit (`Unit`, its canonical key
from `units.yaml`), something unit-like that is not known (`UnknownUnit`: "7.4 mmol", "5 mg",
"foo/l"; the caller refuses it with the units expected, it is never dropped), or nothing
unit-like at all (None: a comma, "and", "lesions", the end of the text).  The written forms live
in `units.yaml` so that trial staff add a spelling without code; the factors are Pint's, from
the definitions in `lab_units.txt` (a registry of laboratory units only, built once).

Why so strict: a value is recorded only when it is what the clinician meant.  "Hb 7.4 mmol/L" is
119 g/L, not 74; "eGFR 60 mL/min" is not a creatinine; "Hgb 25" with no unit is neither 25 g/dL
nor 25 g/L, so it is asked back.  Conversion returns None whenever the dimensions do not match,
and a bare number takes a unit only where exactly one unit's plausible range holds it.

Text is expected to be normalised (`criteria.reading.text.normalise`); offsets are into it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from criteria.reading.text import normalise

PACKAGE_DIR = Path(__file__).resolve().parent
UNITS_FILE = PACKAGE_DIR / "units.yaml"
DEFINITIONS_FILE = PACKAGE_DIR / "lab_units.txt"

ULN = "x ULN"  # the key of a multiple of the upper limit of normal


@dataclass(frozen=True)
class Unit:
    """A known unit written in the text.

    `also` holds further readings of the same letters: after lower-casing, "g/l" is grams per
    litre or giga (10^9) per litre.  `convert` given a `Unit` uses the one reading that fits.
    """

    key: str
    start: int
    end: int
    also: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.also)


@dataclass(frozen=True)
class UnknownUnit:
    """Unit-like letters right after a number that are no known unit: refuse, never drop."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Ambiguous:
    """A bare number that is plausible in more than one unit: ask back with the unit."""

    units: tuple[str, ...]


StatedUln = tuple[float, Unit | UnknownUnit | None, tuple[int, int]]

# ---------------------------------------------------------------------------------------------
# The lexicon (units.yaml), compiled once


@dataclass(frozen=True)
class _Lexicon:
    pint: dict[str, str]  # unit key -> Pint expression
    forms: tuple[tuple[re.Pattern[str], str], ...]  # each written form and its unit key
    unit_like: frozenset[str]
    multiplier: re.Pattern[str]  # "x", "times": a written multiple ("2 x ULN", not "ULN 2")
    limit_number: re.Pattern[str]  # "uln 1.2": the limit named before its number
    limit: re.Pattern[str]
    reference_below: re.Pattern[str]
    reference_range: re.Pattern[str]


_FORM_TOKEN = re.compile(r"\[[^\]]*\]|[^\s\[\]]+")
_NUMBER = r"\d+(?:[.,]\d+)?(?![\d.,]*\d)"
_AFTER_LIMIT = r"\s*(?:[:=]\s*|(?:is|of|at|was)\s+)?"
_START = r"(?<![a-z])(?=\S)"  # a form starts at a word's start, never on a space
_END = r"(?![a-z0-9/^])"  # ... and does not run on into a letter, digit, "/" or power


class LexiconError(ValueError):
    """units.yaml does not say what it must; names the file and the field."""


def _spelling_pattern(spelling: str) -> str:
    return r"\s*".join(re.escape(part) for part in spelling.split())


def _word_pattern(word: str, spellings: Mapping[str, Sequence[str]]) -> str:
    if word in spellings:
        ordered = sorted((str(s) for s in spellings[word]), key=len, reverse=True)
        return "(?:" + "|".join(_spelling_pattern(s) for s in ordered) + ")"
    return re.escape(word)


def _form_pattern(form: str, spellings: Mapping[str, Sequence[str]]) -> str:
    """A form ("[x] 10^9 [cells] / l") as a regular expression; spaces may be left out."""
    out = ""
    for token in _FORM_TOKEN.findall(form):
        optional = token.startswith("[")
        if optional:
            body = _form_pattern(token[1:-1], spellings)
        else:
            body = _word_pattern(token, spellings)
        if not out:
            out = rf"(?:{body}\s*)?" if optional else f"(?:{body})"
        elif optional:
            out += rf"(?:\s*{body})?"
        else:
            out += rf"\s*(?:{body})"
    return out


def _alternatives(forms: Sequence[str], spellings: Mapping[str, Sequence[str]]) -> str:
    return "(?:" + "|".join(_form_pattern(f, spellings) for f in forms) + ")"


def _strings(data: Any, where: str) -> list[str]:
    if not isinstance(data, list) or not data or not all(isinstance(s, str) for s in data):
        raise LexiconError(f"{UNITS_FILE}: {where} must be a non-empty list of strings")
    return data


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise LexiconError(f"{UNITS_FILE}: expected a mapping at the top")
    spellings = data.get("spellings")
    if not isinstance(spellings, dict):
        raise LexiconError(f"{UNITS_FILE}: spellings must be a mapping")
    for name, written in spellings.items():
        _strings(written, f"spellings.{name}")
    units = data.get("units")
    if not isinstance(units, dict) or not units:
        raise LexiconError(f"{UNITS_FILE}: units must be a non-empty mapping")
    pint_expressions: dict[str, str] = {}
    forms: list[tuple[re.Pattern[str], str]] = []
    for key, entry in units.items():
        if not isinstance(entry, dict) or set(entry) != {"pint", "forms"}:
            raise LexiconError(f"{UNITS_FILE}: units.{key} needs exactly 'pint' and 'forms'")
        if not isinstance(entry["pint"], str):
            raise LexiconError(f"{UNITS_FILE}: units.{key}.pint must be a string")
        pint_expressions[str(key)] = entry["pint"]
        for form in _strings(entry["forms"], f"units.{key}.forms"):
            pattern = _START + _form_pattern(form, spellings) + _END
            forms.append((re.compile(pattern, re.IGNORECASE), str(key)))
    statements = data.get("uln_statements")
    if not isinstance(statements, dict):
        raise LexiconError(f"{UNITS_FILE}: uln_statements must be a mapping")
    limits = _alternatives(_strings(statements.get("limits"), "uln_statements.limits"), spellings)
    references = _alternatives(
        _strings(statements.get("references"), "uln_statements.references"), spellings
    )
    below = _alternatives(_strings(statements.get("below"), "uln_statements.below"), spellings)
    unit_like = _strings(data.get("unit_like_words"), "unit_like_words")
    flags = re.IGNORECASE
    return _Lexicon(
        pint=pint_expressions,
        forms=tuple(forms),
        unit_like=frozenset(w.lower() for w in unit_like),
        multiplier=re.compile(_word_pattern("x", spellings), flags),
        limit_number=re.compile(limits + _AFTER_LIMIT + r"\d", flags),
        limit=re.compile(_START + limits + _AFTER_LIMIT + rf"(?P<num>{_NUMBER})", flags),
        reference_below=re.compile(
            _START + references + r"\s*[:=]?\s*" + below + rf"\s*(?P<num>{_NUMBER})", flags
        ),
        reference_range=re.compile(
            _START + references + rf"\s*[:=]?\s*(?P<lo>{_NUMBER})\s*(?:-|to)\s*(?P<num>{_NUMBER})",
            flags,
        ),
    )


def unit_keys() -> list[str]:
    """Every canonical unit key, in the order of units.yaml (for validating facts.yaml)."""
    return list(_lexicon().pint)


# ---------------------------------------------------------------------------------------------
# Reading units in text


def _longest_form(text: str, i: int) -> tuple[int, list[str]] | None:
    """The end of the longest form starting at `i`, and every unit it is written for."""
    best_end, keys = i, []
    for pattern, key in _lexicon().forms:
        m = pattern.match(text, i)
        if m is None or m.end() < best_end or m.end() == i:
            continue
        if m.end() > best_end:
            best_end, keys = m.end(), []
        if key not in keys:
            keys.append(key)
    return (best_end, keys) if keys else None


# After a number: optional "x" or "*" (as in "x10^12/l"), then a run of letters, digits and the
# signs units are written with.  The run is unit-like if it has a power of ten or one of its
# words is a unit word ("mg", "ml", "foo/l"); otherwise it is words ("lesions", "in", "and/or").
_UNIT_RUN = re.compile(r"(?:[x*]\s*)?(?P<run>(?:[a-z%/]|10\s*\^)[a-z0-9%/^.*]*)", re.IGNORECASE)
_LETTERS = re.compile(r"[a-z]+", re.IGNORECASE)


def _unknown_unit(text: str, i: int) -> UnknownUnit | None:
    m = _UNIT_RUN.match(text, i)
    if m is None:
        return None
    run = m.group("run").rstrip(".")
    if not run:
        return None
    unit_like = _lexicon().unit_like
    end = m.start("run") + len(run)
    if "^" in run or any(w.lower() in unit_like for w in _LETTERS.findall(run)):
        return UnknownUnit(text[m.start() : end], m.start(), end)
    return None


def unit_after(text: str, pos: int) -> Unit | UnknownUnit | None:
    """The unit written right after a number that ends at `pos` (spaces allowed).

    None when nothing unit-like follows.  A limit named before its own number ("bili 1.9 ULN
    1.2") is not the unit of the first number: None, and `uln_stated` reads the limit.
    """
    n = len(text)
    i = min(max(pos, 0), n)
    while i < n and text[i].isspace():
        i += 1
    if i + 1 < n and text[i] == "-" and text[i + 1].isalpha():  # "59-year-old", "2-fold"
        i += 1
    found = _longest_form(text, i)
    if found is None:
        return _unknown_unit(text, i)
    end, keys = found
    lexicon = _lexicon()
    if (
        ULN in keys
        and lexicon.multiplier.match(text, i) is None
        and lexicon.limit_number.match(text, i) is not None
    ):
        return None
    return Unit(keys[0], i, end, tuple(keys[1:]))


_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_UNIT_MARKS = re.compile(r"[\d/%]")


def unit_spans(text: str) -> list[tuple[int, int]]:
    """Every unit written in the text (known or unknown), in order and not overlapping.

    So that the digits inside units ("10^9", "mm3", "1.73 m2") are never read as values.  A
    form is taken anywhere when it has a digit, "/" or "%" in it ("cells/mm3: 1500"); plain
    words ("months", "k") only right after a number.
    """
    spans: list[tuple[int, int]] = []
    for pattern, _key in _lexicon().forms:
        for m in pattern.finditer(text):
            if m.end() > m.start() and _UNIT_MARKS.search(m.group()):
                spans.append((m.start(), m.end()))
    for m in _DIGITS.finditer(text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        unit = unit_after(text, m.end())
        if unit is not None:
            spans.append((unit.start, unit.end))
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end))
        elif end > kept[-1][1]:
            kept[-1] = (kept[-1][0], end)
    return kept


# ---------------------------------------------------------------------------------------------
# Conversion (Pint)


@lru_cache(maxsize=1)
def _registry() -> Any:
    """The laboratory unit registry: lab_units.txt only, built once (Pint is slow to build)."""
    import pint

    return pint.UnitRegistry(str(DEFINITIONS_FILE), cache_folder=None)


def _expression(key: str) -> str:
    try:
        return _lexicon().pint[key]
    except KeyError:
        raise ValueError(f"unknown unit key {key!r}; units.yaml has {unit_keys()}") from None


@lru_cache(maxsize=1024)
def _factor(unit: str, to: str, molar_mass: str | None) -> float | None:
    """What one `unit` is in `to`; None when the dimensions differ (even across molar mass)."""
    ureg = _registry()
    ratio = ureg.parse_expression(_expression(unit)) / ureg.parse_expression(_expression(to))
    candidates = [ratio]
    if molar_mass:
        mass = ureg.parse_expression(molar_mass)
        candidates += [ratio * mass, ratio / mass]
    for candidate in candidates:
        if candidate.dimensionless:
            return float(candidate.to("dimensionless").magnitude)
    return None


def convert(value: float, unit: str | Unit, to: str, molar_mass: str | None = None) -> float | None:
    """`value` from `unit` into unit key `to`; None when the dimensions do not match.

    A molar mass ("584.66 g/mol", or a name from lab_units.txt such as "haemoglobin_monomer")
    bridges mass and substance concentrations.  Given a `Unit` with several readings ("g/l"),
    the one reading that converts is used; if none or more than one does, None.
    """
    if not math.isfinite(value):
        return None
    keys = unit.keys if isinstance(unit, Unit) else (unit,)
    factors = {f for f in (_factor(k, to, molar_mass) for k in keys) if f is not None}
    if len(factors) != 1:
        return None
    result = value * factors.pop()
    return result if math.isfinite(result) else None


def expected_units(
    to: str, molar_mass: str | None = None, uln_unit: str | None = None
) -> list[str]:
    """The unit keys that convert to `to`, in units.yaml order, for the re-ask.

    For `to` = "x ULN", `uln_unit` (the unit of the laboratory's ULN) adds the absolute units.
    """
    keys = unit_keys()
    found = [k for k in keys if _factor(k, to, molar_mass) is not None]
    if to == ULN and uln_unit is not None:
        found += [
            k for k in keys if k not in found and _factor(k, uln_unit, molar_mass) is not None
        ]
    return found


def multiple_of_uln(
    value: float, unit: str | Unit, uln: tuple[float, str], molar_mass: str | None = None
) -> float | None:
    """`value` in `unit` as a multiple of the upper limit of normal `uln` (value, unit key)."""
    limit, limit_unit = uln
    if not (math.isfinite(limit) and limit > 0):
        return None
    if (isinstance(unit, Unit) and unit.keys == (ULN,)) or unit == ULN:
        return value if math.isfinite(value) else None
    absolute = convert(value, unit, limit_unit, molar_mass)
    return None if absolute is None else absolute / limit


def plausible_uln(
    stated: tuple[float, str],
    site: tuple[float, str],
    molar_mass: str | None = None,
    factor: float = 3.0,
) -> bool:
    """Whether a ULN stated in a message is within `factor` of the site's ULN.

    Laboratories differ in their limits by less than that, while a limit read in the wrong unit
    (1.2 taken as µmol/L when it was mg/dL) is off by 17 to 88 times; such a limit is asked back.
    """
    value, unit = stated
    in_site_unit = convert(value, unit, site[1], molar_mass)
    if in_site_unit is None or in_site_unit <= 0 or site[0] <= 0:
        return False
    return 1 / factor <= in_site_unit / site[0] <= factor


# ---------------------------------------------------------------------------------------------
# Bare numbers, stated limits, written quantities


def bare_unit(value: float, candidates: Mapping[str, Sequence[float]]) -> str | Ambiguous | None:
    """The unit of a number written without one, where exactly one unit's range holds it.

    `candidates` (from facts.yaml) maps unit keys to plausible [low, high] ranges, both ends
    included.  None when no range holds the value (refuse); `Ambiguous` when several do.
    """
    if not math.isfinite(value):
        return None
    fits = tuple(key for key, (low, high) in candidates.items() if low <= value <= high)
    if not fits:
        return None
    if len(fits) == 1:
        return fits[0]
    return Ambiguous(fits)


def _number(written: str) -> float | None:
    """A limit's number: "1.2", "1,2" (a decimal comma); "1,200" is ambiguous and not read."""
    if "," in written:
        whole, _, part = written.partition(",")
        if len(part) == 3:
            return None
        written = f"{whole}.{part}"
    return float(written)


def uln_stated(text: str, start: int, end: int) -> StatedUln | None:
    """The upper limit of normal written within `text[start:end]`, with its unit and span.

    "ULN 1.2", "(ULN 1.2 mg/dL)", "upper limit 1.2", "normal < 1.2", "ref 0.3-1.2" -> 1.2.  The
    unit is None when the limit has none (the caller takes the value's own unit and checks it
    with `plausible_uln`), or an `UnknownUnit` to refuse.  The first statement in the span wins.
    """
    n = len(text)
    start, end = min(max(start, 0), n), min(max(end, 0), n)
    lexicon = _lexicon()
    matches = [
        m
        for pattern in (lexicon.limit, lexicon.reference_below, lexicon.reference_range)
        for m in pattern.finditer(text, start, end)
    ]
    for m in sorted(matches, key=lambda m: m.start()):
        limit = _number(m.group("num"))
        if limit is None:
            continue
        if "lo" in m.groupdict():
            low = _number(m.group("lo"))
            if low is None or low > limit:
                continue
        unit = unit_after(text[:end], m.end("num"))
        stop = unit.end if unit is not None else m.end("num")
        return limit, unit, (m.start(), stop)
    return None


def parse_quantity(text: str) -> tuple[float, str] | None:
    """A whole written quantity with one reading, such as site.yaml's ULN "21 umol/L"."""
    norm = normalise(text)
    m = re.match(rf"({_NUMBER})", norm)
    if m is None:
        return None
    value = _number(m.group(1))
    unit = unit_after(norm, m.end())
    if value is None or not isinstance(unit, Unit) or unit.also or unit.end != len(norm):
        return None
    return value, unit.key
