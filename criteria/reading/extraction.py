"""Which fact each part of a message is about, and what value it gives it.

The layers meet here: terms find the mentions, ConText says how each stands (negated, unsure,
past, planned, about family), numbers, units and dates give the values, and the attribution
rules decide what answers the pending question:

- a mention of a fact records that fact, in its context ("no brain mets": no);
- a bare reply ("no", "3", "He is 58.") answers the pending question, and only words that say
  nothing else may stand beside it, so "walks 2 miles" is not an ECOG of 2;
- a message that names only other facts records those, and the pending question is asked again;
- several values for one fact in one message: the current one wins over the past ("was IIIA,
  now IV"), counts add up ("2 liver and 1 bone met" is not written that way, so they must be
  named), AST and ALT keep the worse; otherwise the screener asks back;
- UK shorthand "3/12" (months), "6/52" (weeks), "10/7" (days) is a duration only where one is
  expected (before "ago", after a prognosis's words, as the whole reply to a duration
  question); elsewhere it may be a date or a ratio and is no duration;
- a pasted laboratory line ("WBC 3.2 L (4.0-11.0)") is read past its flag and reference range:
  the range is never the value, and it shows the unit of a value written without one.

Nothing is guessed: a value that cannot be read for sure is an `Unclear` rejection (asked back,
the rest of the message still counts); an implausible one a blocking rejection (nothing from the
message is recorded).
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from criteria.facts import Fact, Site
from criteria.reading import dates, numbers, units
from criteria.reading.context import Context, classify
from criteria.reading.terms import (
    READ,
    UNCLEAR,
    Lexicon,
    Mention,
    correct_typos,
    find_mentions,
    load_lexicon,
    spans_of,
)
from criteria.reading.text import normalise
from criteria.values import Range, Value, describe


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
    """A value that is not recorded, with what the clinician is told.

    `blocking`: implausible (age 400, WBC -3): nothing from the message is recorded.  Otherwise
    the value is only unclear ("multiple" when a count is needed, a unit missing): it is asked
    back and the rest of the message still counts.
    """

    fact: str
    message: str
    quote: str
    blocking: bool = True


Result = Answer | Rejected


@dataclass(frozen=True)
class Reading:
    """What one message says."""

    results: tuple[Result, ...]
    others: tuple[str, ...] = ()  # clinical things named that are no fact of any trial
    named: frozenset[str] = frozenset()  # every fact named, usable or not


# -- phrases of bare replies ------------------------------------------------------------------

UNKNOWN = re.compile(
    r"\b(?:(?:i )?(?:don'?t|do not|dont|didn'?t) know|unknown|not (?:yet )?known|not sure|unsure|"
    r"pending|awaiting|awaited|waiting for|no idea|not (?:yet )?(?:done|available|assessed|tested|"
    r"measured|checked|recorded)|unclear|unavailable|can'?t say|cannot say|to be confirmed|"
    r"tbc|tbd|n/k|not certain|uncertain|no data|haven'?t (?:got|checked|seen)|idk|dunno|"
    r"no clue|not a clue|no result|no results|not applicable)\b|\bn/a\b|^\W*\?+\W*$"
)
_QUESTION_MARK_ONLY = re.compile(r"^\W*\?+\W*$")
_YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|y|correct|affirmative|positive|true|indeed|definitely|certainly)\b"
)
_NO = re.compile(
    r"^\W*(?:no|nope|nah|n|none|negative|never|not|denies|nil|false|neither|nothing)\b"
)
# not "ok" ("neuts ok" was recorded as the normal range): ok for treatment is not normal
_NORMAL = re.compile(
    r"(?<!ab)\b(?:normal|within (?:the )?(?:normal )?(?:limits?|range)|wnl|unremarkable|fine|"
    r"nad)\b"
)
_LOW = re.compile(r"\b(?:low|reduced|decreased|below normal|below the normal range)\b")
_HIGH = re.compile(r"\b(?:high|raised|elevated|increased|above normal|deranged)\b")
# "bili not raised", "transaminases not elevated", "plt not low": the other side of the limit (were
# read as raised)
_NOT_BEFORE = re.compile(
    r"\b(?:not|never|nor|no longer|isn't|aren't|wasn't|weren't|is not|are not|was not|were not)"
    r"\s+(?:(?:at all|significantly|particularly|really|very|too|that)\s+)?$"
)
_DURATION_WORDS = [
    (re.compile(r"\b(?:a )?(?:few|couple of) weeks\b|\bweeks\b|\bdays\b"),
     Range(0, 3, hi_open=True)),
    (re.compile(r"\b(?:many |several )?years\b"), Range(12, math.inf)),
    (re.compile(r"\bhalf a year\b"), 6.0),
    (re.compile(r"\b(?:a|one) year\b"), 12.0),
]  # fmt: skip
# after a number: it is the total ("two: one in the liver, one in bone", "5 in total")
_TOTAL = re.compile(r"\s*(?::|;|\(|-\s)|\s+(?:in )?total\b|\s+(?:altogether|overall)\b")
# ... or a count in brackets breaking it down: "3 lesions (2 lung, 1 adrenal)", "mets x3 (2 bone,
# 1 liver)"; not any bracket: "1 brain met (treated with SRS) and 3 bone mets" adds up
_TOTAL_AFTER_MENTION = re.compile(
    r"\s*:|\s*\((?=\s*(?:\d|x\s?\d))|\s+(?:in )?total\b|\s+(?:altogether|overall)\b"
)
_SENTENCE_END = re.compile(r"[.;!?\n](?!\d)| but | however ")
# a comma inside a number ("1,500", "1,20,000") ends no clause: blanking the clause before it
# would leave a number that was never written ("20,000")
_CLAUSE_END = re.compile(r"[;:!?\n()]|,(?!\d)|\.(?!\d)| and | but | with | however | also ")
# another cancer's clause holds what it was treated with and what spread it made: "breast
# cancer treated with chemo in 2010", "prostate cancer with bone mets", and its brackets too:
# "breast ca 2014 (WLE + RT + tamoxifen)"
_CANCER_CLAUSE_END = re.compile(r"[;:!?\n]|,(?!\d)|\.(?!\d)| and | but | however | also ")
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "he",
        "she",
        "they",
        "patient",
        "pt",
        "is",
        "was",
        "are",
        "it",
        "its",
        "it's",
        "he's",
        "she's",
        "s",
        "i",
        "think",
        "would",
        "say",
        "reckon",
        "roughly",
        "exactly",
        "just",
        "only",
        "about",
        "currently",
        "now",
        "today",
        "latest",
        "last",
        "most",
        "recent",
        "recently",
        "score",
        "status",
        "value",
        "level",
        "count",
        "result",
        "results",
        "total",
        "in",
        "all",
        "altogether",
        "overall",
        "of",
        "please",
        "ok",
        "okay",
        "so",
        "yes",
        "no",
        "not",
        "none",
        "nothing",
        "never",
        "known",
        "that",
        "like",
        "at",
        "well",
        "um",
        "er",
        "her",
        "his",
        "their",
        "has",
        "had",
        "have",
        "got",
        "been",
        "be",
        "any",
        "we",
        "our",
        "on",
        "year",
        "years",
        "yrs",
        "old",
        "aged",
        "age",
        "y",
        "o",
        "yo",
        "months",
        "month",
        "mo",
        "weeks",
        "week",
        "days",
        "thanks",
        "thank",
        "you",
        "ecog",
        "ps",
        "kps",
        "who",
        "performance",
        "karnofsky",
        "count",
        "number",
        "there",
        "are",
        "were",
        "mets",
        "metastases",
        "metastasis",
        "lesions",
        "lesion",
        "deposits",
        "one",
        "distant",
        "liver",
        "bone",
        "lung",
        "adrenal",
        "brain",
        "node",
        "nodes",
        "nodal",
        "spine",
        "rib",
        "pelvis",
        "skin",
        "kidney",
        "in",
        "the",
        "with",
        "and",
        "or",
        "a",
        "to",
        "see",
        "as",
        "far",
        "know",
        "this",
        "done",
        "checked",
        "measured",
        "from",
        "test",
        "tested",
        "by",
        "per",
        "cent",
        "percent",
        "predicted",
        "of",
        "predicted",
        "fev1",
        "turned",
        "turns",
        "low",
        "high",
        "normal",
        "raised",
        "elevated",
        "borderline",
        "slightly",
        "mildly",
        "sorry",
        "actually",
        "correction",
        "oops",
        "meant",
        "mistake",
        "typo",
        "sorry",
    ]
)


@dataclass
class _Candidate:
    """One mention's contribution to one fact."""

    fact: str
    value: Any  # a Value, None (unknown) or UNCLEAR
    start: int
    end: int
    historical: bool = False
    current: bool = False
    part: str | None = None
    message: str | None = None  # why it is unclear, or why it is implausible
    blocking: bool = False
    said_unknown: bool = False  # "ECOG unknown", "WBC pending": an answer, not a hedge
    total: bool = False  # "five metastases: three in bone and two in liver"
    weak: bool = False  # unclear from a general word: yields to a settling mention (Meaning)


@dataclass
class _Message:
    text: str  # the clinician's words, as sent
    norm: str  # normalised and typo-corrected
    facts: dict[str, Fact]
    site: Site
    today: datetime.date
    asked: tuple[str, ...]  # the facts the pending question is about (one, or a group's)
    lexicon: Lexicon
    protected: list[tuple[int, int]] = field(default_factory=list)  # dates and units
    claimed: list[tuple[int, int]] = field(default_factory=list)  # readings already used
    used: list[tuple[int, int]] = field(default_factory=list)  # spans that said something
    numbers: list[numbers.Number] = field(default_factory=list)
    # a number written right before a mention that reads values before it ("2 bone mets") is
    # that mention's, even inside the window after an earlier mention ("3 liver and 2 bone mets")
    reserved: dict[int, int] = field(default_factory=dict)

    def free(self, start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in [*self.protected, *self.claimed])


