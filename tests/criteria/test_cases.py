"""Every screening case, played through the criteria engine alone with the case player."""

import pytest
from player import EngineScreener, load_cases, play

from criteria import Screening, load_trials

TRIALS = load_trials()
CASES = load_cases()


def test_there_are_enough_cases():
    assert len([c for c in CASES if c.id.startswith("e")]) == 6
    assert len(CASES) - 6 >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_verdicts(case):
    screener = EngineScreener()
    result = play(case, screener.start, screener.send, screener.finished)
    assert not result.false_eligible(), f"false eligible: {result.transcript}"
    assert not result.wrong(), result.transcript


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_no_case_ends_eligible_while_a_stated_fact_excludes_it(case):
    """Each text the case states, read on its own, may exclude a trial; the screening played
    in full must then not end eligible for it (a volunteered exclusion is never dropped)."""
    screener = EngineScreener()
    result = play(case, screener.start, screener.send, screener.finished)
    texts = [case.opening or "", *case.answers.values(), *case.corrections.values()]
    for slug, status in result.verdicts.items():
        if status != "eligible":
            continue
        for text in texts:
            alone = Screening({slug: TRIALS[slug]})
            alone.answer(text, 1, asked=None)
            assert alone.verdict(slug).status != "ineligible", (case.id, slug, text)
