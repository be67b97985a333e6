"""The language bank (tests/cases/language.yaml): load it, check it, play it, score it.

The bank is the measure of the screener's reading, written apart from the reader so that the
reader cannot shape its own test.  One copy of the playing and scoring code, shared by the test
(tests/criteria/test_language_bank.py) and the benchmark (benchmarks/language_bank.py).

Scoring, per fact the message may touch:
- right: recorded with the expected value;
- refused: an expected fact left unrecorded (the screener asks back: allowed);
- wrong: recorded with another value (unknown counts as another value), or a fact recorded that
  the entry does not list, or anything recorded where the entry expects `refused`.
A fact re-recorded with the very value it already had (`given`) changes nothing and is ignored;
an expected fact the screening already held with that value (a repeat) is right as it stands.
An entry is wrong if any fact is wrong, right if every listed fact is right, refused otherwise.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from criteria.values import Range

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "tests" / "cases" / "language.yaml"
FACTS_FILE = ROOT / "criteria" / "facts.yaml"

CATEGORIES = (
    "plain",
    "negation",
    "uncertainty",
    "history",
    "family",
    "hypothetical",
    "attribution",
    "labs-worst",
    "dates",
    "numbers",
    "units",
    "uln",
    "typos",
    "shorthand",
    "long",
    "repeat",
    "refuse",
)
ENTRY_KEYS = {"id", "category", "asked", "given", "say", "expect", "note"}
REQUIRED_KEYS = {"id", "category", "say", "expect"}
REFUSED, UNKNOWN = "refused", "unknown"
RIGHT, WRONG = "right", "wrong"
REL_TOL = 1e-3
NUMERIC_KINDS = ("number", "lab", "uln")

_INTERVAL = re.compile(
    r"^\s*(?:(?P<lo>-?\d+(?:\.\d+)?)\s*\.\.\s*(?P<hi>-?\d+(?:\.\d+)?)"
    r"|(?P<op>>=|<=|>|<)\s*(?P<x>-?\d+(?:\.\d+)?))\s*$"
)


# ---- the bank --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactSpec:
    """What the bank needs to know of a fact: its kind, its values, its bounds."""

    id: str
    kind: str
    choices: frozenset[str] = frozenset()
    minimum: float = -math.inf
    maximum: float = math.inf
    integer: bool = False


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    say: str
    expect: Any  # a value, `refused`, or {fact: value}
    asked: str | None = None
    given: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    def expectations(self) -> dict[str, Any]:
        """{fact: expected value or `refused`/`unknown`}; {} when nothing may be recorded."""
        if isinstance(self.expect, dict):
            return dict(self.expect)
        if self.expect == REFUSED:
            return {}
        return {self.asked: self.expect} if self.asked else {}


@dataclass(frozen=True)
class Bank:
    today: date
    entries: tuple[Entry, ...]
    raw: dict[str, Any]


def load_fact_specs(path: Path = FACTS_FILE) -> dict[str, FactSpec]:
    """Read the fact registry as plain data, so the bank is checked without the reader."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {}
    for fact in data["facts"]:
        choices = set(fact.get("options") or {})
        if fact.get("none_option") or "none_phrases" in fact:
            choices.add("none")  # "no other cancer": a value of its own
        specs[fact["id"]] = FactSpec(
            id=fact["id"],
            kind=fact["kind"],
            choices=frozenset(choices),
            minimum=float(fact.get("min", -math.inf)),
            maximum=float(fact.get("max", math.inf)),
            integer=bool(fact.get("integer", False)),
        )
    return specs


def load_bank(path: Path = BANK) -> Bank:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = tuple(
        Entry(
            id=str(e.get("id")),
            category=str(e.get("category")),
            say=e.get("say"),
            expect=e.get("expect"),
            asked=e.get("asked"),
            given=dict(e.get("given") or {}),
            note=e.get("note"),
        )
        for e in raw.get("entries") or []
    )
    return Bank(today=raw.get("today"), entries=entries, raw=raw)


