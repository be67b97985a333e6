"""Parsers over many phrasings: numbers in digits and words, units, yes/no with negations."""

import datetime
import math

import pytest

from criteria import Answer, Rejected, extract_facts, load_facts, parse_answer
from criteria.values import Range

FACTS = load_facts()


def value(fact: str, text: str):
    result = parse_answer(FACTS[fact], text)
    assert isinstance(result, Answer), f"{fact}: {text!r} gave {result!r}"
    return result.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He is 58.", 58),
        ("He's 75.", 75),
        ("45.", 45),
        ("sixty-eight", 68),
        ("Sixty eight years old", 68),
        ("seventy-one", 71),
        ("Seventeen.", 17),
        ("one hundred and two", 102),
        ("80 years", 80),
        ("aged 70", 70),
        ("She turned 18 last month", 18),
    ],
)
def test_age(text, expected):
    assert value("age", text) == expected


@pytest.mark.parametrize("text", ["400", "age 400", "-3", "He is 150 years old", "58.5"])
def test_implausible_age_is_rejected_with_what_is_expected(text):
    result = parse_answer(FACTS["age"], text)
    assert isinstance(result, Rejected)
    assert "age in years" in result.message


@pytest.mark.parametrize(
    ("fact", "text", "start"),
    [("age", "400", "An age of 400"), ("ecog", "9", "An ECOG"), ("fev1", "400%", "An FEV1")],
)
def test_a_refusal_says_a_or_an_as_the_label_is_said(fact, text, start):
    result = parse_answer(FACTS[fact], text)
    assert isinstance(result, Rejected) and result.message.startswith(start), result.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WBC 7.0.", 7.0),
        ("WBC 5,400 per microliter.", 5.4),
        ("5400/uL", 5.4),
        ("5400", 5.4),
        ("4.0G/L", 4.0),
        ("4.0 x 10^9/L", 4.0),
        ("4.0 × 10⁹/L", 4.0),
        ("5.4 x10^3/µL", 5.4),
        ("5.4 k/uL", 5.4),
        ("3,900 per mm3", 3.9),
        ("3900 cells/mm³", 3.9),
        ("2.9, low.", 2.9),
    ],
)
def test_white_cells_in_every_unit(text, expected):
    assert value("wbc", text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("anc", "ANC 4.5.", 4.5),
        ("anc", "Neutrophils 1,500/mm3", 1.5),
        ("anc", "1.5 G/L", 1.5),
        ("plt", "PLT 310.", 310),
        ("plt", "Platelets 150,000 per microliter", 150),
        ("plt", "100 G/L", 100),
        ("hgb", "Hb 135 g/L.", 135),
        ("hgb", "Hb 13.5", 135),
        ("hgb", "9 g/dL", 90),
        ("hgb", "Hb 8.5 g/dL", 85),
        ("hgb", "12.1 g%", 121),
    ],
)
def test_blood_counts(fact, text, expected):
    assert value(fact, text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("bilirubin", "Bilirubin 0.7 x ULN.", 0.7),
        ("bilirubin", "2.0 × the upper limit of normal", 2.0),
        ("bilirubin", "2.1 times ULN", 2.1),
        ("bilirubin", "21 µmol/L", 1.0),
        ("bilirubin", "42 umol/L", 2.0),
        ("bilirubin", "1.228 mg/dL", 1.0),  # 21 µmol/L of bilirubin (584.66 g/mol)
        ("bilirubin", "bili 10 umol/L", 10 / 21),
        ("creatinine", "Creatinine normal, 0.9 x ULN.", 0.9),
        ("creatinine", "106 µmol/L", 1.0),
        ("creatinine", "1.2 mg/dL", 1.2 * 88.42 / 106),  # Pint with 113.12 g/mol
        ("ast_alt", "AST 30, ALT 95 U/L", 95 / 40),
        ("ast_alt", "AST 1.5 x ULN and ALT 2.5 x ULN", 2.5),
    ],
)
def test_multiples_of_uln(fact, text, expected):
    assert value(fact, text) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("ast_alt", "Transaminases normal.", Range(0, 1)),
        ("bilirubin", "within normal limits", Range(0, 1)),
        ("wbc", "normal", Range(4.0, 11.0)),
        ("plt", "low", Range(0, 150, hi_open=True)),
    ],
)
def test_words_for_lab_values_are_ranges(fact, text, expected):
    assert value(fact, text) == expected


