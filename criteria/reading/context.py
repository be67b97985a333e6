"""ConText: is a mention affirmed, negated, uncertain, historical, hypothetical or about family?

The algorithm and its published rule set are medspaCy's; `context_rules.yaml` adds this
domain's triggers as data.  Sentences end at '.', ';', '?', '!' and new lines, not at commas, so
"denies chest pain, MI, pregnancy" negates all three, as ConText intends; a negation that reaches
a mention only across a comma is reported (`list_negation`) because a chat message may instead
be a list of separate statements ("no brain mets, pregnant"), and the reader treats it as unsure.

medspaCy's own sentence splitter (PyRuSH) is not used: it logs every token at DEBUG level, and
tokens are patient text.
"""

from __future__ import annotations

import datetime
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from criteria.errors import DefinitionError

RULES_FILE = Path(__file__).resolve().parent / "context_rules.yaml"
CATEGORIES = (
    "NEGATED_EXISTENCE",
    "POSSIBLE_EXISTENCE",
    "HISTORICAL",
    "HYPOTHETICAL",
    "FAMILY",
    "CURRENT",
    "TERMINATE",
)
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE")
_GROUP = "screener_mentions"
_SENTENCE_END = {".", ";", "!", "\n"}  # not "?": "?pregnant" is a hedge


@dataclass(frozen=True)
class Context:
    """How one mention stands in its sentence."""

    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    current: bool = False
    list_negation: bool = False  # negated only across a comma (a list, or separate statements?)


def _rules(path: Path) -> list[Any]:
    """medspaCy's published rules, with ours added (ours win where a literal is in both)."""
    from medspacy.context import ConText, ConTextRule

    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), f"cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise DefinitionError(name, "top-level field 'rules' must be a list")
    terminated = data.get("terminated_by") or {}
    for category, by in terminated.items():
        if category not in CATEGORIES or any(b not in CATEGORIES for b in by):
            raise DefinitionError(f"{name}: terminated_by", f"unknown category in {category}")
    ours: list[tuple[str, str, str]] = []
    shaped: list[Any] = []  # rules with token patterns, taken as they are
    for i, raw in enumerate(data["rules"]):
        where = f"{name}: rules[{i}]"
        if not isinstance(raw, dict) or not (
            set(raw) == {"category", "direction", "literals"}
            or set(raw) - {"max_scope"} == {"category", "direction", "patterns"}
        ):
            raise DefinitionError(
                where, "needs category, direction and literals, or patterns (and max_scope)"
            )
        if raw["category"] not in CATEGORIES:
            raise DefinitionError(where, f"category must be one of {CATEGORIES}")
        if raw["direction"] not in DIRECTIONS:
            raise DefinitionError(where, f"direction must be one of {DIRECTIONS}")
        if "patterns" in raw:
            shaped += _shaped_rules(where, raw, set(terminated.get(raw["category"], [])))
            continue
        ours += [(str(lit).lower(), raw["category"], raw["direction"]) for lit in raw["literals"]]
    redefined = {literal for literal, _, _ in ours}
    published = [
        (r.literal.lower(), r.category, r.direction)
        for r in ConTextRule.from_json(_published_rules_file(ConText))
        if r.literal.lower() not in redefined
    ]
    # one rule per literal and category: written both ways, it works both ways
    directions: dict[tuple[str, str], set[str]] = {}
    for literal, category, direction in [*published, *ours]:
        directions.setdefault((literal, category), set()).add(direction)
    rules = []
    for (literal, category), found in directions.items():
        direction = found.pop() if len(found) == 1 else "BIDIRECTIONAL"
        rules.append(
            ConTextRule(
                literal,
                category,
                direction=direction,
                terminated_by=set(terminated.get(category, [])),
            )
        )
    return rules + shaped


def past_years(today: datetime.date | None = None) -> list[str]:
    """The years before this one, as written ("1998", "2025"): `PAST_YEAR` in a pattern. The
    pipeline is built once per process, so a server running across New Year reads the year
    just ended as this one until it restarts (a mention then stays current: asked as before)."""
    year = (today or datetime.date.today()).year
    return [str(y) for y in range(1900, year)]


