"""The terminal screening for trial staff: question, answer, ... verdicts."""

from criteria import Screening, load_trials
from criteria.cli import run_screening, screen_main

TRIALS = load_trials()


def test_terminal_screening_runs_to_the_verdicts():
    answers = iter(["small cell lung cancer"])
    said: list[str] = []
    verdicts = run_screening(Screening(TRIALS), lambda q: next(answers), said.append)
    assert {v.status for v in verdicts.values()} == {"ineligible"}
    text = "\n".join(said)
    assert "noted diagnosis: sclc" in text
    assert 'you said: "small cell lung cancer"' in text


def test_why_skip_and_refusals_in_the_terminal():
    answers = iter(["why", "NSCLC", "stage 4", "400", "stop"])
    said: list[str] = []
    run_screening(Screening(TRIALS), lambda q: next(answers), said.append)
    text = "\n".join(said)
    assert "Both trials are for histologically" in text  # why
    assert "is not plausible" in text  # age 400 refused
    assert "incomplete" in text


def test_unknown_trial_is_refused(capsys):
    assert screen_main(["--trials", "nope"]) == 2
    assert "unknown trial(s) ['nope']" in capsys.readouterr().err