@pytest.mark.parametrize(
    ("fact", "text"),
    [("wbc", "WBC -3"), ("wbc", "-3"), ("plt", "platelets 9000 G/L"), ("hgb", "Hb 400 g/L")],
)
def test_implausible_labs_are_rejected(fact, text):
    assert isinstance(parse_answer(FACTS[fact], text), Rejected)


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("ecog", "ECOG 0.", 0),
        ("ecog", "PS 2", 2),
        ("ecog", "one", 1),
        ("ecog", "ECOG 0-1", Range(0, 1)),
        ("ecog", "fully active", 0),
        ("ecog", "PS1", 1),
        ("ecog", "ECOG1", 1),
        ("ecog", "WHO PS 1", 1),
        ("kps", "KPS80", 80),
        ("fev1", "FEV1 1.8 L (65% predicted)", 65),
        ("metastases", "a single liver metastasis", 1),
        ("metastases", "two bone lesions and one adrenal", 3),
        ("metastases", "3 bone mets, 2 liver mets", 5),
        ("metastases", "one in the liver and one in bone", 2),
        ("metastases", "Five metastases: three in bone and two in liver", 5),
        ("metastases", "3 in total: 2 bone, 1 liver", 3),
        ("kps", "KPS 70", 70),
        ("kps", "Karnofsky 60%", 60),
        ("fev1", "FEV1 82%.", 82),
        ("fev1", "fev1 is 50 % predicted", 50),
        ("metastases", "Two: one in the liver, one in bone.", 2),
        ("metastases", "Seven, widespread bone disease.", 7),
        ("metastases", "6 lesions", 6),
        ("metastases", "innumerable", Range(6, math.inf)),
        ("metastases", "none", 0),
        ("life_expectancy", "More than six months.", Range(6, math.inf, lo_open=True)),
        ("life_expectancy", "Yes", Range(3, math.inf, lo_open=True)),
        ("life_expectancy", "no", Range(0, 3)),
        ("life_expectancy", "about a year", 12),
        ("life_expectancy", "Probably only a few weeks.", Range(0, 3, hi_open=True)),
        ("life_expectancy", "2 years", 24),
    ],
)
def test_numbers_scores_and_durations(fact, text, expected):
    assert value(fact, text) == expected


