"""The lexicon (`terms.yaml`): finding the mentions of facts in a message.

Terms are data so that a new abbreviation is a one-line change.  Matching is word by word on
normalised text; long words tolerate a typo ("adenocarcinma") through rapidfuzz, guarded so that
short words (AST/ALT, MI, PS) and real lexicon words are never bent into one another.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import OSA

from criteria.errors import DefinitionError
from criteria.facts import Fact, load_facts
from criteria.values import Range, Value

TERMS_FILE = Path(__file__).resolve().parent / "terms.yaml"

READ = "read"  # the value is written next to the mention
UNCLEAR = "unclear"  # the mention names the fact but cannot settle it
_TERM_KEYS = {"fact", "value", "negated", "forms", "patterns", "scope", "also", "part", "weak"}
_PARTS = ("ast", "alt", "both")
FUZZY_MIN = 7  # letters: shorter words must be spelled exactly
_WORD = re.compile(r"[a-z][a-z']*")
_EDGE_L = r"(?<![a-z0-9])"
_EDGE_R = r"(?![a-z0-9])"


@dataclass(frozen=True)
class Meaning:
    """What a mention says about one fact."""

    fact: str
    value: Any  # READ, UNCLEAR, an option id, a bool, a number or a Range
    negated: Any = None  # what a negated mention means; None: nothing
    part: str | None = None
    # an unclear general word ("treated"): it yields to a word of the same message that
    # settles the fact ("treated with chemotherapy"); alone, it is asked back
    weak: bool = False


@dataclass(frozen=True)
class Term:
    meanings: tuple[Meaning, ...]
    scope: str  # any | answer
    patterns: tuple[re.Pattern[str], ...]
    other: str | None = None  # label of a clinical term that is not a fact

    @property
    def fact(self) -> str | None:
        return self.meanings[0].fact if self.meanings else None


@dataclass(frozen=True)
class Mention:
    """A place in the message that names a fact (or another clinical term)."""

    term: Term
    start: int
    end: int
    text: str

    @property
    def meanings(self) -> tuple[Meaning, ...]:
        return self.term.meanings


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[Term, ...]
    vocabulary: frozenset[str]  # every word of every form: the words typos are corrected to
    allergy_triggers: Term
    study_drugs: Term
    other_allergens: Term
    unclear_allergens: Term | None = None
    short_words: frozenset[str] = field(default_factory=frozenset)


def _value(raw: Any, fact: Fact, where: str) -> Any:
    """Check a term's value against its fact's kind."""
    if raw in (READ, UNCLEAR):
        if raw == READ and fact.kind not in ("number", "lab", "uln"):
            raise DefinitionError(where, f"'read' needs a numeric fact; {fact.id} is {fact.kind}")
        return raw
    if fact.kind == "boolean":
        if not isinstance(raw, bool):
            raise DefinitionError(where, f"{fact.id} is yes/no: value must be true or false")
        return raw
    if fact.kind == "choice":
        if raw not in fact.choices:
            raise DefinitionError(where, f"{raw!r} is not a choice of {fact.id}: {fact.choices}")
        return raw
    return parse_interval(raw, where)


def parse_interval(raw: Any, where: str = "value") -> Value:
    """A number, or an interval written as ">=6", ">3", "<=2", "<3" or "2..5"."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip()
    m = re.fullmatch(r"(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)", text)
    if m:
        op, x = m.group(1), float(m.group(2))
        return {
            ">=": Range(x, math.inf),
            ">": Range(x, math.inf, lo_open=True),
            "<=": Range(0.0, x),
            "<": Range(0.0, x, hi_open=True),
        }[op]
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*\.\.\s*(-?\d+(?:\.\d+)?)", text)
    if m and float(m.group(1)) <= float(m.group(2)):
        return Range(float(m.group(1)), float(m.group(2)))
    raise DefinitionError(where, f"value {raw!r} is not a number or an interval like '>=6'")


