"""Properties of the reader over generated text: what it returns, not only that it returns.

Nothing in the reader catches exceptions, so an unexpected input that breaks a parser fails
here instead of becoming a silent "not understood".
"""

import datetime
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import INELIGIBLE, Answer, Rejected, Screening, load_facts, load_trials
from criteria.reading.extraction import extract_facts, parse_answer

FACTS = load_facts()
TRIALS = load_trials()
TODAY = datetime.date(2026, 12, 1)
WORDS = st.sampled_from(
    ["no", "not", "yes", "ECOG", "WBC", "x", "ULN", "g/dL", "/µL", "10^9", "mets", "stage",
     "IV", "-", "sixty", "and", ",", ".", "biopsy", "pregnant", "%", "KPS", "cancer", "½", "∞",
     "possibly", "was", "now", "DOB", "14/03/1950", "born", "mother", "planned", ":", "?"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=200), st.lists(WORDS | st.integers().map(str)).map(" ".join))

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spelled(n: int) -> str:
    """An integer 0-99 in words ("sixty-eight"), written independently of the reader."""
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    tens, units = divmod(n, 10)
    return _TENS[tens] + ("" if units == 0 else "-" + _UNITS[units])


def read(fact: str, text: str):
    return parse_answer(FACTS[fact], text, today=TODAY)


@given(fact=st.sampled_from(sorted(FACTS)), text=TEXT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_reading_any_text_gives_a_result_for_the_asked_fact_or_nothing(fact, text):
    result = read(fact, text)
    assert result is None or (isinstance(result, (Answer, Rejected)) and result.fact == fact)
    if isinstance(result, Answer) and result.value is not None:
        spec = FACTS[fact]
        if spec.kind == "boolean":
            assert isinstance(result.value, bool)
        if spec.kind == "choice":
            assert result.value in spec.choices
    for r in extract_facts(text, today=TODAY).results:
        assert r.fact in FACTS


@given(age=st.integers(18, 99), words=st.booleans(), lead=st.sampled_from(["", "He is ", "She's "]))
@settings(max_examples=150, deadline=None)
def test_an_age_in_digits_or_words_is_read_exactly(age, words, lead):
    said = spelled(age) if words else str(age)
    result = read("age", f"{lead}{said}")
    assert isinstance(result, Answer) and result.value == age


@given(score=st.integers(0, 4), form=st.sampled_from(["ECOG {}", "ECOG PS {}", "PS {}", "{}"]))
@settings(max_examples=60, deadline=None)
def test_an_ecog_score_is_read_exactly(score, form):
    result = read("ecog", form.format(score))
    assert isinstance(result, Answer) and result.value == score


@given(score=st.integers(5, 99))
@settings(max_examples=40, deadline=None)
def test_an_impossible_ecog_score_is_refused_never_recorded(score):
    result = read("ecog", f"ECOG {score}")
    assert isinstance(result, Rejected) and result.blocking


@given(
    tenths=st.integers(5, 500),
    form=st.sampled_from(["WBC {v}", "WBC {v} x10^9/L", "white cells {v} G/L", "{v}"]),
)
@settings(max_examples=100, deadline=None)
def test_a_white_count_keeps_its_value(tenths, form):
    v = tenths / 10
    result = read("wbc", form.format(v=f"{v:g}"))
    assert isinstance(result, Answer) and math.isclose(result.value, v)


@given(per_ul=st.integers(1, 99).map(lambda k: k * 100))
@settings(max_examples=50, deadline=None)
def test_a_white_count_per_microlitre_is_converted(per_ul):
    result = read("wbc", f"WBC {per_ul:,} per microliter")
    assert isinstance(result, Answer) and math.isclose(result.value, per_ul / 1000)


@given(count=st.integers(0, 20), site=st.sampled_from(["bone", "liver", "adrenal", "lung"]))
@settings(max_examples=60, deadline=None)
def test_a_count_of_metastases_at_a_site_is_that_count(count, site):
    result = read("metastases", f"{count} {site} mets")
    assert isinstance(result, Answer) and result.value == count


@given(
    term=st.sampled_from(["brain mets", "brain metastases", "cerebral metastases"]),
    negation=st.sampled_from(["no ", "No evidence of ", "denies ", "", "possible ", "? "]),
)
@settings(max_examples=60, deadline=None)
def test_a_negated_mention_is_no_and_a_hedged_one_unknown(term, negation):
    result = read("brain_metastases", f"{negation}{term}")
    assert isinstance(result, Answer)
    expected = {"": True, "possible ": None, "? ": None}.get(negation, False)
    assert result.value is expected


@given(relative=st.sampled_from(["mother", "father", "sister", "brother"]),
       cancer=st.sampled_from(["breast cancer", "melanoma", "colon cancer"]))  # fmt: skip
@settings(max_examples=20, deadline=None)
def test_a_relatives_cancer_is_never_the_patients(relative, cancer):
    result = read("other_malignancy", f"her {relative} had {cancer}")
    assert not (isinstance(result, Answer) and result.value == "other")


@given(text=TEXT)
@settings(max_examples=200, deadline=None)
def test_a_blocked_answer_keeps_the_state(text):
    s = Screening(TRIALS, today=TODAY)
    before = s.to_dict()
    outcome = s.answer(text, 1, asked="age")
    if outcome.blocked:
        assert s.to_dict() == before


def exclusion_setters():
    """(fact, answer text) pairs that make some exclusion of some trial met."""
    return st.sampled_from(
        [
            ("prior_treatment", "yes, chemotherapy"),
            ("pregnant", "yes"),
            ("allergy", "yes, to cisplatin"),
            ("other_malignancy", "breast cancer"),
            ("fev1", "30%"),
        ]
    )


ANSWERS = {
    "histology": st.sampled_from(["NSCLC", "small cell", "unknown"]),
    "stage": st.sampled_from(["IV", "III", "unknown"]),
    "age": st.integers(18, 90).map(str),
    "sex": st.sampled_from(["male", "female"]),
    "ecog": st.sampled_from(["0", "1", "2", "3", "unknown"]),
    "wbc": st.sampled_from(["3.0", "4.0", "7", "12", "pending"]),
    "metastases": st.integers(0, 9).map(str),
    "life_expectancy": st.sampled_from(["yes", "no", "unknown"]),
}


@given(answers=st.fixed_dictionaries(ANSWERS), exclusion=exclusion_setters(), at=st.integers(0, 8))
@settings(max_examples=150, deadline=None)
def test_a_met_exclusion_never_yields_eligible(answers, exclusion, at):
    items = list(answers.items())
    items.insert(at, exclusion)
    s = Screening(TRIALS, today=TODAY)
    for turn, (fact, text) in enumerate(items, 1):
        s.answer(text, turn, asked=fact)
    met_somewhere = False
    for verdict in s.verdicts().values():
        excluding = [r for r in verdict.criteria if r.type == "exclusion" and r.status == "met"]
        if excluding:
            met_somewhere = True
            assert verdict.status == INELIGIBLE
    assert met_somewhere  # every setter meets an exclusion of at least one trial