def read_message(
    text: str,
    facts: dict[str, Fact],
    site: Site,
    today: datetime.date,
    asked: str | tuple[str, ...] | None = None,
    lexicon: Lexicon | None = None,
) -> Reading:
    """Every fact `text` names, and the answer to `asked` when it is a bare reply.

    `asked` is the pending question's fact, or the facts of a grouped question (a checklist):
    words that only answer a question ("none", "IV") count for each of them, and a bare reply
    is read only for a question about one fact."""
    asked_facts = (asked,) if isinstance(asked, str) else tuple(asked or ())
    asked = asked_facts[0] if len(asked_facts) == 1 else None
    lexicon = lexicon or load_lexicon()
    norm = _fractions_as_durations(correct_typos(normalise(text), lexicon), facts, lexicon, asked)
    msg = _Message(text, norm, facts, site, today, asked_facts, lexicon)
    msg.protected = sorted([*dates.date_spans(norm), *units.unit_spans(norm)])
    msg.numbers = numbers.find_numbers(norm)
    candidates: list[_Candidate] = []
    candidates += _birth_date(msg)
    mentions = _find(msg)
    for m in mentions:  # "fev1", "stage 4", "cin 3": their digits are no value of anything
        if not m.text[:1].isdigit():
            msg.claimed += [(n.start, n.end) for n in msg.numbers if m.start <= n.start < m.end]
    _reserve(msg, mentions)
    triggers = spans_of(lexicon.allergy_triggers, norm)
    contexts = classify(norm, [(m.start, m.end) for m in mentions] + triggers)
    windows = _allergy_windows(msg, triggers, contexts[len(mentions) :])
    others: list[str] = []
    named: set[str] = set()
    fact_mentions: list[tuple[Mention, Context]] = []
    cancers = [m for m in mentions if m.term.fact == "other_malignancy" and m.term.scope == "any"]
    for mention, context in zip(mentions, contexts, strict=False):
        if mention.term.fact in ("prior_treatment", "metastases") and any(
            _same_clause(norm, mention, c, _CANCER_CLAUSE_END) for c in cancers
        ):
            continue  # "CIN3 treated 2001", "prostate cancer with bone mets": that cancer's
        if mention.term.other is not None:
            others.append(mention.term.other)
            msg.used.append((mention.start, mention.end))
            _claim_after(msg, mention, mentions)
            continue
        if (
            any(s <= mention.start < e for s, e, _ in windows)
            and mention.term.fact == "prior_treatment"
        ):
            continue  # "allergic to cisplatin" is not a treatment
        fact_mentions.append((mention, context))
    # numbers written before a mention ("4 bone mets") are read after those written after one
    # ("ECOG 1"), so "ECOG 1 and 3 bone mets" gives each its own
    for mention, context in sorted(
        fact_mentions, key=lambda mc: any(msg.facts[m.fact].before for m in mc[0].meanings)
    ):
        for n, meaning in enumerate(mention.meanings):
            named.add(meaning.fact)
            found = _candidate(msg, mention, meaning, context, mentions)
            if meaning.fact not in asked_facts:  # unsure of a fact not asked: asked later
                # "brain mets pending" leaves the brain unknown, not the count of metastases
                # that the same words also name
                found = [c for c in found if c.value is not None or (c.said_unknown and n == 0)]
            candidates += found
            msg.used.append((mention.start, mention.end))
    for start, end, value in windows:
        named.add("allergy")
        msg.used.append((start, end))
        if value is not None:
            candidates.append(_Candidate("allergy", value, start, end))
    candidates = _superseded(msg, candidates)
    results = _combine(msg, candidates)
    if asked and asked in facts:
        bare = _bare_reply(msg, facts[asked], named, bool(others))
        mentioned = next((r for r in results if r.fact == asked), None)
        if mentioned is None and bare is not None:
            results.append(bare)
        elif isinstance(mentioned, Answer) and isinstance(bare, Answer):
            narrower = _narrower(mentioned.value, bare.value)
            if narrower is _DISAGREE:  # "68 (DOB 14/03/1950)": two answers, ask back
                results.remove(mentioned)
                results.append(
                    _unclear(msg, facts[asked], f"I read two answers. {facts[asked].question}")
                )
            elif narrower is bare.value:  # "Seven, widespread bone disease": the number
                results.remove(mentioned)
                results.append(bare)
        elif (
            isinstance(mentioned, Answer)
            and isinstance(bare, Answer)
            and not _same(mentioned.value, bare.value)
        ):  # "68 (DOB 14/03/1950)": two different answers, ask back
            results.remove(mentioned)
            results.append(
                _unclear(msg, facts[asked], f"I read two answers. {facts[asked].question}")
            )
    return Reading(tuple(results), tuple(dict.fromkeys(others)), frozenset(named))


# -- UK fraction shorthand for durations ---------------------------------------------------------

# "3/12" three months, "6/52" six weeks, "10/7" ten days, "3-6/12" three to six months: not a
# date's day and month, nor part of a longer date or number ("2/12/2026", "1/3/12")
_FRACTION = re.compile(
    r"(?<![0-9./-])(?P<n>[0-9]{1,2})(?:-(?P<m>[0-9]{1,2}))?/(?P<d>12|52|7)(?![0-9]|[./-][0-9])"
)
_FRACTION_UNITS = {"12": "months", "52": "weeks", "7": "days"}
_AGO = re.compile(r"\s*ago\b")
# between a duration fact's words and its fraction ("prognosis > 3/12", "LE probably 6/12")
_TO_FRACTION = re.compile(
    r"[\s:=<>~]*(?:(?:is|of|about|around|approx|approximately|probably|likely|maybe|possibly|"
    r"perhaps|less than|more than|over|under|at least|at most|up to)\b[\s:=<>~]*)*"
)
# a whole reply to a duration question ("3/12", "yep >3/12", "about 6/52")
_REPLY_TO_FRACTION = re.compile(
    r"\W*(?:(?:yes|yeah|yep|yup|y|no|nope)\b[\s,.;:!-]*)?(?:[<>]=?\s*|~\s*|(?:about|approx|around|"
    r"more than|less than|over|under|at least|at most)\s+)?"
)


def _fractions_as_durations(
    norm: str, facts: dict[str, Fact], lexicon: Lexicon, asked: str | None
) -> str:
    """The UK shorthand "n/12", "n/52", "n/7" written out as months, weeks, days where a
    duration is expected: before "ago", after a prognosis's words, or as the whole reply to a
    duration question.  Anywhere else "2/12" may be a date (2 December) or a ratio ("2/12
    nodes"): it is left as it is, and read as no duration."""
    found = list(_FRACTION.finditer(norm))
    if not found:
        return norm
    asked_fact = facts.get(asked) if asked else None
    duration_reply = asked_fact is not None and asked_fact.durations and not asked_fact.since
    mentions = [
        m
        for m in find_mentions(norm, lexicon, asked)
        if any(
            facts[x.fact].durations and not facts[x.fact].since
            for x in m.meanings
            if x.fact in facts and x.value == READ
        )
    ]
    out, last = [], 0
    for f in found:
        n, m = int(f.group("n")), f.group("m")
        limit = 2 * int(f.group("d"))
        if not (0 < n < limit and (m is None or n < int(m) < limit)):
            continue
        expected = (
            _AGO.match(norm, f.end())
            or any(
                x.end <= f.start() and _TO_FRACTION.fullmatch(norm, x.end, f.start())
                for x in mentions
            )
            or (
                duration_reply
                and _REPLY_TO_FRACTION.fullmatch(norm, 0, f.start())
                and not norm[f.end() :].strip(" .!")
            )
        )
        if expected:
            amount = f"{n}-{m}" if m else str(n)
            out += [norm[last : f.start()], f"{amount} {_FRACTION_UNITS[f.group('d')]}"]
            last = f.end()
    return "".join([*out, norm[last:]])


# -- mentions ------------------------------------------------------------------------------------


def _find(msg: _Message) -> list[Mention]:
    """The mentions in the message; words that only answer a question ("none", "IV") count
    for the pending question, in a clause that names nothing else.  Words that leave the
    answer unclear count beside that fact's own words too ("cellulitis treated with
    flucloxacillin": treated, is it over?)."""
    found = find_mentions(msg.norm, msg.lexicon, msg.asked)
    named = [m for m in found if m.term.scope == "any"]
    return [
        m
        for m in found
        if m.term.scope == "any"
        or not any(_same_clause(msg.norm, m, o) and not _unsettles(m, o.term.fact) for o in named)
    ]


def _unsettles(mention: Mention, fact: str | None) -> bool:
    """An answer word that leaves `fact` unclear ("treated", "resolved" of an infection)."""
    return any(x.fact == fact and x.value == UNCLEAR for x in mention.meanings)


def _clause_of(norm: str, pos: int, ends: re.Pattern[str] = _CLAUSE_END) -> tuple[int, int]:
    start = max((m.end() for m in ends.finditer(norm, 0, pos)), default=0)
    nxt = ends.search(norm, pos)
    return start, nxt.start() if nxt else len(norm)


def _same_clause(norm: str, a: Mention, b: Mention, ends: re.Pattern[str] = _CLAUSE_END) -> bool:
    return _clause_of(norm, a.start, ends) == _clause_of(norm, b.start, ends)