@pytest.mark.parametrize(("fact", "text"), [("ecog", "ECOG 7"), ("ecog", "1.5"), ("kps", "75")])
def test_scores_out_of_scale_are_rejected(fact, text):
    assert isinstance(parse_answer(FACTS[fact], text), Rejected)


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("prior_treatment", "No treatment yet apart from the biopsy.", False),
        ("prior_treatment", "Only a bronchoscopic biopsy, nothing else.", False),
        ("prior_treatment", "treatment naive", False),
        ("prior_treatment", "untreated", False),
        ("prior_treatment", "No", False),
        ("prior_treatment", "He has had first-line chemotherapy already.", True),
        ("prior_treatment", "He had a lobectomy two years ago.", True),
        ("prior_treatment", "Started osimertinib last week.", True),
        ("prior_treatment", "no chemo, but radiotherapy to the spine", True),
        ("prior_treatment", "yes", True),
        ("prior_treatment", "EBUS-TBNA only", False),
        ("prior_treatment", "He received palliative radiotherapy to a painful bone met", True),
        ("pregnant", "Male, not applicable.", False),
        ("pregnant", "Yes, she is pregnant.", True),
        ("pregnant", "not pregnant", False),
        ("pregnant", "No, she is not pregnant or breastfeeding.", False),
        ("pregnant", "She is breastfeeding.", True),
        ("pregnant", "postmenopausal", False),
        ("pregnant", "negative pregnancy test", False),
        ("allergy", "No known allergies.", False),
        ("allergy", "NKDA", False),
        ("allergy", "Denies any drug allergies.", False),
        ("allergy", "Yes, anaphylaxis to iodinated contrast.", True),
        ("allergy", "allergic to cisplatin", True),
        ("allergy", "Allergic to penicillin", False),
        ("allergy", "Allergic to penicillin and contrast", True),
        ("brain_metastases", "No brain involvement.", False),
        ("brain_metastases", "brain MRI clear", False),
        ("brain_metastases", "Yes, one brain metastasis", True),
        ("brain_metastases", "denies", False),
        ("brain_metastases", "MRI brain negative", False),
        ("conscious", "fully conscious and alert", True),
        ("conscious", "drowsy and confused", False),
    ],
)
def test_yes_no_with_negations(fact, text, expected):
    assert value(fact, text) is expected


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("histology", "Lung adenocarcinoma, confirmed by histology.", "nsclc"),
        ("histology", "squamous cell carcinoma of the lung", "nsclc"),
        ("histology", "NSCLC", "nsclc"),
        ("histology", "non-small cell", "nsclc"),
        ("histology", "Small cell lung cancer on biopsy.", "sclc"),
        ("stage", "Stage IVB.", "IV"),
        ("stage", "stage 4", "IV"),
        ("stage", "IV", "IV"),
        ("stage", "T2N1M1b", "IV"),
        ("stage", "Stage IIIB.", "III"),
        ("stage", "stage four", "IV"),
        ("stage", "metastatic", "IV"),
        ("sex", "Male.", "male"),
        ("sex", "Female.", "female"),
        ("sex", "a woman", "female"),
        ("sex", "F", "female"),
        ("other_malignancy", "No previous cancers.", "none"),
        ("other_malignancy", "No other cancer, ever.", "none"),
        ("other_malignancy", "none", "none"),
        ("other_malignancy", "No history of other cancers", "none"),
        ("other_malignancy", "Only the current lung cancer", "none"),
        ("other_malignancy", "Basal cell carcinoma of the skin, excised in 2019.", "basal_cell"),
        ("other_malignancy", "cervical carcinoma in situ", "cervical_in_situ"),
        ("other_malignancy", "Early prostate cancer treated in 2012, cured.", "prostate_cured"),
        ("other_malignancy", "Breast cancer in 2015.", "other"),
        ("other_malignancy", "prostate cancer with bone metastases", "other"),
        ("other_malignancy", "basal cell carcinoma and a melanoma", "other"),
    ],
)
def test_choices(fact, text, expected):
    assert value(fact, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I don't know",
        "pending",
        "Not sure.",
        "awaiting results",
        "unknown",
        "not done yet",
        "?",
        "idk",
        "dunno",
    ],
)
@pytest.mark.parametrize("fact", ["age", "wbc", "prior_treatment", "stage", "bilirubin"])
def test_unknown_answers(fact, text):
    result = parse_answer(FACTS[fact], text)
    assert isinstance(result, Answer) and result.unknown


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("prior_treatment", "can patients already on osimertinib join?"),
        ("prior_treatment", "is pembrolizumab before enrolment a problem?"),
        ("ecog", "is someone with ECOG 2 still eligible?"),
    ],
)
def test_a_question_about_the_trial_is_no_unknown_answer(fact, text):
    """Only a "?" on its own says "I don't know"; the "?" of a question is not an answer."""
    assert parse_answer(FACTS[fact], text) is None


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("MI in 2019", Range(83, 96)),
        ("NSTEMI in 2021", Range(59, 72)),
        ("MI in 2024", Range(23, 36)),
    ],
)
def test_the_year_of_an_infarction_is_its_date_not_a_past_value(text, months):
    """ "in 2019" marks the past for ConText; for the time since an MI the date is the value."""
    result = parse_answer(FACTS["recent_mi"], text, today=datetime.date(2026, 12, 1))
    assert isinstance(result, Answer) and result.value == months


