"""Fact values, and comparisons that may not be decidable.

A clinician does not always give an exact number: "more than six months", "ECOG 0-1",
"transaminases normal".  Such an answer is kept as a `Range`, and a comparison against it is
True or False only when every value in the range agrees; otherwise it is None (unknown).  This is
what keeps "more than 3 metastases" from ever passing a "5 or fewer" rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Truth = bool | None


@dataclass(frozen=True)
class Range:
    """An interval of possible values; `lo_open`/`hi_open` mark excluded ends."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False

    def describe(self) -> str:
        if self.lo == self.hi:
            return _fmt(self.lo)
        if self.hi == math.inf:
            return ("more than " if self.lo_open else "at least ") + _fmt(self.lo)
        if self.lo in (-math.inf, 0) and not self.lo_open:
            return ("less than " if self.hi_open else "at most ") + _fmt(self.hi)
        return f"{_fmt(self.lo)} to {_fmt(self.hi)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "range": [_json_num(self.lo), _json_num(self.hi)],
            "open": [self.lo_open, self.hi_open],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Range:
        lo, hi = (_from_json_num(x) for x in data["range"])
        lo_open, hi_open = data.get("open", [False, False])
        return cls(lo, hi, bool(lo_open), bool(hi_open))


Value = bool | str | float | int | Range


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _json_num(x: float) -> float | str:
    if x == math.inf:
        return "inf"
    if x == -math.inf:
        return "-inf"
    return x


def _from_json_num(x: float | str) -> float:
    return float(x) if isinstance(x, str) else x


def value_to_json(value: Value | None) -> Any:
    return value.to_json() if isinstance(value, Range) else value


def value_from_json(data: Any) -> Value | None:
    if isinstance(data, dict) and "range" in data:
        return Range.from_json(data)
    return data


def describe(value: Value | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Range):
        return value.describe()
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def as_range(value: float | int | Range) -> Range:
    if isinstance(value, Range):
        return value
    return Range(float(value), float(value))


def compare(value: Value, op: str, target: Any) -> Truth:
    """Three-valued comparison of a recorded value with a rule's target."""
    if op in ("==", "!="):
        if isinstance(value, Range) or (
            isinstance(target, (int, float)) and not isinstance(target, bool)
        ):
            equal = _numeric_equal(value, target)
        else:
            equal = value == target
        if equal is None:
            return None
        return equal if op == "==" else not equal
    if op == "in":
        return value in target
    if op == "not_in":
        return value not in target
    if isinstance(value, (bool, str)):
        return None
    r = as_range(value)
    if op == "between":
        low, high = target
        return _and(compare(r, ">=", low), compare(r, "<=", high))
    t = float(target)
    if op == "<=":
        if r.hi <= t:
            return True
        if r.lo > t or (r.lo == t and r.lo_open):
            return False
        return None
    if op == "<":
        if r.hi < t or (r.hi == t and r.hi_open):
            return True
        if r.lo >= t:
            return False
        return None
    if op == ">=":
        if r.lo >= t:
            return True
        if r.hi < t or (r.hi == t and r.hi_open):
            return False
        return None
    if op == ">":
        if r.lo > t or (r.lo == t and r.lo_open):
            return True
        if r.hi <= t:
            return False
        return None
    raise ValueError(f"unknown operator {op!r}")


def _numeric_equal(value: Value, target: Any) -> Truth:
    if isinstance(value, (bool, str)) or isinstance(target, (bool, str)):
        return value == target
    r = as_range(value)
    t = float(target)
    if r.lo == r.hi:
        return r.lo == t
    if compare(r, "<", t) or compare(r, ">", t):
        return False
    return None


def _and(a: Truth, b: Truth) -> Truth:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True
