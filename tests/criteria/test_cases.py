"""Every screening case, played through the criteria engine alone with the case player."""

import pytest
from player import load_cases, play

from criteria import Screening, load_trials

TRIALS = load_trials()
CASES = load_cases()


class EngineScreener:
    """The smallest screener: asks `next_fact()`, records answers, "I don't know" = unknown."""

    def __init__(self) -> None:
        self.screening = Screening(TRIALS)
        self.turn = 0
        self.asked = None

    def start(self):
        return self._question(), self

    def _question(self) -> list[str]:
        fact = self.screening.next_fact()
        self.asked = fact.id if fact else None
        return [fact.question] if fact else []

    def send(self, _, text: str) -> list[str]:
        self.turn += 1
        outcome = self.screening.answer(text, self.turn, asked=self.asked)
        if self.asked and not outcome.understood:
            self.screening.record_unknown(self.asked, text, self.turn)
        return [r.message for r in outcome.rejected] + self._question()

    def finished(self, _):
        if self.screening.next_fact() is not None:
            return None
        return {slug: v.status for slug, v in self.screening.verdicts().items()}


def test_there_are_enough_cases():
    assert len([c for c in CASES if c.id.startswith("e")]) == 6
    assert len(CASES) - 6 >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_verdicts(case):
    screener = EngineScreener()
    result = play(case, screener.start, screener.send, screener.finished)
    assert not result.false_eligible(), f"false eligible: {result.transcript}"
    assert not result.wrong(), result.transcript
