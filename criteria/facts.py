"""The fact registry: what the screener can ask about a patient.

Facts live in `facts.yaml` (and the site's laboratory values in `site.yaml`) so that a question's
wording or a synonym can change without touching code; the parsers they name are registered in
`criteria.answers`.  The registry is validated when loaded, like the trial files.
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
_KNOWN_KEYS = {
    "id", "kind", "label", "question", "why", "hint", "unit", "integer", "min", "max", "step",
    "mentions", "before", "options", "quick_replies", "words", "many", "no_means", "yes_means",
    "sum_mentions", "yes_phrases", "no_phrases", "derive", "bare_units", "molar_mass",
    "highest_of_several",
    "durations", "none_phrases", "several", "unknown",
}  # fmt: skip


@dataclass(frozen=True)
class Option:
    """One answer of a choice fact, with the phrases (regular expressions) that name it."""

    id: str
    label: str
    phrases: tuple[re.Pattern[str], ...]


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
    mentions: tuple[re.Pattern[str], ...] = ()
    before: bool = False
    sum_mentions: bool = False
    options: tuple[Option, ...] = ()
    none_phrases: tuple[re.Pattern[str], ...] = ()
    unknown_phrases: tuple[re.Pattern[str], ...] = ()
    several: str = "first"
    yes: tuple[re.Pattern[str], ...] = ()
    no: tuple[re.Pattern[str], ...] = ()
    words: dict[str, float] = field(default_factory=dict)
    many: dict[str, Any] | None = None
    yes_means: dict[str, float] | None = None
    no_means: dict[str, float] | None = None
    durations: bool = False
    bare_units: tuple[tuple[float, str], ...] = ()
    molar_mass: str | None = None
    highest_of_several: bool = False
    derive: tuple[Derivation, ...] = ()
    quick_replies: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[str, ...]:
        ids = tuple(o.id for o in self.options)
        return ("none", *ids) if self.none_phrases else ids

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
class Site:
    """This site's laboratory values: ULNs for converting absolute values, normal ranges."""

    upper_limits_of_normal: dict[str, str]
    reference_ranges: dict[str, Any]


def _compile(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if patterns is None:
        return ()
    if not isinstance(patterns, list):
        raise DefinitionError(where, "must be a list of regular expressions")
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(str(p), re.IGNORECASE))
        except re.error as exc:
            raise DefinitionError(where, f"bad regular expression {p!r}: {exc}") from exc
    return tuple(compiled)


def _fact_from_yaml(raw: dict[str, Any], order: int, path: Path) -> Fact:
    fid = raw.get("id")
    where = f"{path.name}: fact {fid or '#' + str(order)}"
    if not isinstance(fid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", fid):
        raise DefinitionError(where, "field 'id' must be a lower-case name")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise DefinitionError(where, f"unknown field(s) {sorted(unknown)}")
    for key in ("kind", "label", "question", "why"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise DefinitionError(where, f"field '{key}' is required")
    if raw["kind"] not in KINDS:
        raise DefinitionError(where, f"field 'kind' must be one of {KINDS}, not {raw['kind']!r}")
    options = []
    for oid, spec in (raw.get("options") or {}).items():
        options.append(
            Option(str(oid), spec.get("label", str(oid)), _compile(spec.get("phrases"), where))
        )
    if raw["kind"] == "choice" and not options:
        raise DefinitionError(where, "a choice fact needs 'options'")
    derive = tuple(Derivation(d["when"], d["value"]) for d in raw.get("derive") or [])
    many = raw.get("many")
    if many:
        many = {"phrases": _compile(many.get("phrases"), where), "at_least": many["at_least"]}
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
        mentions=_compile(raw.get("mentions"), where),
        before=bool(raw.get("before", False)),
        sum_mentions=bool(raw.get("sum_mentions", False)),
        options=tuple(options),
        none_phrases=_compile(raw.get("none_phrases"), where),
        unknown_phrases=_compile(raw.get("unknown"), where),
        several=raw.get("several", "first"),
        yes=_compile(raw.get("yes_phrases"), where),
        no=_compile(raw.get("no_phrases"), where),
        words={str(k).lower(): float(v) for k, v in (raw.get("words") or {}).items()},
        many=many,
        yes_means=raw.get("yes_means"),
        no_means=raw.get("no_means"),
        durations=bool(raw.get("durations", False)),
        bare_units=tuple((float(a), str(b)) for a, b in raw.get("bare_units") or []),
        molar_mass=raw.get("molar_mass"),
        highest_of_several=bool(raw.get("highest_of_several", False)),
        derive=derive,
        quick_replies=tuple(raw.get("quick_replies") or ()),
    )


@lru_cache(maxsize=4)
def load_facts(path: Path = FACTS_FILE) -> dict[str, Fact]:
    """Load and validate the fact registry, in asking order."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), f"cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        raise DefinitionError(Path(path).name, "top-level field 'facts' must be a list")
    facts: dict[str, Fact] = {}
    for order, raw in enumerate(data["facts"]):
        fact = _fact_from_yaml(raw, order, Path(path))
        if fact.id in facts:
            raise DefinitionError(f"{Path(path).name}: fact {fact.id}", "duplicate id")
        facts[fact.id] = fact
    for fact in facts.values():
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