# ---- values ----------------------------------------------------------------------------------


def parse_interval(text: str) -> Range | None:
    """ "0..1", ">6", ">=6", "<3", "<=3" as a Range (upper-only intervals start at 0)."""
    m = _INTERVAL.match(text)
    if not m:
        return None
    if m.group("lo") is not None:
        return Range(float(m.group("lo")), float(m.group("hi")))
    x = float(m.group("x"))
    return {
        ">": Range(x, math.inf, lo_open=True),
        ">=": Range(x, math.inf),
        "<": Range(0.0, x, hi_open=True),
        "<=": Range(0.0, x),
    }[m.group("op")]


def expected_value(spec: FactSpec, value: Any) -> Any:
    """The bank's spelling of a value as the engine's: intervals become Ranges."""
    if value == UNKNOWN:
        return None
    if spec.kind in NUMERIC_KINDS and isinstance(value, str):
        return parse_interval(value)
    return value


def value_problem(spec: FactSpec, value: Any) -> str | None:
    """Why `value` cannot be a value of this fact, or None."""
    if value == UNKNOWN:
        return None
    if spec.kind == "boolean":
        return None if isinstance(value, bool) else f"{value!r} is not true/false"
    if spec.kind == "choice":
        return None if value in spec.choices else f"{value!r} not in {sorted(spec.choices)}"
    if spec.kind not in NUMERIC_KINDS:
        return f"unknown kind {spec.kind!r}"
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    if isinstance(value, (int, float)):
        bounds = (float(value), float(value))
        if spec.integer and float(value) != int(value):
            return f"{value!r} is not a whole number"
    elif isinstance(value, str):
        r = parse_interval(value)
        if r is None:
            return f"{value!r} is not a number or an interval"
        if r.lo > r.hi:
            return f"{value!r}: empty interval"
        bounds = (r.lo, r.hi if r.hi != math.inf else r.lo)
    else:
        return f"{value!r} is not a number"
    if bounds[0] < spec.minimum or bounds[1] > spec.maximum:
        return f"{value!r} outside {spec.minimum:g}..{spec.maximum:g}"
    return None


def _normalised(spec: FactSpec, value: float | int | Range) -> tuple[float, float, bool, bool]:
    """Bounds comparable across spellings: no bound = +-inf, whole-number facts closed."""
    r = value if isinstance(value, Range) else Range(float(value), float(value))
    lo, hi, lo_open, hi_open = float(r.lo), float(r.hi), r.lo_open, r.hi_open
    if lo <= max(0.0, spec.minimum) and lo != hi:
        lo, lo_open = -math.inf, False
    if hi >= spec.maximum and lo != hi:
        hi, hi_open = math.inf, False
    if spec.integer:
        if lo != -math.inf:
            lo = lo + 1 if lo_open and lo == int(lo) else float(math.ceil(lo))
            lo_open = False
        if hi != math.inf:
            hi = hi - 1 if hi_open and hi == int(hi) else float(math.floor(hi))
            hi_open = False
    return lo, hi, lo_open, hi_open


def _close(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)


def same_value(spec: FactSpec, expected: Any, recorded: Any) -> bool:
    """Does a recorded value (engine form) equal the expected one (engine form)?"""
    if expected is None or recorded is None:
        return expected is None and recorded is None
    if isinstance(expected, bool) or isinstance(recorded, bool):
        return isinstance(expected, bool) and isinstance(recorded, bool) and expected == recorded
    if isinstance(expected, str) or isinstance(recorded, str):
        return expected == recorded
    if not isinstance(expected, (int, float, Range)) or not isinstance(
        recorded, (int, float, Range)
    ):
        return False
    e, r = _normalised(spec, expected), _normalised(spec, recorded)
    return _close(e[0], r[0]) and _close(e[1], r[1]) and e[2:] == r[2:]


