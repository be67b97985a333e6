"""Questions asked per screening, over the case set, with the criteria engine alone.

    .venv-app/bin/python benchmarks/questions.py

Plays every case of tests/cases (examples.yaml, own.yaml) with tests/player.py, the way the
cases README plays them, and prints the median and maximum number of questions, the clean
patient's (e01, both trials) and the referral letter's (r01), beside the lines of the paper
checklists.  A figure, not a test: issue 9's targets are a median of at most 12 for the clean
patient and at most 8 after a referral letter.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from player import EngineScreener, load_cases, play  # noqa: E402

from criteria import load_trials  # noqa: E402


def main() -> int:
    trials = load_trials()
    counts: dict[str, int] = {}
    wrong = 0
    for case in load_cases():
        screener = EngineScreener(trials)
        result = play(case, screener.start, screener.send, screener.finished)
        counts[case.id] = len(result.questions)
        wrong += bool(result.wrong())
    values = list(counts.values())
    lines = " + ".join(f"{len(t.criteria)} {slug}" for slug, t in trials.items())
    print(f"paper checklists: {lines} lines")
    print(f"cases: {len(values)}, wrong verdicts: {wrong}")
    print(
        f"questions per screening: median {statistics.median(values):.0f}, "
        f"mean {statistics.mean(values):.1f}, max {max(values)}"
    )
    for case_id, what in (("e01", "clean patient, both trials"), ("r01", "referral letter")):
        if case_id in counts:
            print(f"{what} ({case_id}): {counts[case_id]} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