def _birth_date(msg: _Message) -> list[_Candidate]:
    found = dates.birth_age(msg.norm, msg.today)
    if isinstance(found, dates.BirthAge):
        msg.claimed.append((found.start, found.end))
        return [_Candidate("age", found.value, found.start, found.end)]
    if isinstance(found, dates.AmbiguousDate):
        msg.claimed.append((found.start, found.end))
        ages = " or ".join(str(a) for a in found.ages)
        return [
            _Candidate(
                "age",
                UNCLEAR,
                found.start,
                found.end,
                message=f"The date of birth “{found.text}” gives an age of {ages} depending on "
                "the order of day and month. How old is the patient?",
            )
        ]
    if isinstance(found, dates.ImpossibleDate):
        msg.claimed.append((found.start, found.end))
        return [
            _Candidate(
                "age",
                UNCLEAR,
                found.start,
                found.end,
                message=f"“{found.text}” is not a possible date of birth. How old is the patient?",
                blocking=True,
            )
        ]
    return []


def _allergy_windows(
    msg: _Message, triggers: list[tuple[int, int]], contexts: list[Context]
) -> list[tuple[int, int, Any]]:
    """Each allergy statement: its span and what it says about allergy to the study drugs."""
    windows = []
    spans = list(triggers)
    if msg.asked == ("allergy",) and not spans:
        spans = [(0, 0)]  # a reply to the allergy question is about allergies throughout
        contexts = [Context()]
    for (start, end), context in zip(spans, contexts, strict=False):
        clause = max((m.end() for m in _CLAUSE_END.finditer(msg.norm, 0, start)), default=0)
        stop = _SENTENCE_END.search(msg.norm, end)
        stop_at = stop.start() if stop else len(msg.norm)
        study = spans_of(msg.lexicon.study_drugs, msg.norm, clause, stop_at)
        others = spans_of(msg.lexicon.other_allergens, msg.norm, clause, stop_at)
        unclear = (
            spans_of(msg.lexicon.unclear_allergens, msg.norm, clause, stop_at)
            if msg.lexicon.unclear_allergens is not None
            else []
        )
        named = bool(study or others or unclear)
        if study:  # "pemetrexed planned" is no allergy to it; "not cisplatin" names it
            found = classify(msg.norm, study)
            others += [s for s, c in zip(study, found, strict=False) if c.negated]
            study = [
                span
                for span, c in zip(study, found, strict=False)
                if not (c.hypothetical or c.family or c.negated)
            ]
        if (start, end) == (0, 0) and not named:
            continue
        if context.negated and not context.list_negation:
            # "no allergies" says no; "no contrast allergy" says nothing of cisplatin
            if named:
                continue
            value: Any = False
        elif context.uncertain:
            value = None
        elif context.family or context.hypothetical:
            continue
        elif study:
            value = True
        elif others and not unclear:
            value = False
        else:
            value = UNCLEAR
        windows.append((clause, stop_at, value))
    return windows


def _reserve(msg: _Message, mentions: list[Mention]) -> None:
    for mention in mentions:
        if not any(msg.facts[m.fact].before for m in mention.meanings):
            continue
        before = _readings(msg, _before_start(msg, mention, mentions), mention.start)
        if before and _adjacent(msg.norm[before[-1].end : mention.start]):
            msg.reserved[before[-1].start] = mention.start


_PART_END = re.compile(r"[,;:(]| and ")


def _before_start(msg: _Message, mention: Mention, mentions: list[Mention]) -> int:
    """Where the words before a mention begin: after the previous mention and the last comma,
    colon or "and" ("two: one in the liver" gives the liver its own "one")."""
    prev = max((m.end for m in mentions if m.end <= mention.start), default=0)
    part = max((m.end() for m in _PART_END.finditer(msg.norm, prev, mention.start)), default=prev)
    return part


def _claim_after(msg: _Message, mention: Mention, mentions: list[Mention]) -> None:
    """A number written right after another clinical term is that term's ("eGFR 60"); not one
    a comma away ("creatinine 130 with an AKI, back to 95": the creatinine's newer value)."""
    stop = _window_end(msg, mention, mentions)
    for reading in _readings(msg, mention.end, stop)[:1]:
        if reading.start in msg.reserved:
            continue  # "(L2, right iliac), 1 adrenal": the next mention's own number
        if not _adjacent(msg.norm[mention.end : reading.start]):
            continue
        msg.claimed.append((reading.start, reading.end))


def _window_end(msg: _Message, mention: Mention, mentions: list[Mention]) -> int:
    nxt = min((m.start for m in mentions if m.start >= mention.end), default=len(msg.norm))
    stop = _SENTENCE_END.search(msg.norm, mention.end)
    return min(nxt, stop.start() if stop else len(msg.norm))


def _readings(msg: _Message, start: int, end: int) -> list[numbers.Reading]:
    """The numbers in norm[start:end] that are no date, no unit and no other fact's."""
    found = [
        n for n in msg.numbers if start <= n.start and n.end <= end and msg.free(n.start, n.end)
    ]
    return numbers.read_values(msg.norm, found)


def _candidate(
    msg: _Message, mention: Mention, meaning: Any, context: Context, mentions: list[Mention]
) -> list[_Candidate]:
    fact = msg.facts[meaning.fact]
    span = (mention.start, mention.end)
    if context.family or context.hypothetical:
        return []
    historical = context.historical and not fact.history_counts
    base = {"historical": historical, "current": context.current, "part": meaning.part}
    if meaning.value == UNCLEAR:
        if context.negated and not context.list_negation and meaning.negated is not None:
            return [_Candidate(fact.id, meaning.negated, *span, **base)]  # "no heart failure"
        return [
            _Candidate(
                fact.id,
                UNCLEAR,
                *span,
                message=_unclear_message(fact, mention.text),
                weak=meaning.weak,
                **base,
            )
        ]
    if meaning.value == READ:
        negated = context.negated and not context.list_negation and meaning.negated is not None
        if negated and fact.since:
            # "no MI in the last 6 months" is more than 6 months since one, "denies MI in March
            # 2026" says nothing of other months (both were recorded more than 12)
            stop = _clause_of(msg.norm, mention.start)[1]
            said = _denied_since(msg, fact, mention.end, stop)
            if said is UNCLEAR:
                message = f"Only then, or at no time? {fact.question}"
                return [_Candidate(fact.id, UNCLEAR, *span, message=message, **base)]
            if said is not None:
                return [_Candidate(fact.id, said, *span, **{**base, "historical": False})]
        if negated and not _readings(msg, mention.end, _window_end(msg, mention, mentions)):
            return [_Candidate(fact.id, meaning.negated, *span, **base)]  # "no MI"
        if negated and fact.since:
            # "no MI, had a stent in 2020": a date in another clause is not the MI's (it was
            # recorded 71 to 84 months)
            stop = _clause_of(msg.norm, mention.start)[1]
            dated = [m.span() for m in _SINCE_DATE.finditer(msg.norm, mention.end, stop)]
            numbers_ = [
                r
                for r in _readings(msg, mention.end, stop)
                if not any(s <= r.start < e for s, e in dated)
            ]
            if not numbers_:
                if _since_value(msg, mention.end, stop) is None or _PERIOD_WORD.search(
                    msg.norm, mention.end, stop
                ):  # "no MI since 2019" (was recorded 83 to 96 months): none in that time
                    return [_Candidate(fact.id, meaning.negated, *span, **base)]
                message = f"When was the {fact.label.removeprefix('time since ')}? {fact.question}"
                return [_Candidate(fact.id, UNCLEAR, *span, message=message, **base)]
        found = _read_near(msg, fact, mention, mentions, base)
        if found:
            if context.uncertain and not fact.estimate:
                for c in found:
                    if c.value is not UNCLEAR and not c.blocking:
                        c.value = None
            return found
        if context.negated and not context.list_negation and meaning.negated is not None:
            return [_Candidate(fact.id, meaning.negated, *span, **base)]
        if _unknown_after(msg, mention, mentions):
            return [_Candidate(fact.id, None, *span, said_unknown=True, **base)]
        if context.uncertain:
            return [_Candidate(fact.id, None, *span, **base)]
        return []
    if context.negated:
        if context.list_negation or meaning.negated is None:
            return []
        if context.uncertain:  # "probably no brain mets": a hedged denial is no denial
            return [_Candidate(fact.id, None, *span, **base)]
        return [_Candidate(fact.id, meaning.negated, *span, **base)]
    if context.uncertain:
        return [_Candidate(fact.id, None, *span, **base)]
    return [_Candidate(fact.id, meaning.value, *span, **base)]


def _superseded(msg: _Message, candidates: list[_Candidate]) -> list[_Candidate]:
    """Laboratory values followed in their sentence by a newer one ("WBC 11.5 with a UTI, now
    7.9"): the newer is the value, and what was said beside the older may be over (the UTI:
    asked back; it was recorded active and the 7.9 left unread)."""
    out = []
    older: list[tuple[int, int]] = []  # from an older value to its newer one
    for c in candidates:
        newer, span = _newer_unread(msg, c)
        out.append(newer)
        if span is not None:
            older.append(span)
    for i, c in enumerate(out):
        if (
            any(s < c.start < e for s, e in older)
            and not c.current
            and c.value is not UNCLEAR
            and msg.facts[c.fact].kind not in ("lab", "uln")
        ):
            fact = msg.facts[c.fact]
            message = f"Was that then, or is it so now? {fact.question}"
            out[i] = replace(c, value=UNCLEAR, message=message)
    return out


