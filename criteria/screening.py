"""A screening: the facts recorded about one patient, the verdict per trial, what to ask next.

The state is plain data (`to_dict` / `from_dict`) so the Rasa assistant can keep it in a slot and
the API can store it; verdicts are recomputed from the facts, never stored as the only truth.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from criteria.facts import Fact, Group, Site, load_facts, load_groups, load_site
from criteria.reading.extraction import Answer, Rejected, read_message
from criteria.reading.message import is_none_of_these, is_unknown
from criteria.reading.numbers import find_numbers
from criteria.reading.terms import parse_interval
from criteria.reading.text import normalise
from criteria.rules import decisive, evaluate, missing
from criteria.trials import Criterion, Trial
from criteria.values import Value, compare, describe, value_from_json, value_to_json

ELIGIBLE, INELIGIBLE, INCOMPLETE = "eligible", "ineligible", "incomplete"


@dataclass(frozen=True)
class GroupQuestion:
    """A question that covers several facts (a checklist, a laboratory panel), shaped like a
    Fact for the clients that ask it: id, question, quick replies, what it expects."""

    group: Group
    needed: tuple[str, ...]  # the group's facts still needed, in its order

    @property
    def id(self) -> str:
        return self.group.id

    @property
    def question(self) -> str:
        return self.group.question_for(list(self.needed))

    @property
    def why(self) -> str:
        return self.group.why

    @property
    def label(self) -> str:
        return self.group.id

    @property
    def hint(self) -> str:
        return self.question

    @property
    def quick_replies(self) -> tuple[str, ...]:
        return self.group.quick_replies

    def expected(self) -> dict[str, Any]:
        return {"kind": "group", "hint": self.question, "facts": list(self.needed)}


Question = Fact | GroupQuestion


@dataclass
class FactRecord:
    """A recorded fact and its evidence: the clinician's exact words and the turn they came in."""

    fact: str
    value: Value | None  # None: the clinician said they do not know
    text: str
    turn: int
    source: str = "answer"  # answer | mention | derived | correction
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "value": value_to_json(self.value),
            "display": describe(self.value),
            "text": self.text,
            "turn": self.turn,
            "source": self.source,
            "history": self.history,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FactRecord:
        return cls(
            fact=data["fact"],
            value=value_from_json(data.get("value")),
            text=data.get("text", ""),
            turn=int(data.get("turn", 0)),
            source=data.get("source", "answer"),
            history=list(data.get("history", [])),
        )


@dataclass(frozen=True)
class CriterionResult:
    """How one criterion stands: `met` means its condition holds (for an exclusion: it excludes)."""

    id: str
    type: str
    text: str
    status: str  # met | not_met | unknown | to_confirm
    passes: bool | None  # does it allow the patient in?
    evidence: tuple[dict[str, Any], ...]
    decided_by: tuple[str, ...]  # the facts that settled it
    enrollment: str | None
    correction: str | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "text": self.text,
            "status": self.status,
            "passes": self.passes,
            "evidence": list(self.evidence),
            "decided_by": list(self.decided_by),
            "enrollment": self.enrollment,
            "correction": self.correction,
            "note": self.note,
        }


@dataclass(frozen=True)
class Verdict:
    trial: str
    title: str
    status: str  # eligible | ineligible | incomplete
    reasons: tuple[CriterionResult, ...]  # the deciding criteria (failed, or still unknown)
    criteria: tuple[CriterionResult, ...]
    to_confirm: tuple[str, ...]  # enrollment confirmations
    version: str
    unknown_facts: tuple[str, ...] = ()  # labels of what is still unknown, when incomplete

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "title": self.title,
            "status": self.status,
            "reasons": [r.id for r in self.reasons],
            "criteria": [c.to_dict() for c in self.criteria],
            "to_confirm": list(self.to_confirm),
            "unknown_facts": list(self.unknown_facts),
            "version": self.version,
        }

    def explain(self) -> str:
        """One line for the clinician: the verdict and what decided it."""
        if self.status == ELIGIBLE:
            return f"{self.title}: eligible at prescreening."
        if self.status == INELIGIBLE:
            reasons = "; ".join(
                r.text.rstrip(";. ")
                + "".join(
                    f' (you said: "{e["text"]}")' for e in r.evidence if e["fact"] in r.decided_by
                )
                for r in self.reasons
            )
            return f"{self.title}: not eligible. {reasons}."
        return f"{self.title}: incomplete, still unknown: {', '.join(self.unknown_facts)}."


