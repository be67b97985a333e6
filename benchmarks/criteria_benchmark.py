"""Evaluation cost per screening: all verdicts of both trials from a full set of facts.

    .venv-app/bin/python benchmarks/criteria_benchmark.py

Prints figures (target: evaluation well under 1 ms for both trials); it asserts nothing, since
these machines are noisy.  Parsing a whole screening's answers is shown beside it for scale.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests"),
]

from criteria import Screening, load_trials  # noqa: E402

ANSWERS = {
    "histology": "Lung adenocarcinoma, confirmed by histology.",
    "stage": "Stage IVB.",
    "age": "He is 58.",
    "sex": "Male.",
    "ecog": "ECOG 0.",
    "metastases": "Two: one in the liver, one in bone.",
    "brain_metastases": "No brain involvement.",
    "prior_treatment": "No treatment yet apart from the biopsy.",
    "life_expectancy": "More than six months.",
    "wbc": "WBC 5,400 per microliter.",
    "anc": "ANC 4.5.",
    "plt": "PLT 310.",
    "hgb": "Hb 135 g/L.",
    "bilirubin": "Bilirubin 12 µmol/L.",
    "ast_alt": "Transaminases normal.",
    "creatinine": "Creatinine normal, 0.9 x ULN.",
    "fev1": "FEV1 82%.",
    "pregnant": "Male, not applicable.",
    "other_malignancy": "No previous cancers.",
    "allergy": "No known allergies.",
}


def full_screening(trials) -> Screening:
    s = Screening(trials)
    turn = 0
    while (fact := s.next_fact()) is not None:
        turn += 1
        s.answer(ANSWERS.get(fact.id, "unknown"), turn, asked=fact.id)
        if fact.id not in s.records:
            s.skip(fact.id, "unknown", turn)
    return s


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    trials = load_trials()
    s = full_screening(trials)
    criteria = sum(len(t.criteria) for t in trials.values())
    assert all(v.status == "eligible" for v in s.verdicts().values())
    timed(s.verdicts, 50)  # warm up
    evaluation = timed(s.verdicts, 2000)
    next_question = timed(s.next_fact, 2000)
    parsing = timed(lambda: full_screening(trials), 20)
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    p95 = lambda xs: sorted(xs)[int(len(xs) * 0.95)] * 1000  # noqa: E731
    print(f"trials: {len(trials)}, criteria: {criteria}, recorded facts: {len(s.records)}")
    print(f"evaluate all verdicts (per screening): median {ms(evaluation):.3f} ms, "
          f"p95 {p95(evaluation):.3f} ms   (target: well under 1 ms)")  # fmt: skip
    print(f"choose next question:                  median {ms(next_question):.3f} ms")
    print(f"whole screening incl. parsing {len(s.records)} answers: median {ms(parsing):.1f} ms")
    print(
        "evaluation / whole screening: "
        f"{statistics.median(evaluation) / statistics.median(parsing):.3f}"
    )


if __name__ == "__main__":
    main()