# what may stand in a clause with a newer laboratory value besides the words that make it
# current ("now 7.9", "recovered to 180", "8.1 today")
_NEWER_WORDS = frozenset(
    ["back", "down", "up", "to", "recovered", "improved", "settled", "fallen", "fell", "dropped",
     "risen", "rose", "come", "came", "this", "morning", "week", "on", "repeat", "at", "present"]
)  # fmt: skip


def _newer_unread(
    msg: _Message, candidate: _Candidate
) -> tuple[_Candidate, tuple[int, int] | None]:
    """A laboratory value followed in its sentence by a current number that nothing read
    may be the older of two.  When that number stands alone in its clause ("creatinine 130
    with an AKI, back to 95 this week") it is the value, with the span from the older to it;
    otherwise asked back."""
    fact = msg.facts[candidate.fact]
    if fact.kind not in ("lab", "uln") or candidate.current or candidate.value is UNCLEAR:
        return candidate, None
    stop = _SENTENCE_END.search(msg.norm, candidate.end)
    end = stop.start() if stop else len(msg.norm)
    unread = [
        n
        for n in msg.numbers
        if candidate.end <= n.start < end
        and msg.free(n.start, n.end)
        and not any(s <= n.start < e for s, e in msg.used)
    ]
    contexts = classify(msg.norm, [(n.start, n.end) for n in unread])
    if not unread or not any(c.current for c in contexts):
        return candidate, None
    message = f"I read an earlier and a later {fact.label} there. Which is the current one?"
    unclear = replace(candidate, value=UNCLEAR, message=message)
    first = next(n for n, c in zip(unread, contexts, strict=True) if c.current)
    older = (candidate.start, first.start)
    readings = numbers.read_values(msg.norm, unread)
    if len(readings) != 1 or len(contexts) != 1:
        return unclear, older
    reading = readings[0]
    lo, hi = _clause_of(msg.norm, reading.start)
    rest = msg.norm[lo : reading.start] + " " + msg.norm[_unit_end(msg.norm, reading) : hi]
    words = re.findall(r"[a-z]+", rest)
    if not all(w in _FILLER or w in _NEWER_WORDS for w in words):
        return unclear, older
    value, why, _ = value_of(msg.norm, fact, reading, msg.site)
    if why is not None or value is None:
        return unclear, older
    msg.claimed.append((reading.start, reading.end))
    newer = replace(candidate, value=value, end=reading.end, current=True, historical=False)
    return newer, (candidate.start, reading.start)


def _unknown_after(msg: _Message, mention: Mention, mentions: list[Mention]) -> bool:
    window = msg.norm[mention.end : _window_end(msg, mention, mentions)]
    return bool(UNKNOWN.search(window))


def _unclear_message(fact: Fact, words: str) -> str:
    return f"I can't tell the {fact.label} from “{words}”. {fact.question}"


_REFERENCE_BEFORE = re.compile(
    r"(?:\bref\w*|\brange|\bnormal|\bnr|\brr|\buln|\bupper limits?(?: of normal)?|\blln|"
    r"\blimit|\btarget)\s*(?:range|is|of)?\s*[:=(]?\s*(?:[<>]=?|up to|below|under)?\s*$"
)


def _options(msg: _Message, fact: Fact, readings: list[numbers.Reading]) -> list[numbers.Reading]:
    """The readings that can be this fact's value: not a reference range ("ref 130-180"), not
    a size ("a 1 cm brain met") or another measure written after a count."""
    kept = []
    for r in readings:
        if _REFERENCE_BEFORE.search(msg.norm, max(0, r.start - 30), r.start) or (
            fact.kind in ("lab", "uln") and _bracketed_range(msg.norm, r)
        ):
            msg.claimed.append((r.start, r.end))
            continue
        if not _another_measure(fact, units.unit_after(msg.norm, r.end)):
            kept.append(r)
    return kept


def _bracketed_range(norm: str, reading: numbers.Reading) -> bool:
    """A laboratory's reference range in brackets ("Plt 95 (150-400)", "bili 35 (<21)"): the
    range of normal values, never the patient's value."""
    return (
        isinstance(reading.value, Range)
        and bool(re.search(r"[(\[]\s*$", norm[max(0, reading.start - 3) : reading.start]))
        and bool(re.match(r"\s*[)\]]", norm[reading.end :]))
    )


# a pasted laboratory line: a low or high flag ("Hb 102 L"; never litres for a blood count or
# concentration) and the reference range in brackets ("WBC 3.2 L (4.0-11.0)")
_LAB_FLAG = re.compile(r"\s*\b[lh]\b(?![/.]?[a-z0-9])")
_LAB_RANGE = re.compile(
    r"\s*[(\[]\s*(?:(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*(?:-|to)\s*|<\s*)(?P<hi>[0-9]+(?:\.[0-9]+)?)"
    r"\s*[)\]]"
)


def _lab_line(
    norm: str, reading: numbers.Reading, unit: units.Unit | units.UnknownUnit | None
) -> tuple[units.Unit | units.UnknownUnit | None, tuple[float, float] | None]:
    """The unit of a value written on a pasted laboratory line, past its flag and reference
    range ("Cr 88 (45-90) umol/L"), and that range (low, high); the unit as read when the
    value is not so written."""
    flag_only = isinstance(unit, units.UnknownUnit) and _LAB_FLAG.fullmatch(" " + unit.text)
    if unit is not None and not flag_only:
        return unit, None
    pos = reading.end
    flag = _LAB_FLAG.match(norm, pos)
    if flag:
        pos = flag.end()
    bracket = _LAB_RANGE.match(norm, pos)
    if bracket:
        pos = bracket.end()
        after_flag = _LAB_FLAG.match(norm, pos)
        if after_flag and not flag:  # "neut 1.1 (1.8-7.5) L"
            flag, pos = after_flag, after_flag.end()
    if not (flag or bracket):
        return unit, None
    ref = None
    if bracket:
        ref = (float(bracket.group("lo") or 0.0), float(bracket.group("hi")))
    return units.unit_after(norm, pos), ref


def _unit_by_range(
    fact: Fact, lo: float, ref: tuple[float, float], site: Site
) -> str | bool | None:
    """The unit of a bare value that its laboratory's reference range shows: the one unit the
    value is plausible in and in which the range is near this site's ("Hb 9.8 (13.0-17.0)":
    g/dL, not mmol/L).  None: no unit shows; False: the range fits no unit the value can be in
    (asked back)."""
    site_ref = _reference(fact, site)
    site_uln = units.parse_quantity(site.upper_limits_of_normal.get(fact.id, "")) or None
    if site_ref is None:
        return None
    bare = units.bare_unit(lo, fact.bare_units)
    candidates = (bare,) if isinstance(bare, str) else getattr(bare, "units", ())

    def near(key: str) -> bool:
        for bound, site_bound in zip(ref, (site_ref.lo, site_ref.hi), strict=True):
            if key == units.ULN:
                return False
            if fact.kind == "uln":
                if site_uln is None:
                    return False
                converted = units.multiple_of_uln(bound, key, site_uln, fact.molar_mass)
            else:
                converted = units.convert(bound, key, fact.unit or "", fact.molar_mass)
            if converted is None:
                return False
            if bound > 0 and site_bound > 0 and not 1 / 1.5 <= converted / site_bound <= 1.5:
                return False
        return True

    fits = [k for k in candidates if near(k)]
    if len(fits) == 1:
        return fits[0]
    return False if candidates and not fits else None


def _another_measure(fact: Fact, unit: units.Unit | units.UnknownUnit | None) -> bool:
    """A number with a unit no reading of this fact has: "a 1 cm brain met" (a size, not a
    count), "FEV1 1.8 L (65% predicted)" (litres, not percent)."""
    if fact.kind != "number" or fact.durations or unit is None:
        return False
    if fact.unit is None:
        return isinstance(unit, units.UnknownUnit)
    return fact.unit == "%" and not (isinstance(unit, units.Unit) and "%" in unit.keys)


