"""The language bank played through the criteria engine: right / refused / wrong per category.

    .venv-app/bin/python benchmarks/language_bank.py [--all]

A report, not a test (exit status 0): the test that asserts zero wrong values is
tests/criteria/test_language_bank.py.  Lists the wrong entries; `--all` also lists the refused.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests"),
]

from language_bank import (  # noqa: E402
    REFUSED,
    load_bank,
    load_fact_specs,
    play_bank,
    show,
    summary,
    wrong_table,
)


def main(argv: list[str]) -> int:
    bank = load_bank()
    played = play_bank(bank, load_fact_specs())
    print(f"language bank: {len(played)} messages, screening date {bank.today}")
    print(summary(played))
    table = wrong_table(played)
    print("\nwrong entries:" + ("\n" + table if table else " none"))
    if "--all" in argv:
        print("\nrefused entries:")
        for p in played:
            if p.outcome == REFUSED:
                got = ", ".join(f"{k}={show(v)}" for k, v in p.recorded.items()) or "-"
                print(f"{p.entry.id:<11} {p.entry.say[:60]!r} | got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