def _form_pattern(form: str, where: str) -> re.Pattern[str]:
    words = [w for w in re.split(r"[\s-]+", form.strip().lower()) if w]
    if not words:
        raise DefinitionError(where, f"empty form {form!r}")
    body = r"[\s-]*".join(re.escape(w) for w in words)
    return re.compile(_EDGE_L + body + _EDGE_R)


def _patterns(raw: dict[str, Any], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = [_form_pattern(str(f), where) for f in raw.get("forms") or []]
    for p in raw.get("patterns") or []:
        try:
            compiled.append(re.compile(str(p)))
        except re.error as exc:
            raise DefinitionError(where, f"bad pattern {p!r}: {exc}") from exc
    if not compiled:
        raise DefinitionError(where, "needs 'forms' or 'patterns'")
    return tuple(compiled)


def _term(raw: Any, index: int, facts: dict[str, Fact], name: str) -> Term:
    where = f"{name}: terms[{index}]"
    if not isinstance(raw, dict):
        raise DefinitionError(where, "must be a mapping")
    unknown = set(raw) - _TERM_KEYS
    if unknown:
        raise DefinitionError(where, f"unknown field(s) {sorted(unknown)}")
    fid = raw.get("fact")
    if fid not in facts:
        raise DefinitionError(where, f"unknown fact {fid!r}")
    where = f"{name}: terms[{index}] ({fid})"
    if "value" not in raw:
        raise DefinitionError(where, "field 'value' is required")
    scope = raw.get("scope", "any")
    if scope not in ("any", "answer"):
        raise DefinitionError(where, "field 'scope' must be 'any' or 'answer'")
    part = raw.get("part")
    if part is not None and (part not in _PARTS or not facts[fid].highest_of_several):
        raise DefinitionError(where, f"field 'part' must be one of {_PARTS} on a worst-of fact")
    negated = raw.get("negated")
    weak = raw.get("weak", False)
    if not isinstance(weak, bool) or (weak and raw["value"] != UNCLEAR):
        raise DefinitionError(
            where, "field 'weak' must be true or false, and true only with value unclear"
        )
    meanings = [
        Meaning(
            fid,
            _value(raw["value"], facts[fid], where),
            None if negated is None else _value(negated, facts[fid], where),
            part,
            weak,
        )
    ]
    for other_id, value in (raw.get("also") or {}).items():
        if other_id not in facts:
            raise DefinitionError(where, f"'also' names unknown fact {other_id!r}")
        meanings.append(Meaning(other_id, _value(value, facts[other_id], where)))
    return Term(tuple(meanings), scope, _patterns(raw, where))


def _word_list(raw: Any, where: str) -> Term:
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(where, "must be a non-empty list of phrases")
    return Term((), "any", tuple(_form_pattern(str(f), where) for f in raw))


@lru_cache(maxsize=2)
def load_lexicon(path: Path = TERMS_FILE) -> Lexicon:
    """Load and validate the lexicon; fails naming the file and the entry."""
    name = Path(path).name
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(str(path), f"cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise DefinitionError(name, "top-level field 'terms' must be a list")
    unknown = set(data) - {"terms", "allergy", "other"}
    if unknown:
        raise DefinitionError(name, f"unknown top-level field(s) {sorted(unknown)}")
    facts = load_facts()
    terms = [_term(raw, i, facts, name) for i, raw in enumerate(data["terms"])]
    for i, raw in enumerate(data.get("other") or []):
        where = f"{name}: other[{i}]"
        if (
            not isinstance(raw, dict)
            or not raw.get("label")
            or set(raw)
            - {
                "label",
                "forms",
                "patterns",
            }
        ):
            raise DefinitionError(where, "needs 'label' and 'forms' or 'patterns' only")
        terms.append(Term((), "any", _patterns(raw, where), other=str(raw["label"])))
    allergy = data.get("allergy") or {}
    if set(allergy) - {"unclear_allergens"} != {"triggers", "study_drugs", "other_allergens"}:
        raise DefinitionError(
            f"{name}: allergy",
            "needs triggers, study_drugs, other_allergens (and optionally unclear_allergens)",
        )
    words: set[str] = set()
    for raw in [*data["terms"], *(data.get("other") or [])]:
        for form in raw.get("forms") or []:
            words |= set(_WORD.findall(str(form).lower()))
    for key in ("triggers", "study_drugs", "other_allergens", "unclear_allergens"):
        for form in allergy.get(key) or []:
            words |= set(_WORD.findall(str(form).lower()))
    return Lexicon(
        terms=tuple(terms),
        vocabulary=frozenset(w for w in words if len(w) >= FUZZY_MIN),
        allergy_triggers=_word_list(allergy["triggers"], f"{name}: allergy.triggers"),
        study_drugs=_word_list(allergy["study_drugs"], f"{name}: allergy.study_drugs"),
        other_allergens=_word_list(allergy["other_allergens"], f"{name}: allergy.other_allergens"),
        unclear_allergens=(
            _word_list(allergy["unclear_allergens"], f"{name}: allergy.unclear_allergens")
            if "unclear_allergens" in allergy
            else None
        ),
        short_words=frozenset(w for w in words if len(w) < FUZZY_MIN),
    )


def _max_typos(word: str) -> int:
    return 2 if len(word) >= 11 else 1


def correct_typos(text: str, lexicon: Lexicon | None = None) -> str:
    """Replace long misspelt words by the one lexicon word they are a typo of.

    A word is changed only when it is not itself a lexicon word, it has at least `FUZZY_MIN`
    letters, and exactly one lexicon word is within one typo (two from 11 letters); ties are
    left alone, so "adenocarcinma" becomes "adenocarcinoma" but nothing is guessed between two
    candidates.
    """
    lexicon = lexicon or load_lexicon()
    vocabulary = lexicon.vocabulary

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < FUZZY_MIN or word in vocabulary:
            return word
        limit = _max_typos(word)
        best: list[str] = []
        best_distance = limit + 1
        for candidate in vocabulary:
            if abs(len(candidate) - len(word)) > limit:
                continue
            d = OSA.distance(word, candidate, score_cutoff=limit)
            if d < best_distance:
                best, best_distance = [candidate], d
            elif d == best_distance:
                best.append(candidate)
        return best[0] if len(best) == 1 and best_distance <= limit else word

    return re.sub(r"[a-z]+", fix, text)


def find_mentions(
    text: str, lexicon: Lexicon | None = None, asked: str | tuple[str, ...] | None = None
) -> list[Mention]:
    """Every mention in (normalised, typo-corrected) text; overlaps keep the longest.

    Words that only answer a question ("none", "IV") are looked for only for the `asked`
    fact(s).
    """
    lexicon = lexicon or load_lexicon()
    asked_facts = (asked,) if isinstance(asked, str) else tuple(asked or ())
    found: list[Mention] = []
    answering: dict[tuple[int, int], set[str | None]] = {}
    for term in lexicon.terms:
        if term.scope == "answer" and term.fact not in asked_facts:
            continue
        for pattern in term.patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    found.append(Mention(term, m.start(), m.end(), m.group(0)))
                    if term.scope == "answer":
                        answering.setdefault(m.span(), set()).add(term.fact)
    # Words that answer more than one of the facts asked together ("poorly controlled" to a
    # checklist of hypertension, diabetes and arrhythmia) answer the one the message names
    # ("AF, poorly controlled"), or none: they were recorded for whichever fact came first in
    # the lexicon ("AF, poorly controlled" as uncontrolled hypertension)
    named = {m.term.fact for m in found if m.term.scope == "any"}
    found = [
        m
        for m in found
        if m.term.scope != "answer"
        or len(facts := answering[(m.start, m.end)]) == 1
        or (m.term.fact in named and len(facts & named) == 1)
    ]
    found.sort(key=lambda x: (-(x.end - x.start), x.start))
    kept: list[Mention] = []
    for mention in found:
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    return sorted(kept, key=lambda x: x.start)


def spans_of(
    term: Term, text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Where a word list (allergy triggers, allergens) occurs in text[start:end]."""
    end = len(text) if end is None else end
    spans = []
    for pattern in term.patterns:
        spans += [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]
    return sorted(spans)
