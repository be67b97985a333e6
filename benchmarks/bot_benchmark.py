"""Benchmark of the Rasa assistant: training time, and questions asked per screening against
the criteria lines a paper checklist would list (every criterion of the screened trials).

    .venv-bot/bin/python benchmarks/bot_benchmark.py [--no-train] [case files...]

Trains from scratch (scripts/train-bot --force) unless --no-train, starts the real stack
(tests/stack.py) and plays every case of tests/cases through the REST channel.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "bot"), str(REPO)]

from player import CASES_DIR, load_cases  # noqa: E402
from stack import bot_stack  # noqa: E402
from test_e2e import play_case  # noqa: E402

from criteria import load_trials  # noqa: E402


def main(argv: list[str]) -> int:
    train = "--no-train" not in argv
    names = [a for a in argv if not a.startswith("--")] or [
        n for n in ("examples.yaml", "own.yaml") if (CASES_DIR / n).exists()
    ]
    if train:
        started = time.monotonic()
        subprocess.run(
            [str(REPO / "scripts" / "train-bot"), "--force"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        print(
            f"training (validation + rasa train, from scratch): {time.monotonic() - started:.1f} s"
        )
    trials = load_trials()
    checklist = sum(len(t.criteria) for t in trials.values())
    cases = load_cases(*names)
    rows, wrong, false_eligible = [], 0, 0
    with bot_stack(train_first=False) as stack:
        started = time.monotonic()
        for case in cases:
            result = play_case(stack.rasa, case)
            # The first question picks the trials; it is not a criterion.
            asked = [q for q in result.questions if "Which trials" not in q]
            rows.append((case.id, len(asked)))
            wrong += bool(result.wrong())
            false_eligible += len(result.false_eligible())
        elapsed = time.monotonic() - started
    counts = [n for _, n in rows]
    print(
        f"cases: {len(cases)} ({', '.join(names)}), played in {elapsed:.1f} s "
        f"({elapsed / len(cases):.2f} s per screening)"
    )
    print(f"wrong verdicts: {wrong} cases; false eligible: {false_eligible}")
    print(
        f"paper checklist: {checklist} criteria lines "
        f"({' + '.join(f'{len(t.criteria)} {s}' for s, t in trials.items())})"
    )
    print(
        f"questions per screening: mean {statistics.mean(counts):.1f}, "
        f"median {statistics.median(counts):.0f}, min {min(counts)}, max {max(counts)} "
        f"= {statistics.mean(counts) / checklist:.0%} of the checklist"
    )
    return 1 if wrong or false_eligible else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
