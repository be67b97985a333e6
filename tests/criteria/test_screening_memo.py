"""The verdicts and needed facts kept by `criteria.Memo` are always the ones computed from the
records as they are now, whatever changed them, and are shared only where a memo is passed."""

from __future__ import annotations

import dataclasses

import pytest
from player import EngineScreener, load_cases, play
from test_screening import CLEAN, TRIALS

from criteria import Memo, Screening
from criteria.facts import load_site


def assert_current(s: Screening) -> None:
    assert s.verdicts() == s._all_verdicts()
    assert s.needed_facts() == s._needed_facts()


class CheckedScreener(EngineScreener):
    """The case player's engine screener, checking the memo after every message."""

    def send(self, handle: object, text: str) -> list[str]:
        reply = super().send(handle, text)
        assert_current(self.screening)
        return reply


@pytest.mark.parametrize("case", load_cases(), ids=lambda c: c.id)
def test_every_message_of_a_case_leaves_them_current(case):
    screener = CheckedScreener()
    result = play(case, screener.start, screener.send, screener.finished)
    assert not result.wrong(), result.transcript


def test_every_way_of_changing_a_record_leaves_them_current():
    s = Screening(TRIALS)
    assert_current(s)
    for turn, fact in enumerate(("histology", "stage", "age", "sex", "ecog"), 1):
        s.answer(CLEAN[fact], turn, asked=fact)
        assert_current(s)
    s.answer("sorry, she is 17, not 58", 6, asked="metastases")  # a correction
    assert_current(s)
    assert s.verdicts()["oligomet-rt"].status == "ineligible"
    s.take_back(7)
    assert_current(s)
    s.set_fact("ecog", 3)
    assert_current(s)
    s.skip("metastases", "skip", 8)
    assert_current(s)
    s.record_unknown("brain_metastases", "don't know", 9)
    assert_current(s)
    del s.records["brain_metastases"]
    assert_current(s)


def test_a_record_changed_in_place_is_a_new_key():
    s = Screening(TRIALS)
    for turn, fact in enumerate(("histology", "stage", "age"), 1):
        s.answer(CLEAN[fact], turn, asked=fact)
    before = s.verdicts()
    s.records["age"].value = 17
    after = s.verdicts()
    assert after != before and after == s._all_verdicts()
    assert {v.status for v in after.values()} == {"ineligible"}
    s.records["age"].text = "seventeen"  # the evidence quotes the new words
    assert s.verdicts() == s._all_verdicts()


def test_true_is_not_one():
    a, b = Screening(TRIALS), Screening(TRIALS)
    a.set_fact("brain_metastases", True)
    b.set_fact("brain_metastases", 1)
    assert a._records_key() != b._records_key()


def test_a_screening_rebuilt_with_the_same_memo_shares_them():
    memo = Memo()
    s = Screening(TRIALS, memo=memo)
    for turn, fact in enumerate(("histology", "stage", "age", "sex"), 1):
        s.answer(CLEAN[fact], turn, asked=fact)
    rebuilt = Screening.from_dict(s.to_dict(), TRIALS, memo=memo)
    first, second = s.verdicts(), rebuilt.verdicts()
    assert all(first[slug] is second[slug] for slug in first)  # computed once
    assert rebuilt.needed_facts() == s.needed_facts()


def test_screenings_without_a_shared_memo_compute_their_own():
    s = Screening(TRIALS)
    s.answer(CLEAN["age"], 1, asked="age")
    same_words = Screening.from_dict(s.to_dict(), TRIALS)
    assert s.verdicts()["primary-rt"] is not same_words.verdicts()["primary-rt"]
    assert s.verdicts() == same_words.verdicts()


def test_another_site_or_trial_object_is_computed_for_itself():
    memo = Memo()
    s = Screening(TRIALS, memo=memo)
    s.answer(CLEAN["age"], 1, asked="age")
    site = dataclasses.replace(load_site())
    other = Screening(TRIALS, records=dict(s.records), site=site, memo=memo)
    assert s.verdicts()["primary-rt"] is not other.verdicts()["primary-rt"]
    assert other.verdicts() == other._all_verdicts()


def test_a_memo_keeps_at_most_its_size():
    memo = Memo(size=8)
    for age in range(18, 40):
        s = Screening(TRIALS, memo=memo)
        s.set_fact("age", age)
        s.verdicts()
    assert len(memo._entries) == 8
