"""Properties: parsers never raise on any text; a met exclusion never yields `eligible`."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import INELIGIBLE, Screening, extract_facts, load_facts, load_trials
from criteria.answers import parse_answer

FACTS = load_facts()
TRIALS = load_trials()
WORDS = st.sampled_from(
    ["no", "not", "yes", "ECOG", "WBC", "x", "ULN", "g/dL", "/µL", "10^9", "mets", "stage",
     "IV", "-", "sixty", "and", ",", ".", "biopsy", "pregnant", "%", "KPS", "cancer", "½", "∞"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=200), st.lists(WORDS | st.integers().map(str)).map(" ".join))


@given(fact=st.sampled_from(sorted(FACTS)), text=TEXT)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parsers_never_raise(fact, text):
    parse_answer(FACTS[fact], text)
    extract_facts(text)


@given(text=TEXT)
@settings(max_examples=200, deadline=None)
def test_answers_never_raise_and_keep_state_consistent(text):
    s = Screening(TRIALS)
    before = s.to_dict()
    outcome = s.answer(text, 1, asked="age")
    if outcome.rejected:
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
    s = Screening(TRIALS)
    for turn, (fact, text) in enumerate(items, 1):
        s.answer(text, turn, asked=fact)
    met_somewhere = False
    for verdict in s.verdicts().values():
        excluding = [r for r in verdict.criteria if r.type == "exclusion" and r.status == "met"]
        if excluding:
            met_somewhere = True
            assert verdict.status == INELIGIBLE
    assert met_somewhere  # every setter meets an exclusion of at least one trial