def _shaped_rules(where: str, raw: dict[str, Any], terminated_by: set[str]) -> list[Any]:
    """ConText rules matched by spaCy token patterns ("in March 2019", "2019")."""
    from medspacy.context import ConTextRule

    scope = raw.get("max_scope")
    if scope is not None and (not isinstance(scope, int) or isinstance(scope, bool) or scope < 1):
        raise DefinitionError(where, "max_scope must be a whole number of tokens, at least 1")
    patterns = raw["patterns"]
    if not isinstance(patterns, list) or not patterns:
        raise DefinitionError(where, "patterns must be a list of token patterns")
    rules = []
    for n, pattern in enumerate(patterns):
        if (
            not isinstance(pattern, list)
            or not pattern
            or not all(isinstance(t, dict) and t for t in pattern)
        ):
            raise DefinitionError(f"{where}.patterns[{n}]", "must be a list of token mappings")
        tokens = [
            {"TEXT": {"IN": past_years()}, **{k: v for k, v in t.items() if k != "PAST_YEAR"}}
            if t.get("PAST_YEAR") is True
            else t
            for t in pattern
        ]
        rules.append(
            ConTextRule(
                f"{raw['category'].lower()} pattern {n} ({where})",
                raw["category"],
                pattern=tokens,
                direction=raw["direction"],
                max_scope=scope,
                terminated_by=terminated_by,
            )
        )
    return rules


def _published_rules_file(context_class: Any) -> str:
    import medspacy

    return str(
        Path(medspacy.__file__).resolve().parents[1] / "resources" / "en" / "context_rules.json"
    )


_building = threading.Lock()


def _pipeline(path: Path = RULES_FILE) -> Any:
    """The pipeline, built once even when the action server's warm-up and a clinician's first
    message ask for it at the same time (building takes seconds; twice would be wasted)."""
    with _building:
        return _built_pipeline(path)


@lru_cache(maxsize=1)
def _built_pipeline(path: Path) -> Any:
    """medspaCy's tokenizer and ConText with the published rules plus ours."""
    import medspacy

    # spaCy warns on every message that ConText's token matcher is empty when all rules are
    # phrases: noise, not a problem
    warnings.filterwarnings("ignore", message=r"\[W036\]")
    rules = _rules(path)
    nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"])
    context = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "input_span_type": "group", "span_group_name": _GROUP},
    )
    context.add(rules)
    return nlp


def classify(text: str, spans: list[tuple[int, int]]) -> list[Context]:
    """The context of each (start, end) character span of `text`, in the same order."""
    if not spans:
        return []
    nlp = _pipeline()
    doc = nlp.make_doc(text)
    for i, token in enumerate(doc):
        token.is_sent_start = i == 0 or doc[i - 1].text in _SENTENCE_END or "\n" in doc[i - 1].text
    targets = []
    for start, end in spans:
        span = doc.char_span(start, end, label="MENTION", alignment_mode="expand")
        targets.append(span)
    doc.spans[_GROUP] = [t for t in targets if t is not None]
    doc = nlp.get_pipe("medspacy_context")(doc)
    by_position = {(s.start, s.end): s for s in doc.spans[_GROUP]}
    results = []
    for span in targets:
        if span is None:
            results.append(Context())
            continue
        modifiers = by_position[(span.start, span.end)]._.modifiers
        categories = set()
        list_negation = False
        for m in modifiers:
            first, last = m.modifier_span
            lo, hi = (last, span.start) if first < span.start else (span.end, first)
            across_comma = any(doc[i].text == "," for i in range(lo, hi))
            if not across_comma or m.category in ("FAMILY", "HYPOTHETICAL"):
                # "if he responds, maybe a year": a condition holds over the comma
                categories.add(m.category)
            elif m.category == "NEGATED_EXISTENCE":
                # "denies chest pain, MI, pregnancy" or "no brain mets, pregnant"? unsure
                categories.add(m.category)
                list_negation = True
            # a hedge or a past reaches only its own clause: "probably adenocarcinoma, stage IV"
            # does not make the stage uncertain
        results.append(
            Context(
                negated="NEGATED_EXISTENCE" in categories,
                uncertain="POSSIBLE_EXISTENCE" in categories,
                historical="HISTORICAL" in categories,
                hypothetical="HYPOTHETICAL" in categories,
                family="FAMILY" in categories,
                current="CURRENT" in categories,
                list_negation=list_negation,
            )
        )
    return results