@dataclass
class AnswerOutcome:
    """What one message did to the screening."""

    recorded: list[FactRecord]
    rejected: list[Rejected]
    corrected: list[dict[str, Any]]
    newly_decided: list[Verdict]
    # facts named in passing that differ from what was recorded earlier: kept as they were,
    # since only an explicit correction (or the answer to that very question) changes a fact
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # facts said again with the value already recorded: nothing changes
    repeated: list[str] = field(default_factory=list)
    # clinical things named that are no fact of any trial ("myocardial infarction")
    others: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return bool(self.recorded or self.rejected or self.conflicts)

    @property
    def noticed(self) -> bool:
        """The message said something about the patient, even if nothing new was recorded."""
        return self.understood or bool(self.repeated or self.others)

    @property
    def blocked(self) -> bool:
        """An implausible value: nothing from the message was recorded."""
        return any(r.blocking for r in self.rejected)


_CORRECTION = re.compile(
    r"\b(?:sorry|actually|correct(?:ion|ed)?|i meant|meant to say|mistake|my bad|typo|wrong|"
    r"rather than|instead of|should (?:be|have been|read)|not (?=\S*\d)|update[ds]?|changed?|"
    r"is now|now)\b"
)
_NOT_OLD = re.compile(r"\b(?:not|rather than|instead of)\s+(?P<old>[-\w.,]+)")