@pytest.mark.parametrize("text", ["Suspected NSCLC, biopsy pending.", "probably adenocarcinoma"])
def test_unconfirmed_diagnosis_is_unknown(text):
    assert value("histology", text) is None


@pytest.mark.parametrize(
    ("fact", "text"),
    [("age", "hello"), ("wbc", "banana"), ("pregnant", "the weather is fine"), ("stage", "")],
)
def test_unusable_text_is_not_understood(fact, text):
    assert parse_answer(FACTS[fact], text) is None


def facts_in(text: str) -> dict:
    return {r.fact: r.value for r in extract_facts(text).results if isinstance(r, Answer)}


def test_several_facts_in_one_message():
    assert facts_in(
        "71-year-old man, squamous NSCLC, stage IVB, 4 bone mets, ECOG 1, treatment naive"
    ) == {
        "age": 71,
        "sex": "male",
        "histology": "nsclc",
        "stage": "IV",
        "metastases": 4,
        "ecog": 1,
        "prior_treatment": False,
    }


def test_labs_in_one_message():
    found = facts_in("WBC 5,400 per microliter, Hb 9 g/dL, PLT 150,000/mm3, ANC 1500, FEV1 62%")
    assert found == pytest.approx({"wbc": 5.4, "hgb": 90, "plt": 150, "anc": 1.5, "fev1": 62})


def test_metastases_named_by_site_are_added_up():
    assert facts_in("3 liver mets and 2 bone mets")["metastases"] == 5


def test_a_fact_is_only_picked_where_it_is_named():
    assert facts_in("He is 58 and feels fine") == {}
    assert facts_in("ECOG unknown, WBC 4.2") == {"ecog": None, "wbc": 4.2}


def test_an_implausible_named_value_is_rejected():
    results = extract_facts("age 400, ECOG 1").results
    assert any(isinstance(r, Rejected) and r.fact == "age" for r in results)


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        # a bare 10 for bilirubin is 10 µmol/L (0.48 x ULN) or 10 mg/dL (8 x ULN): asked back
        # (this case expected µmol/L, a guess the issue on reading answers rules out)
        ("bilirubin", "bili 10"),
        ("hgb", "Hb 7.4"),  # g/dL or mmol/L
        ("creatinine", "creat 1.1"),  # mg/dL or x ULN
    ],
)
def test_a_bare_number_plausible_in_two_units_is_asked_back(fact, text):
    result = parse_answer(FACTS[fact], text)
    assert isinstance(result, Rejected) and not result.blocking
    assert "unit" in result.message


def test_one_transaminase_above_the_limit_is_a_lower_bound():
    # the fact is the higher of AST and ALT: with ALT alone it is at least 2 x ULN (this case
    # expected 2.0, which claimed to know the AST); below the limit it tells nothing: asked back
    assert value("ast_alt", "ALT 80 IU/L") == Range(2.0, math.inf)
    assert isinstance(parse_answer(FACTS["ast_alt"], "ALT 20 IU/L"), Rejected)


def test_a_hedged_answer_is_unknown():
    assert value("pregnant", "possibly pregnant") is None
    assert value("ecog", "ECOG probably 1") is None