# ---- checking the bank -------------------------------------------------------------------------


def bank_problems(bank: Bank, specs: dict[str, FactSpec]) -> list[str]:
    """Every way the bank file is malformed (empty when it can be played)."""
    problems = []
    if not isinstance(bank.today, date):
        problems.append("`today` must be a date (YYYY-MM-DD)")
    raw_entries = bank.raw.get("entries") or []
    seen: set[str] = set()
    for raw, entry in zip(raw_entries, bank.entries, strict=True):
        where = f"entry {entry.id}"
        keys = set(raw) if isinstance(raw, dict) else set()
        if missing := REQUIRED_KEYS - keys:
            problems.append(f"{where}: missing {sorted(missing)}")
        if extra := keys - ENTRY_KEYS:
            problems.append(f"{where}: unknown keys {sorted(extra)}")
        if entry.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(entry.id)
        if entry.category not in CATEGORIES:
            problems.append(f"{where}: unknown category {entry.category!r}")
        if not isinstance(entry.say, str):
            problems.append(f"{where}: `say` must be text")
        if entry.asked is not None and entry.asked not in specs:
            problems.append(f"{where}: unknown asked fact {entry.asked!r}")
        for fact, value in entry.given.items():
            if fact not in specs:
                problems.append(f"{where}: unknown given fact {fact!r}")
            elif value == REFUSED or (problem := value_problem(specs[fact], value)):
                problems.append(f"{where}: given {fact}: {problem or 'refused is no value'}")
        if isinstance(entry.expect, dict):
            if not entry.expect:
                problems.append(f"{where}: empty mapping (write `refused`)")
            for fact, value in entry.expect.items():
                if fact not in specs:
                    problems.append(f"{where}: unknown expected fact {fact!r}")
                elif value != REFUSED and (problem := value_problem(specs[fact], value)):
                    problems.append(f"{where}: expect {fact}: {problem}")
        elif entry.expect != REFUSED:
            if entry.asked is None:
                problems.append(f"{where}: a bare expected value needs `asked`")
            elif entry.asked in specs and (
                problem := value_problem(specs[entry.asked], entry.expect)
            ):
                problems.append(f"{where}: expect: {problem}")
    return problems


# ---- playing ---------------------------------------------------------------------------------


@dataclass
class Played:
    """One entry played: what was recorded, and the verdict per fact and for the entry."""

    entry: Entry
    recorded: dict[str, Any]  # fact -> engine value, for records made by this message
    facts: dict[str, str]  # fact -> right | refused | wrong
    seconds: float
    error: str | None = None

    @property
    def outcome(self) -> str:
        if self.error or WRONG in self.facts.values():
            return WRONG
        if all(v == RIGHT for v in self.facts.values()):
            return RIGHT
        return REFUSED


ScreeningFactory = Callable[[date], Any]


def default_screening(today: date) -> Any:
    """A screening over every trial, as the engine exposes it (the interface issue 8 adds)."""
    from criteria import Screening, load_trials

    global _TRIALS
    if _TRIALS is None:
        _TRIALS = load_trials()
    return Screening(_TRIALS, today=today)


_TRIALS: Any = None


