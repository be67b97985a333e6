"""The fact registry: what the screener can ask about a patient.

Facts live in `facts.yaml` (and the site's laboratory values in `site.yaml`) so that a question's
wording or a synonym can change without touching code; the parsers they name are registered in
`criteria.reading`, and the words that name them are in its lexicon (reading/terms.yaml).
The registry is validated when loaded, keyed on each fact's kind, like the trial files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from criteria.errors import DefinitionError

PACKAGE_DIR = Path(__file__).resolve().parent
FACTS_FILE = PACKAGE_DIR / "facts.yaml"
SITE_FILE = PACKAGE_DIR / "site.yaml"

KINDS = ("number", "lab", "uln", "boolean", "choice")
# The fields each kind of fact may have (and their types); anything else is a mistake in the
# file.  Keyed on `kind` so that "bare_units" on a yes/no fact fails instead of being ignored.
_COMMON = {
    "id": str,
    "kind": str,
    "label": str,
    "question": str,
    "why": str,
    "hint": str,
    "quick_replies": list,
    "derive": list,
    "history": str,
    "also_reads": list,
}
_BY_KIND: dict[str, dict[str, Any]] = {
    "number": {
        "unit": str, "integer": bool, "min": (int, float), "max": (int, float),
        "step": (int, float), "before": bool, "sum_mentions": bool, "durations": bool,
        "yes_means": dict, "no_means": dict, "estimate": bool, "since": bool,
    },
    "lab": {"unit": str, "min": (int, float), "max": (int, float), "bare_units": dict,
            "molar_mass": str},
    "uln": {"min": (int, float), "max": (int, float), "bare_units": dict, "molar_mass": str,
            "highest_of_several": bool},
    "boolean": {},
    "choice": {"options": dict, "none_option": bool, "several": str},
}  # fmt: skip
_REQUIRED = ("id", "kind", "label", "question", "why")
_MEANINGS = ("exactly", "above", "at_most")


@dataclass(frozen=True)
class Option:
    """One answer of a choice fact (the words that name it are in the lexicon)."""

    id: str
    label: str


@dataclass(frozen=True)
class Derivation:
    """A value a fact takes without asking, when another fact already settles it."""

    when: dict[str, Any]
    value: Any


@dataclass(frozen=True)
class Fact:
    """Something about the patient that a clinician can answer, asked once for every trial."""

    id: str
    kind: str
    label: str
    question: str
    why: str
    order: int
    hint: str = ""
    unit: str | None = None
    integer: bool = False
    min: float | None = None
    max: float | None = None
    step: float | None = None
    before: bool = False
    sum_mentions: bool = False
    options: tuple[Option, ...] = ()
    none_option: bool = False
    several: str = "first"
    yes_means: dict[str, float] | None = None
    no_means: dict[str, float] | None = None
    durations: bool = False
    estimate: bool = False  # the answer is an estimate anyway: "probably" does not unsettle it
    since: bool = False  # time since an event: "4 months ago", "in 2015", "March 2026"
    bare_units: dict[str, tuple[float, float]] = field(default_factory=dict)
    molar_mass: str | None = None
    highest_of_several: bool = False
    history_counts: bool = False
    derive: tuple[Derivation, ...] = ()
    quick_replies: tuple[str, ...] = ()
    # facts whose answer-only words also count in a reply to this question ("breast cancer,
    # cured" answers whether it is still active)
    also_reads: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[str, ...]:
        ids = tuple(o.id for o in self.options)
        return ("none", *ids) if self.none_option else ids

    def expected(self) -> dict[str, Any]:
        """What kind of answer the question expects, for clients that render quick replies."""
        expected: dict[str, Any] = {"kind": self.kind, "hint": self.hint or self.question}
        if self.unit:
            expected["unit"] = self.unit
        if self.kind == "uln":
            expected["unit"] = "x ULN"
        if self.min is not None:
            expected["min"] = self.min
        if self.max is not None:
            expected["max"] = self.max
        if self.kind == "choice":
            expected["choices"] = list(self.choices)
        return expected


@dataclass(frozen=True)
class GroupItem:
    fact: str
    says: str  # how the group's question lists it
    none: Any = None  # what "none of these" means for it (None: nothing)


@dataclass(frozen=True)
class Group:
    """A question that covers several facts: a checklist or a laboratory panel."""

    id: str
    question: str
    why: str
    items: tuple[GroupItem, ...]
    follow_up: str  # missing: ask what the answer left out; named: only what it left unclear
    quick_replies: tuple[str, ...] = ()

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(i.fact for i in self.items)

    def question_for(self, needed: list[str]) -> str:
        """The question, listing only the items still needed."""
        said = [i.says for i in self.items if i.fact in needed]
        if self.follow_up == "named":
            return self.question + " " + "; ".join(said) + "."
        return self.question


@dataclass(frozen=True)
class Site:
    """This site's laboratory values: ULNs for converting absolute values, normal ranges."""

    upper_limits_of_normal: dict[str, str]
    reference_ranges: dict[str, Any]


