"""Plays a screening case the way ../shared/cases/README.md describes, against any screener.

The player reads each question, decides its topic from the wording as a clinician would, and
answers with the case's text for that topic (or the default).  The same player drives the
criteria engine, the Rasa assistant and the API, so a case means the same thing at every level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).parent / "cases"

# Topic -> words in a question that name it; the first topic that matches wins.
TOPICS: list[tuple[str, str]] = [
    ("trial_choice", r"which trials?|screen (?:for|against)"),
    ("brain", r"\bbrain\b|conscious"),
    ("pregnancy", r"pregnan|breastfeed|breast-feed"),
    ("other_malignancy", r"another cancer|other cancer|other malignan"),
    ("allergy", r"allerg"),
    ("prior_treatment", r"treatment so far|anticancer treatment|treated|prior treatment"),
    ("life_expectancy", r"life expectancy"),
    ("metastases", r"metastas"),
    ("diagnosis", r"diagnosis|histolog"),
    ("stage", r"\bstage\b"),
    ("age", r"how old|\bage\b"),
    ("sex", r"\bsex\b|gender"),
    ("performance", r"ecog|karnofsky|performance"),
    ("wbc", r"white blood|\bwbc\b"),
    ("neutrophils", r"neutrophil|\banc\b"),
    ("platelets", r"platelet"),
    ("hemoglobin", r"h(?:a)?emoglobin"),
    ("bilirubin", r"bilirubin"),
    ("ast_alt", r"\bast\b|\balt\b|transaminase"),
    ("creatinine", r"creatinine"),
    ("lung_function", r"fev1|lung function"),
    ("consent", r"consent"),
    # the checklist of exclusions known from the chart, and its follow-up questions
    (
        "comorbidities",
        r"any of these|myocardial infarction|angina|heart failure|arrhythmia|"
        r"hypertension|blood pressure|diabetes|valve disease|infection|mental disorder|pericardial|"
        r"cannot have chemotherapy|contraindication to radiotherapy|serious disease|measurable",
    ),
]


def topics_of(question: str) -> list[str]:
    """Every topic a question is about ("A question about several topics gets the texts
    joined", ../shared/cases/README.md): a laboratory panel, a checklist."""
    q = question.lower()
    return [t for t, p in TOPICS if re.search(p, q)]


@dataclass
class Case:
    id: str
    expect: dict[str, str]
    answers: dict[str, str]
    opening: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def answer_for(self, question: str) -> tuple[str, list[str]]:
        """The answer text for a question, and the topics it was mapped to."""
        topics = [t for t in topics_of(question) if t in self.answers]
        if not topics:
            return "I don't know", []
        return " ".join(self.answers[t] for t in topics), topics


def load_cases(*names: str) -> list[Case]:
    cases: list[Case] = []
    for name in names or ("examples.yaml", "own.yaml"):
        data = yaml.safe_load((CASES_DIR / name).read_text(encoding="utf-8"))
        default = data.get("default", {})
        for raw in data["cases"]:
            answers = {**default, **(raw.get("answers") or {})}
            cases.append(
                Case(
                    id=raw["id"],
                    expect=raw["expect"],
                    answers=answers,
                    opening=raw.get("opening"),
                    corrections=raw.get("corrections") or {},
                    note=raw.get("note", ""),
                )
            )
    return cases


@dataclass
class PlayResult:
    case: Case
    verdicts: dict[str, str]
    questions: list[str]
    transcript: list[tuple[str, str]]

    def wrong(self) -> dict[str, tuple[str, str]]:
        return {
            trial: (want, self.verdicts.get(trial, "missing"))
            for trial, want in self.case.expect.items()
            if want != "any" and self.verdicts.get(trial) != want
        }

    def false_eligible(self) -> list[str]:
        return [
            t for t, (want, got) in self.wrong().items() if got == "eligible" and want != "eligible"
        ]


def play(
    case: Case,
    start: Callable[[], tuple[list[str], Any]],
    send: Callable[[Any, str], list[str]],
    finished: Callable[[Any], dict[str, str] | None],
    max_turns: int = 60,
) -> PlayResult:
    """Drive a screener: `start` opens a screening and returns its first messages and a handle,
    `send` sends a message and returns the bot's replies, `finished` returns the verdicts once
    the screening is complete (else None)."""
    messages, handle = start()
    transcript = [("bot", m) for m in messages]
    questions: list[str] = []

    def say(text: str) -> list[str]:
        transcript.append(("clinician", text))
        replies = send(handle, text)
        transcript.extend(("bot", r) for r in replies)
        return replies

    if case.opening:
        messages = say(case.opening)
    for _ in range(max_turns):
        verdicts = finished(handle)
        if verdicts is not None:
            return PlayResult(case, verdicts, questions, transcript)
        question = messages[-1] if messages else ""
        questions.append(question)
        text, topics = case.answer_for(question)
        messages = say(text)
        for topic in topics:
            if topic in case.corrections:
                messages = say(case.corrections[topic])
    raise AssertionError(f"case {case.id}: no verdict after {max_turns} turns: {transcript[-6:]}")


class ApiScreener:
    """Plays a case through the screening API (a FastAPI TestClient or an httpx client)."""

    def __init__(
        self,
        client: Any,
        headers: dict[str, str] | None = None,
        on_turn: Callable[[int], None] | None = None,
    ) -> None:
        self.client, self.headers, self.on_turn = client, headers or {}, on_turn
        self.last: dict[str, Any] = {}
        self.sid: str | None = None
        self.turns = 0

    def start(self) -> tuple[list[str], str]:
        r = self.client.post("/api/screenings", json={}, headers=self.headers)
        assert r.status_code == 201, r.text
        self.last = r.json()
        assert self.last["delivered"], self.last
        self.sid = self.last["screening_id"]
        return [m["text"] for m in self.last["replies"]], self.sid

    def send(self, sid: str, text: str) -> list[str]:
        self.turns += 1
        if self.on_turn:
            self.on_turn(self.turns)
        r = self.client.post(
            f"/api/screenings/{sid}/messages", json={"text": text}, headers=self.headers
        )
        assert r.status_code == 200, r.text
        self.last = r.json()
        return [m["text"] for m in self.last["replies"]]

    def finished(self, _sid: str) -> dict[str, str] | None:
        if self.last["status"] != "complete":
            return None
        return {slug: v["status"] for slug, v in self.last["verdicts"].items()}


class EngineScreener:
    """The smallest screener: the criteria engine alone, asking `next_fact()` (a fact or a
    grouped question), recording answers; an answer it cannot use leaves the question unknown."""

    def __init__(self, trials: Any = None) -> None:
        from criteria import Screening, load_trials

        self.screening = Screening(trials or load_trials())
        self.turn = 0
        self.asked: str | None = None

    def start(self) -> tuple[list[str], EngineScreener]:
        return self._question(), self

    def _question(self) -> list[str]:
        fact = self.screening.next_fact()
        self.asked = fact.id if fact else None
        return [fact.question] if fact else []

    def send(self, _handle: Any, text: str) -> list[str]:
        self.turn += 1
        outcome = self.screening.answer(text, self.turn, asked=self.asked)
        if self.asked and not outcome.understood:
            self.screening.skip(self.asked, text, self.turn)
        return [r.message for r in outcome.rejected] + self._question()

    def finished(self, _handle: Any) -> dict[str, str] | None:
        if self.screening.next_fact() is not None:
            return None
        return {slug: v.status for slug, v in self.screening.verdicts().items()}
