"""The custom actions with CollectingDispatcher and trackers built from the real domain."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rasa_sdk", reason="the bot's actions need rasa_sdk (.venv-bot)")
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.form import ActionAskAnswer, ActionAskTrials, ValidateScreeningForm, misrouted
from bot.actions.outside import ActionHelp, ActionListTrials, ActionStop, ActionUpdate, ActionWhy
from bot.actions.start import (
    RESTART_QUESTION,
    ActionConfirmRestart,
    ActionRestartScreening,
    ActionStartScreening,
)
from bot.actions.state import empty_state, open_trials
from bot.actions.summary import ActionScreeningSummary
from bot.actions.takeback import ActionTakeBack
from bot.actions.text import chosen_trials
from criteria.reading.message import kind_of

pytestmark = pytest.mark.bot

REPO = Path(__file__).resolve().parents[2]
DOMAIN: dict[str, Any] = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
BOTH = ["oligomet-rt", "primary-rt"]


def make_tracker(
    text: str = "",
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    active: bool = True,
    turns: int = 1,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    values = dict.fromkeys(DOMAIN["slots"])
    values["requested_slot"] = None
    values.update(slots or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
        "metadata": metadata or {},
    }
    events = [{"event": "user", "text": f"t{i}"} for i in range(turns - 1)]
    events.append({"event": "user", "text": text, "parse_data": message, "metadata": metadata})
    return Tracker(
        "test",
        values,
        message,
        events,
        False,
        None,
        {"name": "screening_form"} if active else {},
        "action_listen",
    )


def state_with(**records: str) -> dict[str, Any]:
    """A screening state after answering `fact=text` pairs through criteria."""
    from criteria import Screening

    s = Screening({slug: open_trials()[slug] for slug in BOTH})
    for i, (fact, text) in enumerate(records.items(), 1):
        assert s.answer(text, i, fact).understood, (fact, text)
    return {**empty_state(BOTH), **s.to_dict()}


def run(action, tracker: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, DOMAIN)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return dispatcher, result


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def custom(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert len(customs) == 1
    assert dispatcher.messages[-1].get("custom"), "the structured message comes last"
    return customs[0]["screening"]


def slot(events: list[dict[str, Any]], name: str) -> Any:
    return [e["value"] for e in events if e.get("event") == "slot" and e["name"] == name][-1]


def validate(tracker: Tracker, slot_name: str, value: Any) -> tuple[CollectingDispatcher, dict]:
    dispatcher = CollectingDispatcher()
    form = ValidateScreeningForm()
    result = getattr(form, f"validate_{slot_name}")(value, dispatcher, tracker, DOMAIN)
    return dispatcher, result


def required(tracker: Tracker) -> list[str]:
    return asyncio.run(
        ValidateScreeningForm().required_slots(
            ["trials", "answer"], CollectingDispatcher(), tracker, DOMAIN
        )
    )


# ---- domain ------------------------------------------------------------------------------------


def test_domain_lists_every_action_the_package_registers():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("bot.actions")
    assert set(executor.actions) == set(DOMAIN["actions"])
    assert DOMAIN["forms"]["screening_form"]["required_slots"] == ["trials", "answer"]


def test_answer_mapping_excludes_the_out_of_form_intents():
    from bot.actions.form import OUT_OF_FORM

    for name in ("answer", "trials"):
        mapping = DOMAIN["slots"][name]["mappings"][0]
        assert mapping["type"] == "from_text"
        assert set(mapping["not_intent"]) == OUT_OF_FORM
        assert mapping["conditions"] == [{"active_loop": "screening_form", "requested_slot": name}]
        assert set(mapping["not_intent"]) <= set(DOMAIN["intents"])


# ---- start -------------------------------------------------------------------------------------


def test_start_without_trials_lists_them_and_asks_which():
    tracker = make_tracker(
        "/start_screening", "start_screening", active=False, metadata={"trials": None}
    )
    dispatcher, events = run(ActionStartScreening(), tracker)
    assert "Open trials" in "\n".join(texts(dispatcher))
    assert slot(events, "trials") is None
    assert required(make_tracker(slots={"screening": slot(events, "screening")})) == ["trials"]
    dispatcher, _ = run(ActionAskTrials(), make_tracker())
    message = dispatcher.messages[0]
    assert next(b["title"] for b in message["buttons"]) == "All open trials"
    assert custom(dispatcher)["asking"]["fact"] == "trials"


def test_start_with_metadata_trials():
    tracker = make_tracker(
        "/start_screening",
        "start_screening",
        active=False,
        metadata={"trials": ["primary-rt", "nope"]},
    )
    dispatcher, events = run(ActionStartScreening(), tracker)
    assert slot(events, "trials") == ["primary-rt"]
    assert any("not open here: nope" in t for t in texts(dispatcher))
    assert required(make_tracker(slots={"screening": slot(events, "screening")})) == ["answer"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("All of them, please.", BOTH),
        ("both", BOTH),
        ("All open trials", BOTH),
        ("Stage IV NSCLC: primary tumor radiotherapy", ["primary-rt"]),
        ("only the oligometastatic one", ["oligomet-rt"]),
        ("which trials are open?", None),
        ("58 year old man", None),
    ],
)
def test_trial_choice(text, want):
    assert chosen_trials(text, open_trials()) == want


def test_trial_choice_validation_and_opening_with_facts():
    dispatcher, result = validate(
        make_tracker("All of them, please."), "trials", "All of them, please."
    )
    assert result["trials"] == BOTH
    opening = "71-year-old man, squamous NSCLC, stage IVB, 4 bone mets, ECOG 1, treatment naive"
    dispatcher, result = validate(make_tracker(opening), "trials", opening)
    assert result["trials"] == BOTH
    records = result["screening"]["records"]
    assert records["age"]["value"] == 71 and records["metastases"]["value"] == 4
    assert any("Oligometastatic" in t and "not eligible" in t for t in texts(dispatcher))
    dispatcher, result = validate(make_tracker("hmm"), "trials", "hmm")
    assert result == {"trials": None} and "Say “all”" in texts(dispatcher)[0]


# ---- the form ----------------------------------------------------------------------------------


def test_ask_answer_asks_the_next_fact_with_quick_replies_and_metadata():
    tracker = make_tracker(slots={"screening": empty_state(BOTH)})
    dispatcher, events = run(ActionAskAnswer(), tracker)
    assert dispatcher.messages[0]["text"].startswith("What is the diagnosis")
    assert next(b["payload"] for b in dispatcher.messages[0]["buttons"]) == "Confirmed NSCLC"
    payload = custom(dispatcher)
    assert payload["asking"]["fact"] == "histology"
    assert payload["asking"]["expected"]["kind"] == "choice"
    assert payload["status"] == "in_progress" and set(payload["verdicts"]) == set(BOTH)
    assert slot(events, "screening")["asked"] == "histology"


def answer(state: dict[str, Any], text: str, asked: str) -> tuple[CollectingDispatcher, dict]:
    state = {**state, "asked": asked}
    tracker = make_tracker(text, slots={"screening": state, "requested_slot": "answer"}, turns=5)
    return validate(tracker, "answer", text)


def test_an_answer_is_recorded_and_the_slot_emptied():
    _dispatcher, result = answer(empty_state(BOTH), "Lung adenocarcinoma, confirmed.", "histology")
    assert result["answer"] is None
    assert result["screening"]["records"]["histology"]["value"] == "nsclc"
    assert result["screening"]["outcome"]["recorded"][0]["fact"] == "histology"


def test_an_unusable_answer_is_re_asked_with_the_hint():
    state = state_with(histology="NSCLC", stage="IV")
    dispatcher, result = answer(state, "banana", "age")
    assert "age in years" in texts(dispatcher)[0]
    assert result["screening"]["records"] == state["records"]


def test_an_implausible_value_is_refused():
    state = state_with(histology="NSCLC", stage="IV")
    dispatcher, result = answer(state, "He is 300", "age")
    assert "not plausible" in texts(dispatcher)[0]
    assert "age" not in result["screening"]["records"]
    assert result["screening"]["outcome"]["rejected"][0]["fact"] == "age"


def test_an_exclusion_is_announced_at_once_with_the_criterion_and_the_words():
    state = state_with(histology="NSCLC", stage="IV")
    dispatcher, _result = answer(state, "He's 75.", "age")
    said = "\n".join(texts(dispatcher))
    assert "Oligometastatic NSCLC: local radiotherapy: not eligible" in said
    assert "18 to 70 years" in said and '"He\'s 75."' in said


@pytest.mark.parametrize(
    "text", ["I don't know", "pending", "skip", "not sure", "idk", "dunno", "move on", "pass pls"]
)
def test_unknown_and_skip_record_unknown(text):
    state = state_with(histology="NSCLC", stage="IV")
    _dispatcher, result = answer(state, text, "age")
    assert result["screening"]["records"]["age"]["value"] is None


def test_a_correction_inside_the_form_re_evaluates():
    state = state_with(histology="NSCLC", stage="IV", age="72")
    dispatcher, result = answer(state, "sorry, she is 68, not 72", "sex")
    assert any("Corrected age: 72 → 68" in t for t in texts(dispatcher))
    record = result["screening"]["records"]["age"]
    assert record["value"] == 68 and record["history"][0]["value"] == 72
    assert "sex" not in result["screening"]["records"]


def test_a_fact_named_in_passing_does_not_overwrite_an_earlier_answer():
    state = state_with(histology="NSCLC", stage="IV", metastases="7")
    dispatcher, result = answer(state, "Yes, one brain metastasis.", "brain_metastases")
    records = result["screening"]["records"]
    assert records["metastases"]["value"] == 7 and records["brain_metastases"]["value"] is True
    assert any("kept 7" in t and "correction:" in t for t in texts(dispatcher))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "empty"),
        ("x" * 5000, "long"),
        ("😀🙏", "emoji"),
        ("¿Cuántos años tiene?", "foreign"),
        ("Der Patient ist alt und nicht gut", "foreign"),
    ],
)
def test_messages_that_cannot_be_answers(text, kind):
    assert kind_of(text) == kind
    state = state_with(histology="NSCLC")
    dispatcher, result = answer(state, text, "stage")
    assert texts(dispatcher) and result["screening"]["records"] == state["records"]


def test_required_slots_end_when_every_trial_is_decided():
    state = state_with(histology="small cell")
    assert required(make_tracker(slots={"screening": state})) == []


def test_misrouted_answers_come_back_to_the_form():
    tracker = make_tracker("No.", "stop", slots={"requested_slot": "answer"})
    assert misrouted(tracker, "answer") == {"answer": "No."}
    tracker = make_tracker("stop the screening", "stop", slots={"requested_slot": "answer"})
    assert misrouted(tracker, "answer") == {}
    tracker = make_tracker("All open trials", "list_trials", slots={"requested_slot": "trials"})
    assert misrouted(tracker, "trials") == {"trials": "All open trials"}


# ---- outside the form --------------------------------------------------------------------------


def test_why_gives_the_reason_and_the_criteria():
    state = {**state_with(histology="NSCLC", stage="IV"), "asked": "age"}
    dispatcher, _ = run(ActionWhy(), make_tracker("why?", "why", slots={"screening": state}))
    said = texts(dispatcher)[0]
    assert "age range" in said and "Male or female aged 18 to 70 years old;" in said
    assert not [m for m in dispatcher.messages if m.get("custom")]  # the form asks next
    dispatcher, _ = run(
        ActionWhy(), make_tracker("why?", "why", slots={"screening": state}, active=False)
    )
    assert custom(dispatcher)["status"] == "in_progress"


def test_help_and_list_trials_outside_the_form_send_the_structured_message():
    for action in (ActionHelp(), ActionListTrials()):
        dispatcher, _ = run(
            action,
            make_tracker("help", "help", active=False, slots={"screening": empty_state(BOTH)}),
        )
        assert texts(dispatcher) and custom(dispatcher)["asking"] is None


def test_stop_gives_where_it_stands():
    state = state_with(histology="NSCLC", stage="IV", age="75")
    dispatcher, _ = run(ActionStop(), make_tracker("stop", "stop", slots={"screening": state}))
    said = "\n".join(texts(dispatcher))
    assert "stopped" in said and "not eligible" in said and "incomplete" in said
    assert custom(dispatcher)["status"] == "in_progress"


def test_restart_clears_the_answers_and_keeps_the_trials():
    state = state_with(histology="NSCLC", stage="IV")
    _dispatcher, events = run(
        ActionRestartScreening(),
        make_tracker("restart", "restart_screening", slots={"screening": state}),
    )
    assert slot(events, "screening")["records"] == {}
    assert slot(events, "trials") == BOTH


def test_a_correction_after_the_end_updates_the_verdicts():
    state = {**state_with(histology="NSCLC", stage="III"), "summarized": True}
    tracker = make_tracker(
        "sorry, stage IV, not III", "correct", active=False, slots={"screening": state}, turns=9
    )
    _dispatcher, events = run(ActionUpdate(), tracker)
    new = slot(events, "screening")
    assert new["records"]["stage"]["value"] == "IV" and new["summarized"] is False


def test_summary_per_trial_with_evidence_and_enrollment():
    s = clean_screening()
    state = {**empty_state(BOTH), **s.to_dict()}
    dispatcher, _ = run(
        ActionScreeningSummary(), make_tracker("no", slots={"screening": state}, turns=30)
    )
    said = "\n".join(texts(dispatcher))
    assert said.count("eligible at prescreening") == 2
    assert "Confirm at enrollment" in said and '"58"' in said
    payload = custom(dispatcher)
    assert payload["status"] == "complete"
    assert {v["status"] for v in payload["verdicts"].values()} == {"eligible"}


def clean_screening():
    from criteria import Screening

    s = Screening({slug: open_trials()[slug] for slug in BOTH})
    answers = {
        "histology": "Lung adenocarcinoma", "stage": "IV", "age": "58", "sex": "Male",
        "ecog": "0", "metastases": "2", "brain_metastases": "No", "prior_treatment": "No",
        "life_expectancy": "more than six months", "wbc": "7.0", "anc": "4.5", "plt": "310",
        "hgb": "135 g/L", "bilirubin": "0.7 x ULN", "ast_alt": "normal",
        "creatinine": "0.9 x ULN", "fev1": "82%", "other_malignancy": "none", "allergy": "no",
    }  # fmt: skip
    for i, (fact, text) in enumerate(answers.items(), 1):
        s.answer(text, i, fact)
    s.answer("None of these", len(answers) + 1, "checklist")
    assert s.complete
    return s


def test_summary_lists_inclusions_as_met_and_exclusions_as_no_exclusion_found():
    s = clean_screening()
    state = {**empty_state(BOTH), **s.to_dict()}
    dispatcher, _ = run(
        ActionScreeningSummary(), make_tracker("no", slots={"screening": state}, turns=30)
    )
    lines = texts(dispatcher)[1:]
    assert len(lines) == 2
    for line, verdict in zip(lines, s.verdicts().values(), strict=True):
        assert line.startswith(f"✓ {verdict.title}: eligible at prescreening.")
        body = line.split("\n")
        assert all(row == row.rstrip() for row in body), "no trailing spaces"
        headings = [i for i, row in enumerate(body) if row.endswith(":")]
        for i in headings:  # no empty heading: every heading has an indented line under it
            assert i + 1 < len(body) and body[i + 1].startswith("  "), body[i]
        sections = {body[i]: [] for i in headings}
        current = None
        for row in body[1:]:
            if row in sections:
                current = row
            elif current:
                sections[current].append(row.strip())
        for c in verdict.criteria:
            if not (c.passes and c.evidence):
                continue
            quoted = f"“{c.text.rstrip(';.')}”"
            where = "Met:" if c.type == "inclusion" else "No exclusion found:"
            assert any(r.startswith(quoted) for r in sections[where]), (where, c.text)
        assert "Met:" in sections and "No exclusion found:" in sections


def test_summary_has_no_empty_heading_when_nothing_was_passed_with_evidence():
    from bot.actions.text import summary_lines

    s = clean_screening()
    for line in summary_lines(s):
        assert "Met:\n\n" not in line and not line.endswith(":")
        assert all(row == row.rstrip() for row in line.split("\n"))


# ---- restart asks first ------------------------------------------------------------------------


def confirm_restart(state: dict[str, Any], active: bool = True) -> dict[str, Any]:
    dispatcher, events = run(
        ActionConfirmRestart(),
        make_tracker("restart", "restart_screening", slots={"screening": state}, turns=6,
                     active=active),
    )  # fmt: skip
    message = next(m for m in dispatcher.messages if m.get("text"))
    assert message["text"] == RESTART_QUESTION
    assert [b["payload"] for b in message["buttons"]] == ["yes", "no"]
    new = slot(events, "screening")
    assert new["records"] == state["records"], "nothing is cleared before the yes"
    assert slot(events, "requested_slot") is None
    assert custom(dispatcher)["restarted"] is False
    return new


def test_restart_asks_first_and_yes_clears():
    state = state_with(histology="NSCLC", stage="IV")
    asked = confirm_restart(state)
    dispatcher, events = run(
        ActionUpdate(), make_tracker("yes", active=False, slots={"screening": asked}, turns=7)
    )
    assert "every answer for this patient is cleared" in texts(dispatcher)[0]
    new = slot(events, "screening")
    assert new["records"] == {} and slot(events, "trials") == BOTH
    assert new["restarted_turn"] == 7


@pytest.mark.parametrize("reply", ["no", "No, keep them", "nope"])
def test_restart_no_goes_on_with_nothing_cleared(reply):
    state = {**state_with(histology="NSCLC", stage="IV"), "asked": "age"}
    asked = confirm_restart(state)
    dispatcher, events = run(
        ActionUpdate(), make_tracker(reply, active=False, slots={"screening": asked}, turns=7)
    )
    assert texts(dispatcher) == ["Nothing was cleared; let's go on."]
    assert events == []  # the screening is as it was; the form asks the pending question


def test_after_restart_any_other_message_is_read_as_usual():
    state = {**state_with(histology="NSCLC", stage="IV"), "asked": "age"}
    asked = confirm_restart(state)
    _dispatcher, events = run(
        ActionUpdate(), make_tracker("He is 58", active=False, slots={"screening": asked}, turns=7)
    )
    new = slot(events, "screening")
    assert new["records"]["age"]["value"] == 58 and new["records"]["stage"]["value"] == "IV"
    # a yes that is not the reply to the question (a later turn) clears nothing
    _dispatcher, events = run(
        ActionUpdate(), make_tracker("yes", active=False, slots={"screening": new}, turns=8)
    )
    assert slot(events, "screening")["records"]["stage"]["value"] == "IV"


# ---- go back / undo ----------------------------------------------------------------------------


def test_go_back_takes_back_the_last_answer_and_the_form_asks_it_again():
    state = state_with(histology="NSCLC", stage="IV", age="75")
    assert "age" in state["records"]
    dispatcher, events = run(
        ActionTakeBack(), make_tracker("go back", "go_back", slots={"screening": state}, turns=5)
    )
    said = "\n".join(texts(dispatcher))
    assert "Taken back: age 75 (“75”)." in said
    assert "Oligometastatic NSCLC: local radiotherapy: no longer excluded." in said
    new = slot(events, "screening")
    assert "age" not in new["records"] and new["restarted_turn"] == 5
    dispatcher, _ = run(ActionAskAnswer(), make_tracker(slots={"screening": new}, turns=5))
    assert custom(dispatcher)["asking"]["fact"] == "age"
    assert custom(dispatcher)["restarted"] is True  # the API lets the taken-back fact go


def test_undo_of_a_correction_brings_the_earlier_value_back():
    state = state_with(histology="NSCLC", stage="IV", age="72")
    _dispatcher, result = answer(state, "sorry, she is 68, not 72", "sex")
    dispatcher, events = run(
        ActionTakeBack(),
        make_tracker("undo", "go_back", slots={"screening": result["screening"]}, turns=6),
    )
    assert "; it is 72 again." in texts(dispatcher)[0]
    age = slot(events, "screening")["records"]["age"]
    assert age["value"] == 72 and age["history"][-1]["value"] == 68
    assert age["history"][-1]["taken_back"] == 6
    assert slot(events, "screening").get("restarted_turn") is None  # no fact goes


def test_go_back_with_nothing_recorded_says_so():
    dispatcher, events = run(
        ActionTakeBack(),
        make_tracker("undo", "go_back", slots={"screening": empty_state(BOTH)}, turns=2),
    )
    assert texts(dispatcher) == ["There is no answer to take back yet."]
    assert slot(events, "screening")["records"] == {}


def test_go_back_words_keep_answers_out_of_the_form():
    tracker = make_tracker("go back", "go_back", slots={"requested_slot": "answer"})
    assert misrouted(tracker, "answer") == {}
    tracker = make_tracker("back pain", "go_back", slots={"requested_slot": "answer"})
    assert misrouted(tracker, "answer") == {"answer": "back pain"}


# ---- two unusable answers ----------------------------------------------------------------------


def test_two_unusable_answers_offer_the_quick_replies_and_skip():
    state = {**state_with(histology="NSCLC", stage="IV", age="58"), "asked": "sex"}
    dispatcher, result = answer(state, "banana", "sex")
    first = texts(dispatcher)
    assert first[0].startswith("Sorry, I couldn't read that as the sex")
    assert not any(m.get("buttons") for m in dispatcher.messages)
    dispatcher, result = answer(result["screening"], "banana again", "sex")
    second = dispatcher.messages[0]
    assert second["text"] != first[0] and "skip" in second["text"]
    assert [b["payload"] for b in second["buttons"]] == ["Male", "Female", "skip"]
    assert result["screening"]["records"] == state["records"]
    dispatcher, result = answer(result["screening"], "skip", "sex")
    assert result["screening"]["records"]["sex"]["value"] is None


def test_the_count_starts_again_after_a_usable_answer():
    state = state_with(histology="NSCLC", stage="IV")
    dispatcher, result = answer(state, "banana", "age")
    dispatcher, result = answer(result["screening"], "58", "age")
    dispatcher, result = answer(result["screening"], "banana", "sex")
    assert texts(dispatcher)[0].startswith("Sorry, I couldn't read that as the sex")


def test_an_implausible_value_twice_gives_the_reason_and_offers_skip():
    state = state_with(histology="NSCLC", stage="IV")
    _dispatcher, result = answer(state, "He is 300", "age")
    dispatcher, result = answer(result["screening"], "He is 400", "age")
    said = texts(dispatcher)
    assert "not plausible" in said[0] and "Say “skip”" in said[1]
    assert [b["payload"] for b in dispatcher.messages[1]["buttons"]] == ["skip"]
    assert "age" not in result["screening"]["records"]


def test_a_reply_asks_one_question_only():
    """Words that leave other facts unclear are not asked back with their questions in the same
    reply as the next question: a bare "no" would then answer the wrong one."""
    state = state_with(histology="NSCLC")
    dispatcher, result = answer(state, "stage IV, hypertension treated with amlodipine", "stage")
    said = texts(dispatcher)
    assert result["screening"]["records"]["stage"]["value"] == "IV"
    assert {r["fact"] for r in result["screening"]["outcome"]["rejected"]} == {
        "uncontrolled_hypertension",
        "prior_treatment",
    }
    assert not any("?" in line for line in said), said
    later = [line for line in said if "ask" in line]
    assert len(later) == 1
    assert "“hypertension”" in later[0] and "“treated”" in later[0]


def test_an_unclear_answer_to_the_question_is_not_followed_by_the_question_twice():
    state = state_with(histology="NSCLC", stage="IV")
    dispatcher, _result = answer(state, "He is 300", "age")
    said = texts(dispatcher)
    assert "not plausible" in said[0]
    assert not any("How old" in line for line in said), said  # action_ask_answer asks it next