# -- UK fraction shorthand for durations: n/12 months, n/52 weeks, n/7 days --------------------


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("life_expectancy", "prognosis 6/12", 6.0),
        ("life_expectancy", "LE > 3/12", Range(3.0, math.inf, lo_open=True)),
        ("life_expectancy", "prognosis 1-2/12", Range(1.0, 2.0)),
        ("life_expectancy", "3/12", 3.0),  # the whole reply to a duration question
        ("life_expectancy", "yep >3/12", Range(3.0, math.inf, lo_open=True)),
        ("life_expectancy", "6/52", pytest.approx(6 * 7 / 30.4375, abs=1e-3)),
        ("recent_mi", "MI 2/12 ago", 2.0),
        ("recent_mi", "2/12 ago", 2.0),
        ("recent_mi", "NSTEMI 10/7 ago", pytest.approx(10 / 30.4375, abs=1e-3)),
        ("recent_mi", "MI 3/52 ago", pytest.approx(21 / 30.4375, abs=1e-3)),
    ],
)
def test_a_fraction_is_a_duration_where_one_is_expected(fact, text, expected):
    assert value(fact, text) == expected


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("recent_mi", "MI 2/12"),  # 2 December, or two months ago
        ("life_expectancy", "seen 2/12"),  # a date
        ("life_expectancy", "2/12 nodes positive"),  # a ratio
        ("life_expectancy", "3/12 ago"),  # a life expectancy is not in the past
        ("age", "symptoms for 3/12"),
        ("life_expectancy", "yep 2/12"),  # yes (more than 3 months) and 2 months disagree
    ],
)
def test_a_fraction_elsewhere_is_asked_back(fact, text):
    assert not isinstance(parse_answer(FACTS[fact], text), Answer)


def test_a_fraction_that_is_part_of_a_date_is_not_a_duration():
    from criteria.reading.extraction import _fractions_as_durations
    from criteria.reading.terms import load_lexicon

    def rewritten(text, asked=None):
        return _fractions_as_durations(text, FACTS, load_lexicon(), asked)

    assert rewritten("prognosis 2/12/2026") == "prognosis 2/12/2026"
    assert rewritten("mi 1/3/12 ago") == "mi 1/3/12 ago"
    assert rewritten("seen 3/12, prognosis 6/12") == "seen 3/12, prognosis 6 months"
    assert rewritten("0/12 ago") == "0/12 ago"  # no duration of nothing
    assert rewritten("6/12", "life_expectancy") == "6 months"
    assert rewritten("6/12", "age") == "6/12"


def test_a_yes_or_no_with_a_number_must_agree_with_it():
    assert value("life_expectancy", "yes, 6 months") == 6.0
    assert value("recent_mi", "yes 2 months ago") == 2.0
    assert isinstance(parse_answer(FACTS["life_expectancy"], "yes 2 months"), Rejected)
    assert isinstance(parse_answer(FACTS["life_expectancy"], "no, 6 months"), Rejected)


def test_days_ago_with_a_number_is_that_many_days():
    assert value("recent_mi", "MI 10 days ago") == pytest.approx(10 / 30.4375, abs=1e-3)
    assert value("recent_mi", "MI days ago") == Range(0.0, 2.0)