def _read_near(
    msg: _Message, fact: Fact, mention: Mention, mentions: list[Mention], base: dict[str, Any]
) -> list[_Candidate]:
    """The value written with a mention: inside it ("74M"), before it ("4 bone mets", for
    facts that allow it), or after it up to the next mention ("ECOG 1", "WBC 5.4 x10^9/L").

    Several numbers ("ECOG 2 last month, now 1") are told apart by ConText: the current one
    wins, a past, planned or negated one drops out, and if more than one is left the value is
    unclear.  AST and ALT written together ("AST/ALT 50/60") are each a value.
    """
    if mention.text[:1].isdigit():
        inside = _readings(msg, mention.start, mention.end)
        if inside:
            return [_from_reading(msg, fact, inside[0], mention, base)]
    options: list[numbers.Reading] = []
    if fact.before:
        start = _before_start(msg, mention, mentions)
        before = _options(msg, fact, _readings(msg, start, mention.start))
        if len(before) > 1 and fact.sum_mentions:
            return [
                _Candidate(
                    fact.id,
                    UNCLEAR,
                    before[0].start,
                    mention.end,
                    message=f"I read several numbers before “{mention.text}”. {fact.question}",
                    **base,
                )
            ]
        if before and _adjacent(msg.norm[before[-1].end : mention.start]):
            if fact.sum_mentions and _TOTAL_AFTER_MENTION.match(msg.norm, mention.end):
                total = _from_reading(msg, fact, before[-1], mention, base)
                total.total = True
                return [total]
            options.append(before[-1])
    stop = _window_end(msg, mention, mentions)
    after = _readings(msg, mention.end, stop)
    after = [r for r in after if msg.reserved.get(r.start, mention.start) == mention.start]
    options += _options(msg, fact, after)
    if fact.since:  # "MI in 2015", "MI March 2026", "MI last year"
        since = _since_value(msg, mention.end, stop)
        if since is UNCLEAR:  # "MI 03/04/2026": 3 April or 4 March?
            message = f"Is that date day/month or month/day? {fact.question}"
            return [_Candidate(fact.id, UNCLEAR, mention.start, stop, message=message, **base)]
        if since is not None:
            dated_at = [m.span() for m in _SINCE_DATE.finditer(msg.norm, mention.end, stop)]
            others = [r for r in options if not any(s <= r.start < e for s, e in dated_at)]
            if dated_at and (len(dated_at) > 1 or others):  # "MI 2019 and again 3 months ago"
                for r in options:
                    msg.claimed.append((r.start, r.end))
                message = f"When was the most recent one? {fact.question}"
                return [_Candidate(fact.id, UNCLEAR, mention.start, stop, message=message, **base)]
            for r in options:
                msg.claimed.append((r.start, r.end))
            # the date is the value, not a sign of the past ("MI in 2019": 7 years ago, now)
            dated = {**base, "historical": False}
            return [_Candidate(fact.id, since, mention.start, stop, **dated)]
    if not options:
        found = _word_value(msg, fact, mention.end, stop)
        if found is None:
            if fact.since:  # "history of MI": when matters
                message = f"When was the {fact.label.removeprefix('time since ')}? {fact.question}"
                return [_Candidate(fact.id, UNCLEAR, mention.start, stop, message=message, **base)]
            return []
        return [_Candidate(fact.id, found[0], mention.start, mention.end, **base)]
    if fact.highest_of_several:
        return [_from_reading(msg, fact, r, mention, base) for r in options]
    if len(options) == 2 and fact.integer:
        a, b = options
        if msg.norm[a.end : b.start].strip() == "/" and a.value == (b.value - 1):
            joined = numbers.Reading(Range(float(a.value), float(b.value)), a.start, b.end)
            return [_from_reading(msg, fact, joined, mention, base)]
    if len(options) == 1:
        only = options[0]
        context = classify(msg.norm, [(only.start, only.end)])[0]
        candidate = _from_reading(msg, fact, only, mention, base)
        if fact.sum_mentions and _TOTAL_AFTER_MENTION.match(msg.norm, only.end):
            candidate.total = True  # "mets x3 (2 bone, 1 liver)"
        return _in_context(candidate, context, fact)
    contexts = classify(msg.norm, [(r.start, r.end) for r in options])
    for r in options:
        msg.claimed.append((r.start, r.end))
    scored = [
        (r, c)
        for r, c in zip(options, contexts, strict=False)
        if not c.hypothetical and not c.family and not (c.negated and not c.list_negation)
    ]
    # current and not also past ("Hb 104 today (98 last week)": the 98 is both)
    current = (
        [rc for rc in scored if rc[1].current and not rc[1].historical]
        or [rc for rc in scored if rc[1].current]
        or [rc for rc in scored if not rc[1].historical]
    )
    if len(current) == 1:
        reading, context = current[0]
        return _in_context(_from_reading(msg, fact, reading, mention, base), context, fact)
    return [
        _Candidate(
            fact.id,
            UNCLEAR,
            mention.start,
            stop,
            message=f"I read more than one {fact.label} there. Which is the current one?",
            **base,
        )
    ]


def _in_context(candidate: _Candidate, context: Context, fact: Fact) -> list[_Candidate]:
    """A value in the context of its own words ("ECOG probably 1", "would be ECOG 1")."""
    if context.hypothetical or context.family or (context.negated and not context.list_negation):
        return []
    hedged = context.uncertain and not fact.estimate
    if hedged and candidate.value is not UNCLEAR and not candidate.blocking:
        candidate.value = None
    candidate.historical = candidate.historical or context.historical
    candidate.current = candidate.current or context.current
    return [candidate]


def _adjacent(gap: str) -> bool:
    """Only a few words between a number and its mention ("4 bone mets", "58-year-old")."""
    return len(gap) <= 14 and not re.search(r"[,;:.()]", gap)


_TIMES_ULN = re.compile(
    r"\b(?P<n>twice|double|two times|three times|triple|thrice|four times|five times)\s+"
    r"(?:the\s+)?(?:uln|upper limits? of normal|upper limit|upper normal|normal)\b"
)  # "twice normal" is twice the upper limit of normal, as "2 x normal"
_TIMES = {"twice": 2.0, "double": 2.0, "two times": 2.0, "three times": 3.0, "triple": 3.0,
          "thrice": 3.0, "four times": 4.0, "five times": 5.0}  # fmt: skip
_YEAR_WORDS = [
    (re.compile(r"\bhalf a year\b"), "6 months"),
    (re.compile(r"\b(?:a|one) year\b"), "12 months"),
    (re.compile(r"\b(?:a|one) month\b"), "1 month"),
    (re.compile(r"\b(?:a|one) week\b"), "1 week"),
]


def _word_value(
    msg: _Message, fact: Fact, start: int, end: int
) -> tuple[Value, tuple[int, int]] | None:
    """Values written in words: "normal", "low", "twice the ULN", "over a year", "weeks"."""
    words = msg.norm[start:end]
    if fact.kind == "uln":
        m = _TIMES_ULN.search(words)
        if m:
            return _TIMES[m.group("n")], (start + m.start(), start + m.end())
    if fact.kind in ("lab", "uln"):
        ref = _reference(fact, msg.site)
        normal = _NORMAL.search(words)
        if normal and not re.search(r"\b(?:not|no|non|ab)\s*$|\bof\s*$", words[: normal.start()]):
            span = (start + normal.start(), start + normal.end())
            return (Range(0.0, 1.0) if fact.kind == "uln" else ref), span  # type: ignore[return-value]
        low, high = _LOW.search(words), _HIGH.search(words)
        if ref is not None and low:
            span = (start + low.start(), start + low.end())
            if _NOT_BEFORE.search(words[: low.start()]):  # "plt not low": not below the range
                return (Range(ref.lo, math.inf), span) if fact.kind == "lab" else None
            return Range(0.0, ref.lo, hi_open=True), span
        if ref is not None and high:
            span = (start + high.start(), start + high.end())
            if _NOT_BEFORE.search(words[: high.start()]):  # "bili not raised": at most the ULN
                return Range(0.0, ref.hi), span
            return Range(ref.hi, math.inf, lo_open=True), span
    if fact.durations:
        found = _duration(words)
        if found is not None:
            value, words_at = found
            if words_at is None:
                return value, _head_word(words, start)
            return value, (start + words_at[0], start + words_at[1])
    return None


def _duration(words: str) -> tuple[Value, tuple[int, int] | None] | None:
    """A length of time in months, written with its unit ("6 months", "a year") or in words
    ("weeks"), and where those words are in `words` (None for a number with its unit)."""
    rewritten = words
    for pattern, replacement in _YEAR_WORDS:
        rewritten = pattern.sub(replacement, rewritten)
    for reading in numbers.read_values(rewritten):
        unit = units.unit_after(rewritten, reading.end)
        if isinstance(unit, units.Unit) and "months" in units.unit_keys():
            factor = units.convert(1.0, unit, "months")
            if factor is not None:
                return _scale(reading.value, factor), None
    for pattern, value in _DURATION_WORDS:
        m = pattern.search(words)
        if m:
            return value, m.span()
    return None


# a denial over a period: "no MI since 2019", "no MI in the last 2 years"
_PERIOD_WORD = re.compile(r"\b(?:since|for|in the (?:last|past)|over the (?:last|past)|within)\b")
_MONTH_NAMES = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
)  # fmt: skip
# "March 2026", "2019", and a month in digits ("NSTEMI 03/2026" was read as the year 2026 only,
# 0 to 12 months); not the end of a full date ("03/04/2026": which is the month?)
_SINCE_DATE = re.compile(
    r"\b(?:(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+"
    r"|(?<![0-9][/.-])(?P<nmonth>0?[1-9]|1[0-2])\s?[/.-]\s?)?"
    r"(?P<year>(?:19|20)\d\d)\b"
)
_SINCE_WORDS = [
    # "days ago" without a number; "10 days ago" is read as its number of days
    (re.compile(r"\blast month\b|\bthis month\b|\blast week\b|\bthis week\b|"
                r"(?<![0-9] )\bdays? ago\b"),
     Range(0.0, 2.0)),
    (re.compile(r"\blast year\b"), None),  # 1 to 23 months: asked back
    (re.compile(r"\b(?:many|several|a few|some|two|three|\d+) years ago\b|\blong ago\b|"
                r"\byears ago\b|\bdecades? ago\b|\bas a child\b"),
     Range(12.0, math.inf, lo_open=True)),
]  # fmt: skip