def _check_fields(raw: dict[str, Any], where: str) -> None:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise DefinitionError(where, f"field 'kind' must be one of {KINDS}, not {kind!r}")
    allowed = {**_COMMON, **_BY_KIND[kind]}
    unknown = set(raw) - set(allowed)
    if unknown:
        raise DefinitionError(where, f"unknown field(s) {sorted(unknown)} for a {kind} fact")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise DefinitionError(where, f"field '{key}' is required")
    for key, value in raw.items():
        expected = allowed[key]
        if isinstance(value, bool) and expected is not bool:
            raise DefinitionError(where, f"field '{key}' has a wrong type")
        if not isinstance(value, expected):
            raise DefinitionError(where, f"field '{key}' has a wrong type ({type(value).__name__})")
    if raw.get("history") not in (None, "counts"):
        raise DefinitionError(where, "field 'history' can only be 'counts'")
    if raw.get("several") not in (None, "first", "worst"):
        raise DefinitionError(where, "field 'several' must be 'first' or 'worst'")
    if kind == "choice" and not raw.get("options"):
        raise DefinitionError(where, "a choice fact needs 'options'")
    for key in ("yes_means", "no_means"):
        spec = raw.get(key)
        if spec is not None and (len(spec) != 1 or next(iter(spec)) not in _MEANINGS):
            raise DefinitionError(where, f"field '{key}' needs one of {_MEANINGS}")
    for unit, bounds in (raw.get("bare_units") or {}).items():
        if not (isinstance(bounds, list) and len(bounds) == 2 and bounds[0] <= bounds[1]):
            raise DefinitionError(where, f"bare_units[{unit!r}] must be [low, high]")
    if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
        raise DefinitionError(where, "field 'min' is above 'max'")
    for i, d in enumerate(raw.get("derive") or []):
        if (
            not isinstance(d, dict)
            or set(d) != {"when", "value"}
            or not isinstance(d["when"], dict)
        ):
            raise DefinitionError(where, f"derive[{i}] needs 'when' (a mapping) and 'value'")