# -- pasted laboratory lines: flags and reference ranges -----------------------------------------


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [
        ("plt", "Plt 95 (150-400)", 95.0),
        ("plt", "plt 45 (150 - 400) x10^9/L", 45.0),
        ("hgb", "Hb 102 L", 102.0),
        ("hgb", "Hb 9.8 (13.0-17.0)", 98.0),  # g/dL by its range: 13-17 mmol/L is no Hb range
        ("hgb", "Hb 10.2 (11.5-16.5) g/dL", 102.0),
        ("wbc", "WBC 3.2 L (4.0-11.0)", 3.2),
        ("wbc", "WCC 3.2 L [4.0-11.0]", 3.2),
        ("anc", "neut 1.1 (1.8-7.5) L", 1.1),
        ("bilirubin", "bili 12 (0-21)", pytest.approx(12 / 21, abs=1e-3)),  # µmol/L by its range
        ("bilirubin", "bili 35 (<21)", pytest.approx(35 / 21, abs=1e-3)),
        # a value and its range are in one unit: 12 mg/dL (205 µmol/L), not 12 µmol/L
        ("bilirubin", "bili 12 (0-1.2)", pytest.approx(12e4 / 584.66 / 21, abs=1e-3)),
        ("creatinine", "Cr 88 (45-90) umol/L", pytest.approx(88 / 106, abs=1e-3)),
        ("ast_alt", "ALT 120 H (0-40), AST 90 H (0-40)", 3.0),
    ],
)
def test_a_pasted_lab_line_reads_the_value_not_its_range(fact, text, expected):
    assert value(fact, text) == expected


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ("plt", "Plt (150-400)"),  # a range and no value
        ("hgb", "Hb (130-170)"),
        ("hgb", "Hb 85 (8.1-10.5)"),  # 85 g/L with a range in mmol/L: which is it?
        ("hgb", "Hb 9.8 (4.0-11.0)"),  # a white cell range: no unit of Hb fits it
    ],
)
def test_a_lab_range_without_a_value_or_at_odds_with_it_is_asked_back(fact, text):
    assert not isinstance(parse_answer(FACTS[fact], text), Answer)


def test_a_flag_is_no_litre_for_a_volume():
    assert value("fev1", "FEV1 1.8 L (65%)") == 65.0


def test_a_bare_reply_with_its_range_reads_the_value():
    assert value("plt", "95 (150-400)") == 95.0
    assert value("hgb", "9.8 (13.0-17.0)") == 98.0
    assert parse_answer(FACTS["plt"], "(150-400)") is None  # a range alone: no value


def test_only_a_plain_yes_or_no_goes_with_a_number():
    assert value("recent_mi", "no, 14 months ago") == 14.0
    assert isinstance(parse_answer(FACTS["recent_mi"], "no 2 months ago"), Rejected)  # disagree
    assert isinstance(parse_answer(FACTS["age"], "yes 68"), Rejected)  # no yes for an age


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("none in 14 months", Range(14, math.inf, lo_open=True)),
        ("no, none for 2 years", Range(24, math.inf, lo_open=True)),
    ],
)
def test_a_denial_over_a_period_is_longer_since_not_the_period(text, months):
    """ "none in 14 months" to "how long since the MI?" is more than 14 months, not 14."""
    result = parse_answer(FACTS["recent_mi"], text, today=datetime.date(2026, 12, 1))
    assert isinstance(result, Answer) and result.value == months


CHECKLIST = ("uncontrolled_hypertension", "uncontrolled_diabetes", "arrhythmia")


@pytest.mark.parametrize(
    ("text", "asked", "expected"),
    [
        ("AF, poorly controlled", CHECKLIST, {}),  # the AF asked back, as a checklist reply
        ("poorly controlled", CHECKLIST, {}),
        ("all well controlled", CHECKLIST, {}),
        ("pneumonia, resolved", ("active_infection", "other_malignancy_active"), {}),
    ],
)
def test_words_that_answer_several_facts_asked_together_answer_no_other(text, asked, expected):
    """ "poorly controlled" answers hypertension, diabetes and arrhythmia alike: in a checklist
    of the three, "AF, poorly controlled" was recorded as uncontrolled hypertension (first in
    the lexicon); "pneumonia, resolved" must stay asked back ("resolved" also answers whether
    another cancer is active)."""
    from criteria.facts import load_site
    from criteria.reading.extraction import read_message

    reading = read_message(text, load_facts(), load_site(), datetime.date(2026, 12, 1), asked=asked)
    answered = {r.fact: r.value for r in reading.results if isinstance(r, Answer)}
    assert {f: v for f, v in answered.items() if f in asked} == expected, answered


def test_words_that_answer_the_one_fact_asked_still_do():
    assert value("arrhythmia", "poorly controlled") is True
    assert value("uncontrolled_hypertension", "well controlled") is False
