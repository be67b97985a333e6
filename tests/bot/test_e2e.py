"""End to end: a freshly trained model in a real `rasa run` (REST channel) and `rasa run
actions`, played with the screening cases through tests/player.py."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from player import CASES_DIR, load_cases, play
from stack import send

pytestmark = [pytest.mark.slow, pytest.mark.bot]

CASE_FILES = [n for n in ("examples.yaml", "own.yaml") if (CASES_DIR / n).exists()]
_ids = itertools.count(1)


class Conversation:
    """One screening through the REST channel; keeps the latest structured message."""

    def __init__(self, rasa: str, trials: list[str] | None = None) -> None:
        self.rasa = rasa
        self.sender = f"e2e-{time.time_ns()}-{next(_ids)}"
        self.trials = trials
        self.custom: dict[str, Any] | None = None
        self.replies: list[dict[str, Any]] = []

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> list[str]:
        self.replies = send(self.rasa, self.sender, text, metadata)
        customs = [r["custom"] for r in self.replies if "custom" in r]
        assert len(customs) == 1, f"one structured message per turn: {self.replies}"
        assert "custom" in self.replies[-1], "the structured message comes last"
        self.custom = customs[0]["screening"]
        return [r["text"] for r in self.replies if r.get("text")]

    def start(self) -> list[str]:
        meta = {"screening_id": self.sender, "clinician": "e2e", "trials": self.trials}
        return self.say("/start_screening", meta)

    @property
    def status(self) -> str:
        return self.custom["status"]

    def verdicts(self) -> dict[str, str]:
        return {slug: v["status"] for slug, v in self.custom["verdicts"].items()}

    def asking(self) -> str | None:
        return (self.custom.get("asking") or {}).get("fact")


def play_case(rasa: str, case):
    conversation = Conversation(rasa)

    def start():
        return conversation.start(), conversation

    def send_text(c: Conversation, text: str) -> list[str]:
        return c.say(text)

    def finished(c: Conversation):
        return c.verdicts() if c.status == "complete" else None

    return play(case, start, send_text, finished)


CASES = load_cases(*CASE_FILES)


def test_every_case_reaches_the_expected_verdicts(stack):
    wrong, false_eligible, questions = {}, {}, []
    started = time.monotonic()
    for case in CASES:
        result = play_case(stack.rasa, case)
        questions.append(len(result.questions))
        if result.wrong():
            wrong[case.id] = (result.wrong(), result.transcript[-8:])
        if result.false_eligible():
            false_eligible[case.id] = result.false_eligible()
    elapsed = time.monotonic() - started
    print(
        f"\n{len(CASES)} cases in {elapsed:.1f} s, "
        f"{sum(questions) / len(questions):.1f} questions per screening"
    )
    assert not false_eligible, f"false eligible: {false_eligible}"
    assert not wrong, f"wrong verdicts: {wrong}"


def test_metadata_trials_skip_the_trial_question(stack):
    c = Conversation(stack.rasa, trials=["primary-rt"])
    texts = c.start()
    assert c.asking() == "histology"
    assert any("primary tumor radiotherapy" in t for t in texts)
    assert list(c.custom["state"]["trials"]) == ["primary-rt"]


def test_multi_fact_opening_skips_those_questions(stack):
    c = Conversation(stack.rasa)
    c.start()
    assert c.asking() == "trials"
    c.say("71-year-old man, squamous NSCLC, stage IVB, 4 bone mets, ECOG 1, treatment naive")
    recorded = {r["fact"] for r in c.custom["recorded"]}
    assert {"age", "sex", "histology", "stage", "metastases", "ecog", "prior_treatment"} <= recorded
    assert c.verdicts()["oligomet-rt"] == "ineligible"  # 71 > 70
    assert c.asking() not in recorded


def test_correction_reevaluates_everything(stack):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    c.say("Confirmed NSCLC")
    c.say("Stage IV")
    c.say("She is 72")
    assert c.verdicts()["oligomet-rt"] == "ineligible"
    texts = c.say("sorry, she is 68, not 72")
    assert any("Corrected age" in t for t in texts)
    assert c.custom["corrected"][0]["fact"] == "age"
    assert c.verdicts()["oligomet-rt"] == "incomplete"
    age = c.custom["state"]["records"]["age"]
    assert age["value"] == 68 and age["history"][0]["value"] == 72


def test_unknown_skip_why_help_list_restart_stop(stack):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    asked = c.asking()
    texts = c.say("why do you ask?")
    assert any("histolog" in t.lower() for t in texts) and c.asking() == asked
    texts = c.say("help")
    assert any("why do you ask" in t for t in texts) and c.asking() == asked
    texts = c.say("which trials are open?")
    assert any("Open trials" in t for t in texts) and c.asking() == asked
    c.say("Confirmed NSCLC")
    c.say("IV")
    assert c.asking() == "age"
    c.say("I don't know")
    assert c.custom["state"]["records"]["age"]["value"] is None
    assert c.asking() == "sex"
    c.say("skip")
    assert c.custom["state"]["records"]["sex"]["value"] is None
    next_fact = c.asking()
    c.say("pending")
    assert c.custom["state"]["records"][next_fact]["value"] is None
    kept = c.custom["state"]["records"]
    texts = c.say("restart")
    assert texts == ["Start over and clear every answer for this patient? yes / no"]
    assert c.custom["state"]["records"] == kept and kept
    texts = c.say("yes")
    assert c.custom["state"]["records"] == {} and c.asking() == "histology"
    texts = c.say("stop")
    assert any("stopped" in t for t in texts) and c.custom["asking"] is None
    c.say("Confirmed NSCLC")  # answering resumes the screening
    assert c.asking() == "stage"


def test_restart_no_goes_on_and_go_back_asks_the_question_again(stack):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    c.say("Confirmed NSCLC")
    c.say("Stage IV")
    assert c.asking() == "age"
    c.say("restart")
    buttons = [b["payload"] for r in c.replies for b in r.get("buttons", [])]
    assert buttons == ["yes", "no"] and c.custom["asking"] is None
    texts = c.say("no")
    assert "Nothing was cleared; let's go on." in texts and c.asking() == "age"
    assert c.custom["state"]["records"]["stage"]["value"] == "IV"
    c.say("75")
    assert c.verdicts()["oligomet-rt"] == "ineligible" and c.asking() != "age"
    texts = c.say("go back")
    assert any(t.startswith("Taken back: age 75") for t in texts) and c.asking() == "age"
    assert "age" not in c.custom["state"]["records"]
    assert c.verdicts()["oligomet-rt"] != "ineligible"
    c.say("68")
    c.say("sorry, it is 72, not 68")
    assert c.custom["state"]["records"]["age"]["value"] == 72
    texts = c.say("undo")
    age = c.custom["state"]["records"]["age"]
    assert age["value"] == 68 and age["history"][-1]["value"] == 72
    assert any("it is 68 again" in t for t in texts)


def test_two_unusable_answers_offer_quick_replies_and_skip(stack):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    first = c.say("banana split")
    assert c.asking() == "histology" and not any("skip" in t for t in first)
    second = c.say("purple monkey dishwasher")
    assert second[0] != first[0] and "skip" in second[0]
    offered = [b["payload"] for b in c.replies[0].get("buttons", [])]
    assert offered[-1] == "skip" and len(offered) > 1
    c.say(offered[-1])
    assert c.custom["state"]["records"]["histology"]["value"] is None


@pytest.mark.parametrize(
    "text",
    ["", "x" * 5000, "😀🙏👍", "¿Cuántos años tiene el paciente?", "what's the weather today?"],
    ids=["empty", "long", "emoji", "spanish", "off-topic"],
)
def test_unusable_messages_leave_the_screening_where_it_was(stack, text):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    c.say("Confirmed NSCLC")
    before = c.custom["state"]
    texts = c.say(text)
    assert texts and c.asking() == "stage"
    assert c.custom["state"] == before
    assert texts[-1].startswith("What is the stage")


def test_implausible_value_is_refused(stack):
    c = Conversation(stack.rasa, trials=["oligomet-rt", "primary-rt"])
    c.start()
    c.say("Confirmed NSCLC")
    c.say("IV")
    texts = c.say("He is 300")
    assert c.custom["rejected"] and c.custom["rejected"][0]["fact"] == "age"
    assert any("not plausible" in t for t in texts) and c.asking() == "age"


def test_summary_carries_evidence_and_enrollment(stack):
    case = next(c for c in CASES if c.id == "e01")
    result = play_case(stack.rasa, case)
    text = "\n".join(t for who, t in result.transcript if who == "bot")
    assert "eligible at prescreening" in text and "Confirm at enrollment" in text
    assert '"He is 58."' in text


def test_models_dir_has_the_fixed_name():
    assert (Path(__file__).resolve().parents[2] / "models" / "screener.tar.gz").exists()