def _since_value(msg: _Message, start: int, end: int) -> Value | str | None:
    """Months since an event written as a date or in words ("in 2015", "March 2026",
    "years ago", "13/04/2026"), on the screening date; None if not written so (or not
    decidable); UNCLEAR for a day that its day/month order or century leaves open ("MI
    03/04/2026" was read as its year only)."""
    days = dates.event_days(msg.norm, start, end, msg.today)
    if days is not None:
        months = {round((msg.today - day).days / _DAYS_PER_MONTH, 6) for day in days}
        return months.pop() if len(months) == 1 else UNCLEAR
    words = msg.norm[start:end]
    m = _SINCE_DATE.search(words)
    today = msg.today
    if m:
        year = int(m.group("year"))
        if year > today.year:
            return None
        now = today.year * 12 + today.month - 1
        if m.group("month") or m.group("nmonth"):
            index = (
                _MONTH_NAMES.index(m.group("month"))
                if m.group("month")
                else int(m.group("nmonth")) - 1
            )
            month = year * 12 + index
            if month > now:
                return None
            return Range(float(max(0, now - month - 1)), float(now - month + 1))
        return Range(float(max(0, now - (year * 12 + 11) - 1)), float(now - year * 12 + 1))
    for pattern, value in _SINCE_WORDS:
        if pattern.search(words):
            return value
    return None


_DAYS_PER_MONTH = 365.25 / 12
# a time that is no period ("in March", "this year"): a denial then says nothing of other times
_POINT_TIME = re.compile(
    r"\b(?:" + "|".join(dates.MONTH_NAMES) + r")\b|\b(?:this|last|next) year\b|\byesterday\b"
)
# "the last year", "the past month": one of them
_LAST_ONE = re.compile(r"\b(?:last|past|previous|preceding)\s+(year|month|week)\b")


def _denied_since(msg: _Message, fact: Fact, start: int, end: int) -> Value | str | None:
    """What a denied event says when norm[start:end] gives it a time.  Over a period ("in
    the last 6 months", "for 5 years", "since March 2026"): none in it, so longer since one
    than the period (and no more than the fact's own no says: "none for 5 years" is its
    no); at a time ("in March 2026", "in 2019", "last month", "on 14/02/2026"): nothing of
    other times, UNCLEAR; no time written: None."""
    no = _meaning(fact.no_means) if fact.no_means else None
    words = msg.norm[start:end]
    period = _PERIOD_WORD.search(words)
    if period and isinstance(no, Range):
        lo, lo_open = None, True
        if period.group(0) == "since":
            since = _since_value(msg, start + period.end(), end)
            if since is UNCLEAR:
                return UNCLEAR
            if since is not None:  # "since March 2026": one may have been in March
                lo, lo_open = (since.lo if isinstance(since, Range) else float(since)), False
        else:
            rest = _LAST_ONE.sub(r"1 \1", words[period.end() :])
            found = _duration(rest)
            if found is not None:
                length = found[0]
                lo = length.lo if isinstance(length, Range) else float(length)
            elif period.group(0) == "for":
                period = None  # "no MI for the trial's purposes": no period
        if lo is not None and lo > 0:
            return no if lo >= no.lo else Range(lo, math.inf, lo_open=lo_open)
        if period:  # "since the last visit", "in the last few weeks": how long?
            return UNCLEAR
    if (
        _since_value(msg, start, end) is not None
        or _POINT_TIME.search(words)
        or dates.date_spans(words)
    ):
        return UNCLEAR
    return None


def _head_word(words: str, start: int) -> tuple[int, int]:
    """The span of a duration's unit word ("maybe a *year*"), for ConText to classify."""
    found = list(re.finditer(r"\b(?:years?|months?|weeks?|days?)\b", words))
    if not found:
        return start, start + len(words)
    return start + found[-1].start(), start + found[-1].end()


def _reference(fact: Fact, site: Site) -> Range | None:
    ref = site.reference_ranges.get(fact.id)
    if ref is None:
        return None
    if isinstance(ref, dict):  # by sex: the union of the ranges
        return Range(min(r[0] for r in ref.values()), max(r[1] for r in ref.values()))
    return Range(float(ref[0]), float(ref[1]))


def _from_reading(
    msg: _Message, fact: Fact, reading: numbers.Reading, mention: Mention, base: dict[str, Any]
) -> _Candidate:
    msg.claimed.append((reading.start, reading.end))
    start, end = min(reading.start, mention.start), max(reading.end, mention.end)
    value, message, blocking = value_of(msg.norm, fact, reading, msg.site)
    if message is not None:
        return _Candidate(fact.id, UNCLEAR, start, end, message=message, blocking=blocking, **base)
    return _Candidate(fact.id, value, start, end, **base)


def value_of(
    norm: str, fact: Fact, reading: numbers.Reading, site: Site
) -> tuple[Value | None, str | None, bool]:
    """A number read for a fact, in the fact's unit: (value, None, _), or (None, why not,
    whether it is implausible rather than unclear)."""
    value: float | Range = reading.value
    if reading.approximate and not fact.durations:
        return None, f"I need an exact value, not an estimate. {fact.question}", False
    unit = units.unit_after(norm, reading.end)
    ref = None
    if fact.kind in ("lab", "uln"):
        unit, ref = _lab_line(norm, reading, unit)
    if isinstance(unit, units.UnknownUnit):
        if fact.kind == "number":
            return None, f"I can't read a {fact.label} in “{unit.text}”. {fact.question}", False
        return None, _unit_message(fact, site, f"I don't know the unit “{unit.text}”."), False
    if fact.kind == "number":
        return _number_value(fact, value, unit)  # type: ignore[arg-type]
    bare = None
    if unit is None and ref is not None:
        shown = _unit_by_range(fact, value.lo if isinstance(value, Range) else value, ref, site)
        if shown is False:
            return None, _unit_message(fact, site, "That reference range does not fit."), False
        bare = shown or None
    if fact.kind == "lab":
        return _lab_value(fact, value, unit, site, bare)
    return _uln_value(norm, fact, value, unit, reading, site, bare)


def _number_value(
    fact: Fact, value: float | Range, unit: units.Unit | None
) -> tuple[Value | None, str | None, bool]:
    if unit is not None:
        target = "months" if fact.durations else fact.unit
        keys = unit.keys
        if fact.durations and any(k in ("days", "weeks", "months", "years") for k in keys):
            factor = units.convert(1.0, unit, "months")
            if factor is None:
                return None, f"I need a duration. {fact.question}", False
            value = _scale(value, factor)
        elif target is None or target not in keys:
            return None, f"I can't read a {fact.label} in {unit.key}. {fact.question}", False
    return _checked(fact, value)


def _lab_value(
    fact: Fact, value: float | Range, unit: units.Unit | None, site: Site, shown: str | None = None
) -> tuple[Value | None, str | None, bool]:
    """`shown`: the unit a bare value's reference range shows (`_unit_by_range`)."""
    target = fact.unit or ""
    lo = value.lo if isinstance(value, Range) else value
    if unit is None:
        bare = shown or units.bare_unit(lo, fact.bare_units)
        if not isinstance(bare, str):
            return None, _unit_message(fact, site, f"Which unit is {describe(value)} in?"), False
        factor = units.convert(1.0, bare, target, fact.molar_mass)
    else:
        factor = units.convert(1.0, unit, target, fact.molar_mass)
        ranges = [fact.bare_units[k] for k in unit.keys if k in fact.bare_units]
        if ranges and not any(lo_ <= lo <= hi_ for lo_, hi_ in ranges):
            # "WBC 4.5/uL", "Hb 25 g/dL": the unit is known, the value is not plausible in it
            return None, expectation(fact, value) if factor else None, True
    if factor is None:
        shown = unit.key if unit is not None else "that unit"
        return None, _unit_message(fact, site, f"{_a(fact.label)} cannot be in {shown}."), False
    return _checked(fact, _scale(value, factor))


def _uln_value(
    norm: str,
    fact: Fact,
    value: float | Range,
    unit: units.Unit | None,
    reading: numbers.Reading,
    site: Site,
    shown: str | None = None,
) -> tuple[Value | None, str | None, bool]:
    """`shown`: the unit a bare value's reference range shows (`_unit_by_range`)."""
    site_uln = units.parse_quantity(site.upper_limits_of_normal.get(fact.id, "")) or None
    lo = value.lo if isinstance(value, Range) else value
    key: Any = unit
    if unit is None:
        key = shown or units.bare_unit(lo, fact.bare_units)
        if not isinstance(key, str):
            return None, _unit_message(fact, site, f"Which unit is {describe(value)} in?"), False
    if key == units.ULN or (isinstance(key, units.Unit) and key.keys == (units.ULN,)):
        return _checked(fact, value)
    uln = site_uln
    after = unit.end if unit is not None else reading.end
    stated = units.uln_stated(norm, after, min(len(norm), after + 40))
    if stated is not None:
        limit, limit_unit, _ = stated
        if isinstance(limit_unit, units.UnknownUnit):
            return None, _unit_message(fact, site, "I can't read that upper limit."), False
        unit_key = (limit_unit.key if isinstance(limit_unit, units.Unit) else None) or (
            key.key if isinstance(key, units.Unit) else key
        )
        if site_uln and units.plausible_uln((limit, unit_key), site_uln, fact.molar_mass):
            uln = (limit, unit_key)
        else:
            return None, _unit_message(fact, site, "That upper limit of normal looks wrong."), False
    if uln is None:
        return None, f"I need the {fact.label} as a multiple of the upper limit of normal.", False
    factor = units.multiple_of_uln(1.0, key, uln, fact.molar_mass)
    if factor is None:
        return None, _unit_message(fact, site, f"{_a(fact.label)} cannot be in that unit."), False
    return _checked(fact, _scale(value, factor))


def _unit_message(fact: Fact, site: Site, why: str) -> str:
    uln = units.parse_quantity(site.upper_limits_of_normal.get(fact.id, ""))
    target = units.ULN if fact.kind == "uln" else (fact.unit or "")
    expected = units.expected_units(target, fact.molar_mass, uln[1] if uln else None)
    shown = ", ".join(expected[:6])
    return f"{why} Please give the {fact.label} with its unit ({shown})."