def play_entry(
    entry: Entry,
    today: date,
    specs: dict[str, FactSpec],
    new_screening: ScreeningFactory = default_screening,
) -> Played:
    screening = new_screening(today)
    for fact, value in entry.given.items():
        screening.set_fact(fact, expected_value(specs[fact], value))
    start = time.perf_counter()
    try:
        screening.answer(entry.say, turn=1, asked=entry.asked)
    except Exception as exc:  # a crash is reported as a wrong entry, not hidden
        seconds = time.perf_counter() - start
        return Played(entry, {}, {}, seconds, error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    recorded = {
        name: record.value
        for name, record in screening.records.items()
        if record.turn == 1 and record.source != "derived"
    }
    return Played(entry, recorded, score(entry, recorded, specs), seconds)


def score(entry: Entry, recorded: dict[str, Any], specs: dict[str, FactSpec]) -> dict[str, str]:
    verdicts = {}
    expectations = entry.expectations()
    for fact, expected in expectations.items():
        if fact not in recorded:
            kept = fact in entry.given and _same_given(entry, fact, expected, specs)
            verdicts[fact] = RIGHT if expected == REFUSED or kept else REFUSED
        elif expected == REFUSED:
            verdicts[fact] = WRONG
        else:
            spec = specs[fact]
            ok = same_value(spec, expected_value(spec, expected), recorded[fact])
            verdicts[fact] = RIGHT if ok else WRONG
    for fact, value in recorded.items():
        if fact in expectations:
            continue
        if fact in entry.given and fact in specs:
            spec = specs[fact]
            if same_value(spec, expected_value(spec, entry.given[fact]), value):
                continue  # said again: nothing changed
        verdicts[fact] = WRONG
    return verdicts


def _same_given(entry: Entry, fact: str, expected: Any, specs: dict[str, FactSpec]) -> bool:
    """An expected value the screening already held: a repeat that rightly changed nothing."""
    if expected == REFUSED or fact not in specs:
        return False
    spec = specs[fact]
    return same_value(spec, expected_value(spec, expected), expected_value(spec, entry.given[fact]))


def play_bank(
    bank: Bank,
    specs: dict[str, FactSpec],
    new_screening: ScreeningFactory = default_screening,
    entries: Iterable[Entry] | None = None,
) -> list[Played]:
    return [
        play_entry(e, bank.today, specs, new_screening)
        for e in (bank.entries if entries is None else entries)
    ]


# ---- reporting -------------------------------------------------------------------------------


def show(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, Range):
        lo = "" if value.lo in (-math.inf,) else f"{value.lo:g}"
        hi = "" if value.hi == math.inf else f"{value.hi:g}"
        return f"{'(' if value.lo_open else '['}{lo}..{hi}{')' if value.hi_open else ']'}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def wrong_table(played: list[Played], width: int = 60) -> str:
    """id | say | expected | recorded, one line per wrong entry."""
    rows = []
    for p in played:
        if p.outcome != WRONG:
            continue
        say = p.entry.say if len(p.entry.say) <= width else p.entry.say[: width - 1] + "…"
        expected = p.entry.expect
        if isinstance(expected, dict):
            expected = ", ".join(f"{k}={v}" for k, v in expected.items())
        got = p.error or ", ".join(f"{k}={show(v)}" for k, v in p.recorded.items()) or "-"
        asked = f"[{p.entry.asked}] " if p.entry.asked else ""
        rows.append(f"{p.entry.id:<11} {asked}{say!r}\n{'':<11} expected {expected} | got {got}")
    return "\n".join(rows)


def summary(played: list[Played]) -> str:
    """Right / refused / wrong per category, the totals, the median time per message."""
    lines = [f"{'category':<14}{'right':>7}{'refused':>9}{'wrong':>7}{'total':>7}"]
    totals = {RIGHT: 0, REFUSED: 0, WRONG: 0}
    for category in CATEGORIES:
        rows = [p for p in played if p.entry.category == category]
        if not rows:
            continue
        counts = {k: sum(p.outcome == k for p in rows) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        lines.append(
            f"{category:<14}{counts[RIGHT]:>7}{counts[REFUSED]:>9}{counts[WRONG]:>7}{len(rows):>7}"
        )
    lines.append(
        f"{'total':<14}{totals[RIGHT]:>7}{totals[REFUSED]:>9}{totals[WRONG]:>7}{len(played):>7}"
    )
    if played:
        median_ms = statistics.median(p.seconds for p in played) * 1000
        slowest_ms = max(p.seconds for p in played) * 1000
        lines.append(f"median time per message: {median_ms:.2f} ms (slowest {slowest_ms:.1f} ms)")
    return "\n".join(lines)
