"""The criteria engine: facts, trials as data, three-valued verdicts, what to ask next.

Pure Python, shared by the Rasa action server (Python 3.10) and the API (Python 3.11+); it
knows nothing of Rasa or HTTP.

    trials = load_trials()
    screening = Screening(trials)
    fact = screening.next_fact()            # the next question, or None when decided
    outcome = screening.answer("He is 58.", turn=1, asked=fact.id)
    screening.verdicts()                    # {slug: Verdict}, with evidence per criterion
"""

from criteria.errors import DefinitionError
from criteria.facts import Fact, load_facts, load_site
from criteria.reading.extraction import Answer, Reading, Rejected, extract_facts, parse_answer
from criteria.reading.warm_up import prepare_reading
from criteria.screening import (
    ELIGIBLE,
    INCOMPLETE,
    INELIGIBLE,
    AnswerOutcome,
    CriterionResult,
    FactRecord,
    Memo,
    Screening,
    Verdict,
)
from criteria.trials import Criterion, Trial, TrialFileError, load_trial, load_trials

__all__ = [
    "ELIGIBLE",
    "INCOMPLETE",
    "INELIGIBLE",
    "Answer",
    "AnswerOutcome",
    "Criterion",
    "CriterionResult",
    "DefinitionError",
    "Fact",
    "FactRecord",
    "Memo",
    "Reading",
    "Rejected",
    "Screening",
    "Trial",
    "TrialFileError",
    "Verdict",
    "extract_facts",
    "load_facts",
    "load_site",
    "load_trial",
    "load_trials",
    "parse_answer",
    "prepare_reading",
]