def _scale(value: float | Range, factor: float) -> float | Range:
    if isinstance(value, Range):
        return Range(value.lo * factor, value.hi * factor, value.lo_open, value.hi_open)
    return round(float(value) * factor, 4)


def _checked(fact: Fact, value: float | Range) -> tuple[Value | None, str | None, bool]:
    """A value in the fact's unit, or why it cannot be right (implausible, not a whole
    number, not a step of 10)."""
    r = value if isinstance(value, Range) else Range(float(value), float(value))
    low_ok = fact.min is None or r.lo >= fact.min or (r.lo == -math.inf and r.hi >= fact.min)
    high_ok = fact.max is None or r.hi <= fact.max or (r.hi == math.inf and r.lo <= fact.max)
    if not (low_ok and high_ok):
        return None, expectation(fact, value), True
    if isinstance(value, Range):
        return value, None, False
    if fact.integer and not float(value).is_integer():
        return None, expectation(fact, value), True
    if fact.step and float(value) % fact.step:
        return None, expectation(fact, value), True
    return (int(value) if fact.integer else round(float(value), 4)), None, False


def expectation(fact: Fact, value: Value) -> str:
    unit = " x ULN" if fact.kind == "uln" else (f" {fact.unit}" if fact.unit else "")
    shown = describe(value) if isinstance(value, Range) else f"{float(value):g}"
    limits = ""
    if fact.min is not None and fact.max is not None:
        limits = f" (between {fact.min:g} and {fact.max:g}{unit})"
    return (
        f"{_a(fact.label)} of {shown}{unit} is not plausible. "
        f"Please give {fact.hint or 'a plausible value'}{limits}."
    )


def _a(label: str) -> str:
    """ "A" or "An" before a fact's label, as it is said: an age, an ECOG, an FEV1, a WBC."""
    word = label.split()[0] if label.split() else label
    if word.isupper() and len(word) > 1:  # letters said one by one
        vowel_sound = word[0] in "AEFHILMNORSX"
    else:
        vowel_sound = word[:1].lower() in "aeiou"
    return f"{'An' if vowel_sound else 'A'} {label}"


# -- several candidates for one fact -------------------------------------------------------------


def _combine(msg: _Message, candidates: list[_Candidate]) -> list[Result]:
    by_fact: dict[str, list[_Candidate]] = {}
    for c in candidates:
        by_fact.setdefault(c.fact, []).append(c)
    results: list[Result] = []
    for fid, found in by_fact.items():
        results.append(_one_fact(msg, msg.facts[fid], found))
    return results


def _one_fact(msg: _Message, fact: Fact, found: list[_Candidate]) -> Result:
    blocking = [c for c in found if c.blocking]
    if blocking:
        return Rejected(fact.id, blocking[0].message or "", msg.text)
    unclear = [c for c in found if c.value is UNCLEAR]
    if unclear and all(c.weak for c in unclear) and len(unclear) < len(found):
        found = [c for c in found if c.value is not UNCLEAR]  # "treated with chemotherapy"
        unclear = []
    if unclear:
        return Rejected(fact.id, unclear[0].message or fact.question, msg.text, blocking=False)
    current = [c for c in found if c.current] or [c for c in found if not c.historical]
    if _past_yes_now_no(fact, found, current):
        return _unclear(msg, fact, f"Was that recently, and is it over now? {fact.question}")
    if not current:
        past = describe(found[0].value)
        return _unclear(
            msg, fact, f"That sounds like the past ({past}); I need it now. {fact.question}"
        )
    if fact.highest_of_several:
        return _worst_of_parts(msg, fact, current)
    totals = [c for c in current if c.total]
    if fact.sum_mentions and totals:
        current = totals  # the total stands; the sites after it only break it down
    elif fact.sum_mentions and len(current) > 1 and all(c.value is not None for c in current):
        if sum(not _SITE.search(msg.norm[c.start : c.end]) for c in current) > 1:
            # "PET: 4 mets, MRI: 5 mets": two counts of the same thing, not parts of a sum
            return _unclear(msg, fact, f"I read more than one count there. {fact.question}")
        total = _sum([c.value for c in current])
        value, message, bad = _checked(fact, total)
        if message is not None:
            return Rejected(fact.id, message, msg.text, blocking=bad)
        return Answer(fact.id, value, msg.text)
    values = _distinct([c.value for c in current])
    if len(values) == 1:
        return Answer(fact.id, values[0], msg.text)
    if fact.several == "worst" and None not in values:
        order = {c: i for i, c in enumerate(fact.choices)}
        return Answer(fact.id, max(values, key=lambda v: order.get(v, -1)), msg.text)
    shown = " and ".join(describe(v) for v in values)
    return _unclear(msg, fact, f"I read both {shown} for the {fact.label}. {fact.question}")


def _past_yes_now_no(fact: Fact, found: list[_Candidate], current: list[_Candidate]) -> bool:
    """A yes said of the past, or not said of now, beside a no said of now ("fast AF last
    week, now rate controlled", "was NYHA III, now NYHA I"): an exclusion may count the past
    months, so it is asked back (it was recorded no)."""
    if fact.kind != "boolean" or not current or any(c.value is not False for c in current):
        return False
    return any(c.value is True and not c.current for c in found)


_DISAGREE = object()
# where a counted metastasis is: counts naming different sites add up ("2 liver, 1 bone")
_SITE = re.compile(
    r"\b(?:brain|cerebral|cerebellar|intracranial|cns|liver|hepatic|bones?|bony|osseous|skeletal|"
    r"adrenals?|lungs?|pulmonary|pleural?|nodes?|nodal|skin|spine|spinal|vertebral|ribs?|pelvi[cs]|"
    r"peritoneal|kidneys?|renal|spleen|splenic|soft tissue|muscle|sacral|iliac|femoral|humeral|"
    r"sternal|cutaneous|subcutaneous|contralateral|ipsilateral)\b"
)


def _narrower(a: Any, b: Any) -> Any:
    """Of two readings of one fact, the one that says more when they agree, else _DISAGREE
    ("WBC 2.9, low": 2.9; "68 (DOB 14/03/1950)": _DISAGREE)."""
    if _same(a, b):
        return a
    numeric = (int, float)
    if isinstance(a, Range) and isinstance(b, numeric) and not isinstance(b, bool):
        return b if _inside(b, a) else _DISAGREE
    if isinstance(b, Range) and isinstance(a, numeric) and not isinstance(a, bool):
        return a if _inside(a, b) else _DISAGREE
    return _DISAGREE


def _inside(x: float, r: Range) -> bool:
    above = x > r.lo or (x == r.lo and not r.lo_open)
    below = x < r.hi or (x == r.hi and not r.hi_open)
    return above and below


def _unclear(msg: _Message, fact: Fact, message: str) -> Rejected:
    return Rejected(fact.id, message, msg.text, blocking=False)


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not any(_same(v, w) for w in out):
            out.append(v)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (a == b and type(a) is type(b))
    return a == b


def _sum(values: list[Any]) -> float | Range:
    lo = sum(v.lo if isinstance(v, Range) else float(v) for v in values)
    hi = sum(v.hi if isinstance(v, Range) else float(v) for v in values)
    return lo if lo == hi else Range(lo, hi)


def _worst_of_parts(msg: _Message, fact: Fact, found: list[_Candidate]) -> Result:
    """AST and ALT: the fact is the higher of the two, so both must be known."""
    parts: dict[str, list[Any]] = {}
    for c in found:
        for part in ("ast", "alt") if c.part in (None, "both") else (c.part,):
            parts.setdefault(part, []).append(c.value)
    unknown = [p for p, v in parts.items() if None in v]
    known_parts = [v for p, v in parts.items() if p not in unknown]
    if unknown:
        # "AST 1.5x ULN, ALT not done": the higher of the two is at least the known one
        known = _highest(known_parts[0]) if len(known_parts) == 1 else None
        low = known.lo if isinstance(known, Range) else known
        if low is None or float(low) < 1.0:
            return Answer(fact.id, None, msg.text)
        open_low = isinstance(known, Range) and known.lo_open
        return Answer(fact.id, Range(float(low), math.inf, lo_open=open_low), msg.text)
    missing = [p.upper() for p in ("ast", "alt") if p not in parts]
    if missing:
        known = _highest(next(iter(parts.values())))
        low = known.lo if isinstance(known, Range) else float(known)
        if low >= 1.0:  # the higher of the two is at least this one: "ALT 80 IU/L" is >= 2 x ULN
            open_low = isinstance(known, Range) and known.lo_open
            return Answer(fact.id, Range(low, math.inf, lo_open=open_low), msg.text)
        return _unclear(msg, fact, f"And the {missing[0]}? I need both AST and ALT.")
    worst = [_highest(v) for v in parts.values()]
    return Answer(fact.id, _highest(worst), msg.text)


def _highest(values: list[Any]) -> Any:
    """The higher of several values, some of them intervals: max(x, y) lies in
    [max of the lows, max of the highs]."""
    if len(values) == 1:
        return values[0]
    lows = [v.lo if isinstance(v, Range) else float(v) for v in values]
    highs = [v.hi if isinstance(v, Range) else float(v) for v in values]
    lo, hi = max(lows), max(highs)
    if lo == hi:
        return lo
    lo_open = any(isinstance(v, Range) and v.lo == lo and v.lo_open for v in values) and not any(
        (not isinstance(v, Range) and float(v) == lo) for v in values
    )
    hi_open = all(
        isinstance(v, Range) and v.hi_open
        for v in values
        if (v.hi if isinstance(v, Range) else v) == hi
    )
    return Range(lo, hi, lo_open, hi_open)