def _fact_from_yaml(raw: Any, order: int, path: Path) -> Fact:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path.name}: fact #{order}", "must be a mapping")
    fid = raw.get("id")
    where = f"{path.name}: fact {fid or '#' + str(order)}"
    if not isinstance(fid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", fid):
        raise DefinitionError(where, "field 'id' must be a lower-case name")
    _check_fields(raw, where)
    options = tuple(
        Option(str(oid), str(label)) for oid, label in (raw.get("options") or {}).items()
    )
    return Fact(
        id=fid,
        kind=raw["kind"],
        label=raw["label"],
        question=raw["question"],
        why=raw["why"],
        order=order,
        hint=raw.get("hint", ""),
        unit=raw.get("unit"),
        integer=bool(raw.get("integer", False)),
        min=raw.get("min"),
        max=raw.get("max"),
        step=raw.get("step"),
        before=bool(raw.get("before", False)),
        sum_mentions=bool(raw.get("sum_mentions", False)),
        options=options,
        none_option=bool(raw.get("none_option", False)),
        several=raw.get("several", "first"),
        yes_means=raw.get("yes_means"),
        no_means=raw.get("no_means"),
        durations=bool(raw.get("durations", False)),
        estimate=bool(raw.get("estimate", False)),
        since=bool(raw.get("since", False)),
        bare_units={
            str(u): (float(b[0]), float(b[1])) for u, b in (raw.get("bare_units") or {}).items()
        },
        molar_mass=raw.get("molar_mass"),
        highest_of_several=bool(raw.get("highest_of_several", False)),
        history_counts=raw.get("history") == "counts",
        derive=tuple(Derivation(d["when"], d["value"]) for d in raw.get("derive") or []),
        quick_replies=tuple(raw.get("quick_replies") or ()),
        also_reads=tuple(raw.get("also_reads") or ()),
    )


_GROUP_KEYS = {"id", "question", "why", "items", "follow_up", "quick_replies"}


def _group(raw: Any, index: int, facts: dict[str, Fact], name: str) -> Group:
    where = f"{name}: groups[{index}]"
    if not isinstance(raw, dict) or set(raw) - _GROUP_KEYS:
        raise DefinitionError(where, f"a group has only the fields {sorted(_GROUP_KEYS)}")
    for key in ("id", "question", "why", "follow_up"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise DefinitionError(where, f"field '{key}' is required")
    if raw["follow_up"] not in ("missing", "named"):
        raise DefinitionError(where, "field 'follow_up' must be 'missing' or 'named'")
    items = []
    for i, item in enumerate(raw.get("items") or []):
        fid = item.get("fact") if isinstance(item, dict) else None
        if fid not in facts or set(item) - {"fact", "none", "says"} or not item.get("says"):
            raise DefinitionError(f"{where}.items[{i}]", "needs a known 'fact' and 'says'")
        items.append(GroupItem(fid, str(item["says"]), item.get("none")))
    if len(items) < 2:
        raise DefinitionError(where, "a group needs at least two items")
    return Group(
        raw["id"],
        raw["question"],
        raw["why"],
        tuple(items),
        raw["follow_up"],
        tuple(raw.get("quick_replies") or ()),
    )


@lru_cache(maxsize=4)
def load_groups(path: Path = FACTS_FILE) -> dict[str, Group]:
    """The grouped questions of the registry (a fact is in one group at most)."""
    facts = load_facts(path)
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    groups: dict[str, Group] = {}
    seen: set[str] = set()
    for index, raw in enumerate(data.get("groups") or []):
        group = _group(raw, index, facts, Path(path).name)
        if group.id in groups or group.id in facts:
            raise DefinitionError(f"{Path(path).name}: group {group.id}", "duplicate id")
        twice = seen & set(group.facts)
        if twice:
            raise DefinitionError(
                f"{Path(path).name}: group {group.id}", f"{sorted(twice)} in two groups"
            )
        seen |= set(group.facts)
        groups[group.id] = group
    return groups


@lru_cache(maxsize=4)
def load_facts(path: Path = FACTS_FILE) -> dict[str, Fact]:
    """Load and validate the fact registry, in asking order."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), f"cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        raise DefinitionError(Path(path).name, "top-level field 'facts' must be a list")
    if set(data) - {"facts", "groups"}:
        raise DefinitionError(
            Path(path).name, f"unknown top-level field(s) {sorted(set(data) - {'facts', 'groups'})}"
        )
    facts: dict[str, Fact] = {}
    for order, raw in enumerate(data["facts"]):
        fact = _fact_from_yaml(raw, order, Path(path))
        if fact.id in facts:
            raise DefinitionError(f"{Path(path).name}: fact {fact.id}", "duplicate id")
        facts[fact.id] = fact
    for fact in facts.values():
        for other in fact.also_reads:
            if other not in facts:
                raise DefinitionError(
                    f"{Path(path).name}: fact {fact.id}", f"also_reads names unknown fact {other!r}"
                )
        for d in fact.derive:
            if d.when.get("fact") not in facts:
                raise DefinitionError(
                    f"{Path(path).name}: fact {fact.id}",
                    f"derive refers to unknown fact {d.when.get('fact')!r}",
                )
    return facts


def site_file() -> Path:
    """The site file in use: `SCREENER_SITE_FILE` lets a site keep its own lab values."""
    return Path(os.environ.get("SCREENER_SITE_FILE", SITE_FILE))


@lru_cache(maxsize=4)
def load_site(path: Path | None = None) -> Site:
    path = Path(path) if path else site_file()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), f"cannot read: {exc}") from exc
    ulns = data.get("upper_limits_of_normal") or {}
    ranges = data.get("reference_ranges") or {}
    facts = load_facts()
    for name in [*ulns, *ranges]:
        if name not in facts:
            raise DefinitionError(f"{path.name}: {name}", "unknown fact")
    return Site(upper_limits_of_normal=dict(ulns), reference_ranges=dict(ranges))