class Screening:
    """One patient's prescreening against a set of trials."""

    def __init__(
        self,
        trials: dict[str, Trial] | list[Trial],
        records: dict[str, FactRecord] | None = None,
        facts: dict[str, Fact] | None = None,
        site: Site | None = None,
        today: datetime.date | None = None,
        memo: Memo | None = None,
    ) -> None:
        if isinstance(trials, list):
            trials = {t.slug: t for t in trials}
        if not trials:
            raise ValueError("a screening needs at least one trial")
        self.trials = dict(trials)
        self.records: dict[str, FactRecord] = dict(records or {})
        self.facts = facts or load_facts()
        self.site = site or load_site()
        # the screening date: a date of birth is read as an age on this day
        self.today = today or datetime.date.today()
        self.groups = load_groups()
        self.groups_asked: list[str] = []
        # facts a group's answer named but left unclear ("an MI", but when?): asked next
        self.follow_ups: list[str] = []
        # verdicts and needed facts by the records they were computed from; a memo passed in
        # is shared with the other screenings of the same patient (a bot turn rebuilds its
        # screening several times from the same state)
        self.memo = memo if memo is not None else Memo()

    # ---- state --------------------------------------------------------------------------

    def values(self) -> dict[str, Value | None]:
        return {name: r.value for name, r in self.records.items()}

    def to_dict(self) -> dict[str, Any]:
        """The state, with the clinician's words kept once per message.

        A record (and each entry of its history) names the turn its words were said at; the
        words are in `texts`, by turn.  A referral letter that settles twenty facts is then in
        the state once, not twenty times: the bot carries this state in a slot and in every
        payload, so its size is what a turn costs to send, store and read (bench/README.md).
        """
        texts: dict[str, str] = {}
        records = {name: _by_turn(r.to_dict(), texts) for name, r in self.records.items()}
        return {
            "trials": list(self.trials),
            "versions": {slug: t.version for slug, t in self.trials.items()},
            "records": records,
            "texts": texts,
            "groups_asked": list(self.groups_asked),
            "follow_ups": list(self.follow_ups),
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], trials: dict[str, Trial], memo: Memo | None = None
    ) -> Screening:
        selected = {slug: trials[slug] for slug in data.get("trials", []) if slug in trials}
        texts = data.get("texts") if isinstance(data.get("texts"), dict) else {}
        records = {
            name: FactRecord.from_dict(with_texts(r, texts))
            for name, r in (data.get("records") or {}).items()
        }
        screening = cls(selected or trials, records, memo=memo)
        screening.groups_asked = [
            g for g in data.get("groups_asked") or [] if g in screening.groups
        ]
        screening.follow_ups = [f for f in data.get("follow_ups") or [] if f in screening.facts]
        return screening

    # ---- verdicts -------------------------------------------------------------------------

    def evaluate_criterion(
        self, criterion: Criterion, values: dict[str, Value | None] | None = None
    ) -> CriterionResult:
        values = self.values() if values is None else values
        if criterion.rule is None:
            status, passes = "to_confirm", None
        else:
            truth = evaluate(criterion.rule, values, self.site)
            status = {True: "met", False: "not_met", None: "unknown"}[truth]
            if truth is None:
                passes = None
                if criterion.unknown == "enrollment":
                    status = "to_confirm"  # asked, not known: confirmed at enrollment
            else:
                passes = truth if criterion.type == "inclusion" else not truth
        names = self._evidence_facts(criterion)
        evidence = tuple(self._evidence(n) for n in names if n in self.records)
        decided_by = (
            decisive(criterion.rule, values, self.site)
            if criterion.rule and passes is False
            else set()
        )
        return CriterionResult(
            decided_by=tuple(n for n in names if n in decided_by),
            id=criterion.id,
            type=criterion.type,
            text=criterion.text,
            status=status,
            passes=passes,
            evidence=evidence,
            enrollment=criterion.enrollment,
            correction=criterion.correction,
            note=criterion.note,
        )

    def _evidence_facts(self, criterion: Criterion) -> list[str]:
        """The facts a criterion's evidence shows: its own, and sex where a range depends on it."""
        key = id(criterion)
        if key not in _EVIDENCE_FACTS:
            names = sorted(criterion.facts, key=lambda n: self.facts[n].order)
            if (
                criterion.rule is not None
                and "sex" not in names
                and any(
                    o == "normal" and isinstance(self.site.reference_ranges.get(n), dict)
                    for n, o in _leaves(criterion.rule)
                )
            ):
                names.append("sex")
            _EVIDENCE_FACTS[key] = (criterion, names)
        return _EVIDENCE_FACTS[key][1]

    def _evidence(self, name: str) -> dict[str, Any]:
        record = self.records[name]
        return {
            "fact": name,
            "label": self.facts[name].label,
            "value": value_to_json(record.value),
            "display": describe(record.value),
            "text": record.text,
            "turn": record.turn,
            "source": record.source,
        }

    def verdict(self, slug: str) -> Verdict:
        trial = self.trials[slug]
        values = self.values()
        results = tuple(self.evaluate_criterion(c, values) for c in trial.criteria)
        failed = tuple(r for r in results if r.passes is False)
        unknown = tuple(r for r in results if r.status == "unknown")
        if failed:
            status, reasons = INELIGIBLE, failed
        elif unknown:
            status, reasons = INCOMPLETE, unknown
        else:
            status, reasons = ELIGIBLE, ()
        open_facts: set[str] = set()
        for c in trial.criteria:
            if c.rule is not None and c.id in {r.id for r in unknown}:
                open_facts |= missing(c.rule, values, self.site)
                open_facts |= {n for n in c.facts if n in values and values[n] is None}
        unknown_facts = sorted(open_facts, key=lambda n: self.facts[n].order)
        return Verdict(
            unknown_facts=tuple(self.facts[n].label for n in unknown_facts),
            trial=slug,
            title=trial.short_title,
            status=status,
            reasons=reasons,
            criteria=results,
            to_confirm=tuple(c.enrollment for c in trial.criteria if c.enrollment),
            version=trial.version,
        )

    def verdicts(self) -> dict[str, Verdict]:
        return dict(self._memoized("verdicts", self._records_key(), self._all_verdicts))

    def _all_verdicts(self) -> dict[str, Verdict]:
        return {slug: self.verdict(slug) for slug in self.trials}

    # ---- memo (see `Memo`) ----------------------------------------------------------------

    def _records_key(self) -> tuple[Any, ...]:
        """What the verdicts depend on: each record's value (with its type: True is not 1)
        and its evidence, and the trials."""
        return (
            tuple(self.trials),
            tuple(
                (name, type(r.value), r.value, r.text, r.turn, r.source)
                for name, r in self.records.items()
            ),
        )

    def _values_key(self) -> tuple[Any, ...]:
        """What the needed facts depend on: the values (with their types) and the trials."""
        return (
            tuple(self.trials),
            tuple((name, type(r.value), r.value) for name, r in self.records.items()),
        )

    def _memoized(self, what: str, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        return self.memo.get((what, key), (self.site, self.facts, *self.trials.values()), compute)

    def snapshot(self) -> dict[str, Any]:
        """Everything a client stores about the screening now: status, verdicts, the state.

        Evidence quotes the clinician by turn, like the state: an evidence entry without
        `text` said the words in `state["texts"]` at its `turn` (`evidence_with_texts`)."""
        state = self.to_dict()
        verdicts = {}
        for slug, verdict in self.verdicts().items():
            data = verdict.to_dict()
            for criterion in data["criteria"]:
                criterion["evidence"] = [
                    _by_turn(dict(e), state["texts"], add=False) for e in criterion["evidence"]
                ]
            verdicts[slug] = data
        return {
            "status": "complete" if self.complete else "in_progress",
            "verdicts": verdicts,
            "state": state,
        }

    # ---- what to ask ----------------------------------------------------------------------

    def needed_facts(self) -> list[str]:
        """Facts never asked that could still decide an undecided trial, in asking order."""
        return list(self._memoized("needed", self._values_key(), self._needed_facts))

    def _needed_facts(self) -> list[str]:
        """`needed_facts`, computed.

        What decides soonest goes first: a fact that can still decide two undecided trials
        before one that serves one (an answer that excludes from both ends both trials'
        questions), the clinical order as the tie-break.  Over the case set this asks a median
        of 10 questions instead of 12 (benchmarks/questions.py).
        """
        values = self.values()
        serves: dict[str, int] = {}  # fact -> undecided trials it could still decide
        for trial in self.trials.values():
            if any(
                c.rule is not None
                and (evaluate(c.rule, values, self.site) is (c.type == "exclusion"))
                for c in trial.criteria
            ):
                continue  # already ineligible: ask nothing more for this trial
            for_trial: set[str] = set()
            for c in trial.criteria:
                if c.rule is not None:
                    for_trial |= missing(c.rule, values, self.site)
            for name in for_trial:
                serves[name] = serves.get(name, 0) + 1
        for name, count in list(serves.items()):  # a man is not asked if pregnant: ask sex first
            for d in self.facts[name].derive:
                source = d.when["fact"]
                if source in serves:
                    serves[source] = max(serves[source], count)
        needed = [n for n in serves if not self._derivable(n, values)]
        # what can decide more trials first (one answer may end two screenings' questions),
        # then the clinical order
        return sorted(needed, key=lambda n: (-serves[n], self.facts[n].order))

    def _derivable(self, name: str, values: dict[str, Value | None]) -> bool:
        return any(self._derivation_holds(d, values) for d in self.facts[name].derive)

    def _derivation_holds(self, derivation: Any, values: dict[str, Value | None]) -> bool:
        when = derivation.when
        value = values.get(when["fact"])
        return value is not None and compare(value, when["op"], when["value"]) is True

    def _enrollment_only(self, name: str) -> bool:
        """Is the fact asked only in passing (a checklist), its unknown left to enrollment?"""
        using = [c for t in self.trials.values() for c in t.criteria if c.rule and name in c.facts]
        return bool(using) and all(c.unknown == "enrollment" for c in using)

    def next_fact(self) -> Question | None:
        """The next question, or None once every trial is decided or nothing more can help.

        A group (checklist, laboratory panel) is asked once, where its first needed fact would
        be, when two or more of its facts are needed; after it, a `missing` group's facts are
        asked one by one, a `named` group's only where its answer left them unclear.  A fact
        asked only for a line that enrollment can confirm is never asked on its own.
        """
        needed = self.needed_facts()
        for name in self.follow_ups:
            if name in needed:
                return self.facts[name]
        for name in needed:
            group = self._group_of(name)
            if group is not None and group.id not in self.groups_asked:
                in_group = tuple(f for f in group.facts if f in needed)
                if len(in_group) >= 2:
                    return GroupQuestion(group, in_group)
            if group is not None and group.follow_up == "named" and self._enrollment_only(name):
                continue  # asked in its checklist only; unknown, it is left to enrollment
            return self.facts[name]
        return None

    def _group_of(self, name: str) -> Group | None:
        return next((g for g in self.groups.values() if name in g.facts), None)

    @property
    def complete(self) -> bool:
        return self.next_fact() is None

    def why(self, fact_id: str) -> list[tuple[str, str]]:
        """The criteria (trial title, verbatim text) this fact serves, for "why do you ask?"."""
        return [
            (t.short_title, c.text)
            for t in self.trials.values()
            for c in t.criteria
            if fact_id in c.facts
        ]

    # ---- answers --------------------------------------------------------------------------

    def answer(self, text: str, turn: int, asked: str | None = None) -> AnswerOutcome:
        """Record what a message says: the asked fact, any other fact it names, corrections.

        If any value in the message is implausible, nothing from the message is recorded, so
        a half-understood message never leaves the screening in a state nobody confirmed.
        """
        before = {slug: v.status for slug, v in self.verdicts().items()}
        group = self.groups.get(asked or "")
        results, source, others = self._read(text, asked)
        rejected = [r for r in results if isinstance(r, Rejected)]
        if any(r.blocking for r in rejected):
            return AnswerOutcome([], [r for r in rejected if r.blocking], [], [])
        results = [r for r in results if isinstance(r, Answer)]
        if group is not None:
            results += self._group_answer(group, text, results, rejected, others)
            for name in group.facts:
                source.setdefault(name, "answer")
        repeated = [
            r.fact
            for r in results
            if r.fact in self.records
            and self.records[r.fact].source != "derived"
            and _same_value(self.records[r.fact].value, r.value)
        ]
        conflicts = []
        if not _CORRECTION.search(normalise(text)):
            for result in list(results):
                previous = self.records.get(result.fact)
                if (
                    result.fact != asked
                    and previous is not None
                    and previous.source != "derived"
                    and previous.value is not None
                    and result.value != previous.value
                ):
                    results.remove(result)
                    conflicts.append(
                        {
                            "fact": result.fact,
                            "label": self.facts[result.fact].label,
                            "recorded": describe(previous.value),
                            "mentioned": describe(result.value),
                        }
                    )
        recorded, corrected = [], []
        for result in results:
            assert isinstance(result, Answer)
            record, change = self._record(result, text, turn, source.get(result.fact, "mention"))
            if record is not None:
                recorded.append(record)
            if change is not None:
                corrected.append(change)
        self._derive(turn)
        after = self.verdicts()
        newly = [v for slug, v in after.items() if v.status != before[slug]]
        return AnswerOutcome(recorded, rejected, corrected, newly, conflicts, repeated, others)

    def _group_answer(
        self,
        group: Group,
        text: str,
        results: list[Answer],
        rejected: list[Rejected],
        others: list[str],
    ) -> list[Answer]:
        """What a reply to a grouped question says beyond the facts it names.

        "None of these" gives every item its none value; a checklist answer that names items
        ("MI 4 months ago") says the others are absent, unless it also says the clinician is
        unsure.  Items named but unclear are asked next.  The group is not asked again once it
        had a reply that said anything.
        """
        named = {r.fact for r in results} | {r.fact for r in rejected}
        unsure = is_unknown(text)
        answered = named or others or unsure or is_none_of_these(text)
        if answered and group.id not in self.groups_asked:
            self.groups_asked.append(group.id)
        self.follow_ups += [
            r.fact for r in rejected if r.fact in group.facts and r.fact not in self.follow_ups
        ]
        nones = {i.fact: _group_none(self.facts[i.fact], i.none) for i in group.items}
        affirmed = [  # items the patient has ("MI 4 months ago"), not items ruled out
            r.fact
            for r in results
            if r.fact in nones and r.value is not None and not _same_value(r.value, nones[r.fact])
        ]
        implied = is_none_of_these(text) or (
            group.follow_up == "named" and bool(affirmed) and not unsure
        )
        if not implied:
            return []
        values = self.values()
        return [
            Answer(item.fact, _group_none(self.facts[item.fact], item.none), text)
            for item in group.items
            if item.none is not None and item.fact not in named and item.fact not in values
        ]

    def set_fact(self, fact_id: str, value: Value | None, turn: int = 0, text: str = "") -> None:
        """Record a value as if answered (restoring a screening, or a test's starting point)."""
        self.records[fact_id] = FactRecord(fact_id, value, text, turn, "answer")
        self._derive(turn)

    def label_of(self, question_id: str) -> str:
        """What a question is about, in words: a fact's label, or a group's."""
        if question_id in self.facts:
            return self.facts[question_id].label
        return "answers to that list" if question_id in self.groups else question_id

    def skip(self, question_id: str, text: str, turn: int) -> list[FactRecord]:
        """The clinician does not know or skips: a fact stays unknown; a grouped question is
        not asked again (its facts are then asked, or left, as the group says)."""
        if question_id in self.groups:
            if question_id not in self.groups_asked:
                self.groups_asked.append(question_id)
            return []
        return [self.record_unknown(question_id, text, turn)]

    def record_unknown(self, fact_id: str, text: str, turn: int) -> FactRecord:
        """The clinician does not know or wants to skip: unknown, and not asked again."""
        self.records[fact_id] = FactRecord(fact_id, None, text, turn, "answer")
        return self.records[fact_id]

    def _read(
        self, text: str, asked: str | None
    ) -> tuple[list[Answer | Rejected], dict[str, str], list[str]]:
        """What the message says: the facts it names, the asked one's bare answer, and a
        correction ("sorry, she is 68, not 72") of an earlier answer."""
        group = self.groups.get(asked or "")
        asked_facts = group.facts if group else ((asked,) if asked in self.facts else ())
        asked_facts += tuple(o for f in asked_facts for o in self.facts[f].also_reads)
        asked = asked if asked in self.facts else None
        reading = read_message(text, self.facts, self.site, self.today, asked_facts)
        results = {r.fact: r for r in reading.results}
        source = dict.fromkeys(results, "mention")
        for name in asked_facts:
            if name in source:
                source[name] = "answer"
        if _CORRECTION.search(normalise(text)):
            correction = self._correction(text, normalise(text))
            if correction is not None and correction.fact not in results:
                if asked and asked != correction.fact:
                    results.pop(asked, None)  # the numbers were the correction's, not an answer
                results[correction.fact] = correction
                source[correction.fact] = "correction"
        return list(results.values()), source, list(reading.others)

    def _correction(self, text: str, norm: str) -> Answer | Rejected | None:
        """ "Sorry, she is 68, not 72": find the earlier answer that said 72, re-read it as 68."""
        m = _NOT_OLD.search(norm)
        if not m:
            return None
        old_numbers = find_numbers(m.group("old"))
        old = m.group("old").strip(" .,")
        new_part = norm[: m.start()]
        for name, record in sorted(self.records.items(), key=lambda kv: -kv[1].turn):
            if record.source == "derived":
                continue
            said = normalise(record.text)
            hit = (
                old_numbers and any(n.value == old_numbers[0].value for n in find_numbers(said))
            ) or (not old_numbers and re.search(rf"\b{re.escape(old)}\b", said))
            # The words may have said the old value for another fact (a referral letter's "58
            # years" is not its haemoglobin): the old value, read as this fact, must be the
            # value on record.
            if hit and not self._reads_as(old, name, record.value):
                hit = False
            if hit:
                reading = read_message(new_part, self.facts, self.site, self.today, name)
                for result in reading.results:
                    if result.fact == name:
                        return (
                            Answer(name, result.value, text)
                            if isinstance(result, Answer)
                            else Rejected(name, result.message, text, result.blocking)
                        )
        return None

    def _reads_as(self, words: str, fact: str, value: Value | None) -> bool:
        """Do these words, as the answer to `fact`, say `value`?"""
        reading = read_message(words, self.facts, self.site, self.today, fact)
        return any(
            isinstance(r, Answer) and r.fact == fact and _same_value(r.value, value)
            for r in reading.results
        )

    def _record(
        self, result: Answer, text: str, turn: int, source: str
    ) -> tuple[FactRecord | None, dict[str, Any] | None]:
        previous = self.records.get(result.fact)
        if previous is not None and previous.value == result.value and previous.source != "derived":
            return None, None  # said again, nothing new
        history = []
        change = None
        if previous is not None:
            history = [
                *previous.history,
                {
                    "value": value_to_json(previous.value),
                    "text": previous.text,
                    "turn": previous.turn,
                    "source": previous.source,
                },
            ]
            change = {
                "fact": result.fact,
                "label": self.facts[result.fact].label,
                "from": describe(previous.value),
                "to": describe(result.value),
            }
            if source == "mention":
                source = "correction"
        record = FactRecord(result.fact, result.value, text, turn, source, history)
        self.records[result.fact] = record
        return record, change

    def _derive(self, turn: int) -> None:
        """Fill facts that another answer settles (a man is not pregnant); undo stale ones."""
        values = self.values()
        for fact in self.facts.values():
            record = self.records.get(fact.id)
            if record is not None and record.source != "derived":
                continue
            holding = [d for d in fact.derive if self._derivation_holds(d, values)]
            if holding:
                source_record = self.records[holding[0].when["fact"]]
                self.records[fact.id] = FactRecord(
                    fact.id,
                    value_from_json(holding[0].value),
                    source_record.text,
                    source_record.turn,
                    "derived",
                )
            elif record is not None:
                del self.records[fact.id]

    def take_back(self, turn: int) -> list[FactRecord]:
        """Take back the latest message's answers ("go back", "undo"), asked at `turn`.

        Every non-derived record of the latest turn goes: a record that replaced an earlier
        value gets that value back, and its history keeps what was taken back (with the turn
        it was taken back at), so a coordinator still sees it; a record with nothing before it
        is removed (the API's transcript keeps the words).  Facts derived from it follow.
        Returns the records taken back, empty when nothing is recorded.
        """
        answered = [r for r in self.records.values() if r.source != "derived"]
        if not answered:
            return []
        latest = max(r.turn for r in answered)
        taken = [r for r in answered if r.turn == latest]
        for record in taken:
            earlier = [h for h in record.history if "taken_back" not in h]
            if not earlier:
                del self.records[record.fact]
                continue
            previous = earlier[-1]
            kept = [h for h in record.history if h is not previous]
            gone = {**record.to_dict(), "taken_back": turn}
            self.records[record.fact] = FactRecord(
                record.fact,
                value_from_json(previous["value"]),
                previous["text"],
                previous["turn"],
                previous["source"],
                [*kept, {k: gone[k] for k in ("value", "text", "turn", "source", "taken_back")}],
            )
        self._derive(turn)
        return taken


class Memo:
    """Verdicts and needed facts of one patient's screening, by what they are computed from.

    A bot turn asks for them several times over the same records, each time from a screening
    rebuilt from the bot's slot (before and after an answer, for the reply, for the payload,
    for each of the form's checks, and again in the next action): they were a third of the
    action server's CPU per message.  The bot passes one memo per clinician message to the
    screenings it rebuilds for it; a screening made without one has its own.  Not shared between
    patients: two patients described in the same words would share results, and a benchmark
    that replays the same words would measure that instead of a real turn.

    The key is made of everything they are computed from (each record's value with its type,
    and its evidence; the trials), so a record changed in any way, even in place, is a new
    key; the site, the facts and the trial objects are checked by identity.  What is returned
    is never changed by its callers (frozen verdicts; lists copied).  The last `size` results
    are kept: a turn needs a handful.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], owners: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        try:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and _same_objects(entry[0], owners):
                    self._entries.move_to_end(key)
                    return entry[1]
        except TypeError:  # a value of a kind no fact has: computed, not kept
            return compute()
        value = compute()
        with self._lock:
            self._entries[key] = (owners, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def _same_objects(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _by_turn(entry: dict[str, Any], texts: dict[str, str], add: bool = True) -> dict[str, Any]:
    """`entry` (a record, a history entry, evidence) without the words said at its turn, when
    `texts` has them (or gets them, with `add`); other words stay in the entry."""
    if isinstance(entry.get("history"), list):
        entry["history"] = [_by_turn(dict(h), texts, add) for h in entry["history"]]
    text, turn = entry.get("text"), entry.get("turn")
    if not isinstance(text, str) or not isinstance(turn, int):
        return entry
    key = str(turn)
    if add:
        texts.setdefault(key, text)
    if texts.get(key) == text:
        del entry["text"]
    return entry


def with_texts(entry: Any, texts: dict[str, Any]) -> Any:
    """A record, history entry or evidence entry with its words back from `texts` (by turn).

    Entries that carry their own words (or come from before `texts`) are returned as they are.
    """
    if not isinstance(entry, dict):
        return entry
    entry = dict(entry)
    if isinstance(entry.get("history"), list):
        entry["history"] = [with_texts(h, texts) for h in entry["history"]]
    if entry.get("text") is None and str(entry.get("turn")) in texts:
        entry["text"] = texts[str(entry.get("turn"))]
    return entry


def _group_none(fact: Fact, none: Any) -> Value:
    """A group item's "none of these" value in the fact's terms (">12" months for an MI)."""
    if fact.kind in ("number", "lab", "uln") and isinstance(none, str):
        return parse_interval(none)
    return none


def _same_value(a: Value | None, b: Value | None) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


# Evidence facts per criterion, computed once (criteria are immutable; the criterion is kept in
# the value so its id() cannot be reused by another object).
_EVIDENCE_FACTS: dict[int, tuple[Criterion, list[str]]] = {}


def _leaves(rule: Any) -> list[tuple[str, str]]:
    if hasattr(rule, "op"):
        return [(rule.fact, rule.op)]
    if hasattr(rule, "child"):
        return _leaves(rule.child)
    return [leaf for child in rule.children for leaf in _leaves(child)]