# -- bare replies ---------------------------------------------------------------------------------


def _bare_reply(msg: _Message, fact: Fact, named: set[str], others: bool) -> Result | None:
    """The pending question answered by the words that name nothing else."""
    free = _free_text(msg)
    if UNKNOWN.search(free) and not (msg.used and _QUESTION_MARK_ONLY.match(free)):
        # "unsure, he was drowsy yesterday": unknown, or unclear with it.  A "?" left over from
        # a question about named things ("can patients on osimertinib join?") is no "?" reply:
        # the named things' own context has read it
        return Answer(fact.id, None, msg.text)
    if not free.strip(" ,.;:!?-"):
        return None
    if fact.kind == "boolean":
        return _bare_yes_no(msg, fact, free)
    if fact.kind == "choice":
        return None  # choices are named by the lexicon (answer-scoped terms included)
    return _bare_number(msg, fact, free)


def _free_text(msg: _Message) -> str:
    """The clauses of the message that name nothing (other clauses blanked out), so that the
    "no" of "no history of MI" is not read as an answer to the pending question."""
    chars = list(msg.norm)
    taken = [*msg.used, *msg.claimed]
    start = 0
    for end in [*(m.start() for m in _CLAUSE_END.finditer(msg.norm)), len(msg.norm)]:
        if any(s < end and start < e for s, e in taken):
            for i in range(start, end):
                chars[i] = " "
        start = end
    return "".join(chars)


def _only_fillers(text: str) -> bool:
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", text)
    return all(w in _FILLER for w in words)


def _bare_context(msg: _Message, span: tuple[int, int]) -> Context:
    """ConText for the words of a bare reply ("maybe a year", "if he responds, 2")."""
    return classify(msg.norm, [span])[0]


def _bare_result(msg: _Message, fact: Fact, value: Value, span: tuple[int, int]) -> Result:
    context = _bare_context(msg, span)
    if context.hypothetical or context.family or (context.historical and not context.current):
        return _unclear(msg, fact, f"I need the patient's {fact.label} now. {fact.question}")
    if context.negated and not context.list_negation:
        return _unclear(msg, fact, f"I'm not sure what you mean. {fact.question}")
    if context.uncertain and not fact.estimate:
        return Answer(fact.id, None, msg.text)
    checked, message, bad = (
        _checked(fact, value) if fact.kind != "boolean" else (value, None, False)
    )
    if message is not None:
        return Rejected(fact.id, message, msg.text, blocking=bad)
    return Answer(fact.id, checked, msg.text)


def _bare_yes_no(msg: _Message, fact: Fact, free: str) -> Result | None:
    lead = len(free) - len(free.lstrip(" ,.;:!?-"))
    head = free.strip(" ,.;:!?-")
    yes, no = _YES.search(head), _NO.search(head)
    if not (yes or no):
        return None
    said = yes or no
    assert said is not None
    rest = head[said.end() :]
    if not _only_fillers(rest):
        return _unclear(msg, fact, f"Please answer yes or no: {fact.question}")
    span = (lead + said.start(), lead + said.end())
    if yes:
        return _bare_result(msg, fact, True, span)
    return Answer(fact.id, False, msg.text)


def _bare_number(msg: _Message, fact: Fact, free: str) -> Result | None:
    readings = [
        r
        for r in numbers.read_values(free)
        if msg.free(r.start, r.end)
        and not _inside_unit_of_other(msg, r)
        and not (fact.kind in ("lab", "uln") and _bracketed_range(free, r))
    ]
    if not readings:
        found = _word_value(msg, fact, 0, len(free))
        if found is None:
            stripped = free.strip(" ,.;:!?-")
            meaning = fact.yes_means if _YES.search(stripped) else None
            meaning = meaning or (fact.no_means if _NO.search(stripped) else None)
            if not meaning or not _only_fillers(_YES.sub("", _NO.sub("", stripped))):
                return None
            lead = len(free) - len(free.lstrip(" ,.;:!?-"))
            found = _meaning(meaning), (lead, lead + max(1, len(stripped.split()[0])))
        value, span = found
        return _bare_result(msg, fact, value, span)
    chosen = _which_reading(fact, free, readings)
    if chosen is None:
        return _unclear(msg, fact, f"I read several numbers. {fact.question}")
    if isinstance(chosen, numbers.Reading):
        total = _TOTAL.match(free, chosen.end) if fact.sum_mentions else None
        after = free[total.end() :] if total else free[_unit_end(msg.norm, chosen) :]
        if fact.since:  # "2 months ago": the time since
            after = _AGO_REST.sub("", after, count=1)
        head = free[: chosen.start]
        said = _PLAIN_YES_NO.fullmatch(head)  # "yep, >3 months": it must agree with the number
        # "none in 14 months": no event in that time, so longer since it, not 14 months
        denied = _DENIED_PERIOD.fullmatch(head) if fact.since else None
        rest = ("" if said or denied else head) + " " + ("" if total else after)
        if not _only_fillers(rest):
            return _unclear(msg, fact, f"I'm not sure that answers it. {fact.question}")
        value, message, bad = value_of(msg.norm, fact, chosen, msg.site)
        if message is not None:
            return Rejected(fact.id, message, msg.text, blocking=bad)
        if denied:
            if not isinstance(value, (int, float)) or re.search(r"\bago\b", free[chosen.end :]):
                return _unclear(msg, fact, f"I'm not sure that answers it. {fact.question}")
            value = Range(float(value), math.inf, lo_open=True)
        if said and not _agrees(fact, value, yes=said.group("yes")):
            return _unclear(msg, fact, f"I'm not sure that answers it. {fact.question}")
        return _bare_result(msg, fact, value, (chosen.start, chosen.end))  # type: ignore[arg-type]
    return _bare_result(msg, fact, chosen, (readings[0].start, readings[-1].end))


_AGO_REST = re.compile(r"^\s*ago\b")
# a denial over a period before the number of a reply ("none in 14 months", "nothing in the
# past 6 months", "not for 5 years")
_DENIED_PERIOD = re.compile(
    r"\W*(?:(?:no|nope)\W+)?(?:none|nothing|nil|not|never|no)\b[\s,]*"
    r"(?:(?:in|for|within|over|during)\s+)"
    r"(?:the\s+)?(?:(?:last|past|previous|recent)\s+)?"
)
# a plain yes or no right before the number of a reply ("yep, >3 months"; not "none in 14 months")
_PLAIN_YES_NO = re.compile(r"\W*(?:(?P<yes>yes|yeah|yep|yup|y)|no|nope|nah|n)\b[\s,.;:!-]*")


def _agrees(fact: Fact, value: Any, yes: Any) -> bool:
    """Whether a value lies inside what the yes (or no) said with it means ("yep, >3 months"
    to "more than 3 months?"); a fact whose yes and no mean no value agrees with neither."""
    spec = fact.yes_means if yes else fact.no_means
    if not spec or value is None:
        return False
    meant = _meaning(spec)
    if not isinstance(meant, Range):
        return _same(meant, value)
    if isinstance(value, Range):
        lo = value.lo > meant.lo or (value.lo == meant.lo and (value.lo_open or not meant.lo_open))
        hi = value.hi < meant.hi or (value.hi == meant.hi and (value.hi_open or not meant.hi_open))
        return lo and hi
    return _inside(float(value), meant)


def _inside_unit_of_other(msg: _Message, reading: numbers.Reading) -> bool:
    return any(s <= reading.start < e for s, e in msg.protected)


def _unit_end(norm: str, reading: numbers.Reading) -> int:
    unit = units.unit_after(norm, reading.end)
    return unit.end if unit is not None else reading.end


def _which_reading(
    fact: Fact, free: str, readings: list[numbers.Reading]
) -> numbers.Reading | float | Range | None:
    """The number that answers: the only one; a percentage for a percent fact ("FEV1 1.8 L,
    65%"); for counts the total ("two: one in the liver, one in bone") or a written sum
    ("2 + 1")."""
    if len(readings) == 1:
        return readings[0]
    if fact.unit == "%":
        percent = [r for r in readings if free[r.end :].lstrip().startswith("%")]
        if len(percent) == 1:
            return percent[0]
    if fact.sum_mentions:
        totals = [r for r in readings if _TOTAL.match(free, r.end)]
        if totals:
            return totals[0]
        joins = [free[a.end : b.start].strip() for a, b in itertools.pairwise(readings)]
        if all(j == "+" for j in joins) and not any(r.approximate for r in readings):
            return _sum([r.value for r in readings])
    return None


def _meaning(spec: dict[str, float]) -> Value:
    if "exactly" in spec:
        return float(spec["exactly"])
    if "above" in spec:
        return Range(float(spec["above"]), math.inf, lo_open=True)
    return Range(0.0, float(spec["at_most"]))


# -- one fact, or every fact, outside a screening -------------------------------------------------


def parse_answer(
    fact: Fact, text: str, site: Site | None = None, today: datetime.date | None = None
) -> Result | None:
    """`text` read as the answer to `fact`'s question: its result for that fact, or None."""
    from criteria.facts import load_facts, load_site

    reading = read_message(
        text, load_facts(), site or load_site(), today or datetime.date.today(), fact.id
    )
    return next((r for r in reading.results if r.fact == fact.id), None)


def extract_facts(
    text: str, site: Site | None = None, today: datetime.date | None = None
) -> Reading:
    """Every fact a message names when no question is pending."""
    from criteria.facts import load_facts, load_site

    return read_message(text, load_facts(), site or load_site(), today or datetime.date.today())
