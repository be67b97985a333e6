"""Rules over facts, as data: `all` / `any` / `not` of leaves `{fact, op, value}`.

Like json-logic and business-rules, the vocabulary (fact names, operators) is registered in code
and anything unknown fails loudly when a trial file is loaded.  Evaluation is three-valued, and
`missing` answers "which facts could still decide this?": that is what the screener asks next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from criteria.facts import Fact, Site
from criteria.values import Truth, Value, compare

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "between", "in", "not_in", "normal")
NUMERIC_OPERATORS = ("<", "<=", ">", ">=", "between", "normal")

# What the evaluator is given about each fact: absent (never asked), None (answered "unknown"),
# or a value.
FactValues = Mapping[str, Value | None]


class RuleError(ValueError):
    """A rule is malformed; `field` says where inside the rule."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: Any = None

    def facts(self) -> set[str]:
        return {self.fact}

    def describe(self) -> str:
        if self.op == "normal":
            return f"{self.fact} within the normal range"
        if self.op == "between":
            return f"{self.fact} between {self.value[0]} and {self.value[1]}"
        return f"{self.fact} {self.op} {self.value}"


@dataclass(frozen=True)
class All:
    children: tuple[Rule, ...]

    def facts(self) -> set[str]:
        return set().union(*(c.facts() for c in self.children))

    def describe(self) -> str:
        return "(" + " and ".join(c.describe() for c in self.children) + ")"


@dataclass(frozen=True)
class Any_:
    children: tuple[Rule, ...]

    def facts(self) -> set[str]:
        return set().union(*(c.facts() for c in self.children))

    def describe(self) -> str:
        return "(" + " or ".join(c.describe() for c in self.children) + ")"


@dataclass(frozen=True)
class Not:
    child: Rule

    def facts(self) -> set[str]:
        return self.child.facts()

    def describe(self) -> str:
        return f"not {self.child.describe()}"


Rule = Leaf | All | Any_ | Not


def parse_rule(
    raw: Any, facts: Mapping[str, Fact], site: Site | None = None, field: str = "rule"
) -> Rule:
    """Build a rule from its data form, checking every fact name, operator and value."""
    if not isinstance(raw, dict):
        raise RuleError(field, f"must be a mapping, not {type(raw).__name__}")
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        if set(raw) != {key}:
            raise RuleError(field, f"'{key}' cannot be combined with {sorted(set(raw) - {key})}")
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise RuleError(f"{field}.{key}", "must be a non-empty list")
        children = tuple(
            parse_rule(item, facts, site, f"{field}.{key}[{i}]") for i, item in enumerate(items)
        )
        return All(children) if key == "all" else Any_(children)
    if "not" in raw:
        if set(raw) != {"not"}:
            raise RuleError(field, "'not' cannot be combined with other keys")
        return Not(parse_rule(raw["not"], facts, site, f"{field}.not"))
    return _parse_leaf(raw, facts, site, field)


def _parse_leaf(raw: dict, facts: Mapping[str, Fact], site: Site | None, field: str) -> Leaf:
    extra = set(raw) - {"fact", "op", "value"}
    if extra:
        raise RuleError(field, f"unknown key(s) {sorted(extra)}")
    name = raw.get("fact")
    if name not in facts:
        raise RuleError(f"{field}.fact", f"unknown fact {name!r}")
    fact = facts[name]
    op = raw.get("op")
    if op not in OPERATORS:
        raise RuleError(f"{field}.op", f"unknown operator {op!r}; use one of {OPERATORS}")
    value = raw.get("value")
    numeric = fact.kind in ("number", "lab", "uln")
    if op in NUMERIC_OPERATORS and not numeric:
        raise RuleError(f"{field}.op", f"{op!r} needs a numeric fact; {name} is {fact.kind}")
    if op == "normal":
        if value is not None:
            raise RuleError(f"{field}.value", "'normal' takes no value")
        if site is not None and name not in site.reference_ranges:
            raise RuleError(f"{field}.fact", f"the site file has no reference range for {name}")
    elif op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            raise RuleError(f"{field}.value", "'between' needs [low, high]")
        if value[0] > value[1]:
            raise RuleError(f"{field}.value", "'between' needs low <= high")
    elif op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise RuleError(f"{field}.value", f"{op!r} needs a non-empty list")
        for v in value:
            _check_value(fact, v, f"{field}.value")
    else:
        _check_value(fact, value, f"{field}.value")
    return Leaf(name, op, tuple(value) if isinstance(value, list) else value)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_value(fact: Fact, value: Any, field: str) -> None:
    if fact.kind == "boolean" and not isinstance(value, bool):
        raise RuleError(field, f"{fact.id} is yes/no: use true or false, not {value!r}")
    if fact.kind == "choice" and value not in fact.choices:
        raise RuleError(field, f"{value!r} is not a choice of {fact.id}: {list(fact.choices)}")
    if fact.kind in ("number", "lab", "uln") and not _is_number(value):
        raise RuleError(field, f"{fact.id} is numeric: {value!r} is not a number")


def evaluate(rule: Rule, values: FactValues, site: Site) -> Truth:
    """True, False, or None (unknown) for these fact values."""
    if isinstance(rule, Leaf):
        return _evaluate_leaf(rule, values, site)
    if isinstance(rule, Not):
        result = evaluate(rule.child, values, site)
        return None if result is None else not result
    results = [evaluate(c, values, site) for c in rule.children]
    if isinstance(rule, All):
        if False in results:
            return False
        return None if None in results else True
    if True in results:
        return True
    return None if None in results else False


def _evaluate_leaf(leaf: Leaf, values: FactValues, site: Site) -> Truth:
    value = values.get(leaf.fact)
    if value is None:
        return None
    if leaf.op != "normal":
        target = list(leaf.value) if isinstance(leaf.value, tuple) else leaf.value
        return compare(value, leaf.op, target)
    ref = site.reference_ranges[leaf.fact]
    if not isinstance(ref, Mapping):
        return compare(value, "between", ref)
    by = values.get("sex")
    if by in ref:
        return compare(value, "between", ref[by])
    outcomes = {compare(value, "between", r) for r in ref.values()}
    return outcomes.pop() if len(outcomes) == 1 else None


def missing(rule: Rule, values: FactValues, site: Site) -> set[str]:
    """Facts never asked whose answer could still decide this rule (empty once decided)."""
    if evaluate(rule, values, site) is not None:
        return set()
    if isinstance(rule, Leaf):
        needed = set() if rule.fact in values else {rule.fact}
        by_sex = isinstance(site.reference_ranges.get(rule.fact), Mapping)
        if rule.op == "normal" and by_sex and "sex" not in values:
            needed.add("sex")
        return needed
    if isinstance(rule, Not):
        return missing(rule.child, values, site)
    return set().union(*(missing(c, values, site) for c in rule.children))


def decisive(rule: Rule, values: FactValues, site: Site) -> set[str]:
    """The facts that settled a decided rule (for "not eligible because you said ...")."""
    result = evaluate(rule, values, site)
    if result is None:
        return set()
    if isinstance(rule, Leaf):
        return {rule.fact}
    if isinstance(rule, Not):
        return decisive(rule.child, values, site)
    # all() that is False, or any() that is True: only the children that agree decided it
    short_circuit = (isinstance(rule, All) and result is False) or (
        isinstance(rule, Any_) and result is True
    )
    children = [
        c for c in rule.children if not short_circuit or evaluate(c, values, site) is result
    ]
    return set().union(*(decisive(c, values, site) for c in children))
