"""Commands for trial staff: check a trial file, and screen a patient in the terminal.

trial-check criteria/trials/oligomet-rt.yaml     # the criteria table, or the exact error
screen-terminal [--trials primary-rt,oligomet-rt]
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence

from criteria.errors import DefinitionError
from criteria.screening import Screening, Verdict
from criteria.trials import Trial, load_trial, load_trials
from criteria.values import describe


def criteria_table(trial: Trial) -> str:
    """A plain-text table of a trial's criteria: what is asked, derived or confirmed later."""
    lines = [f"{trial.title}", f"slug {trial.slug}   version {trial.version[:12]}", ""]
    for c in trial.criteria:
        how = c.rule.describe() if c.rule else "confirm at enrollment"
        lines.append(f"[{c.type[:3].upper()}] {c.id}")
        lines += textwrap.wrap(c.text, 96, initial_indent="    ", subsequent_indent="    ")
        lines.append(f"    rule: {how}")
        if c.rule and c.enrollment:
            lines.append(f"    also confirm at enrollment: {c.enrollment}")
        if c.correction:
            lines.append(f"    PROTOCOL CORRECTION: {c.correction}")
        if c.note:
            lines.append(f"    note: {c.note}")
    asked = sum(1 for c in trial.criteria if c.rule)
    lines += ["", f"{len(trial.criteria)} criteria: {asked} prescreened, "
              f"{len(trial.criteria) - asked} confirmed at enrollment"]  # fmt: skip
    return "\n".join(lines)


def check_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load a trial file and print its criteria table.")
    parser.add_argument("files", nargs="+", help="trial files (YAML)")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            print(criteria_table(load_trial(path)))
        except DefinitionError as exc:
            print(f"ERROR {exc}", file=sys.stderr)
            status = 1
    return status


def render_verdict(verdict: Verdict) -> str:
    lines = [verdict.explain()]
    shown: set[str] = set()
    for r in verdict.reasons:
        for e in r.evidence:
            if e["fact"] in r.decided_by and e["fact"] not in shown:
                shown.add(e["fact"])
                lines.append(f'    {e["label"]}: {e["display"]} (turn {e["turn"]}: "{e["text"]}")')
    if verdict.status != "ineligible" and verdict.to_confirm:
        lines.append("    To confirm at enrollment:")
        lines += [f"      - {item}" for item in verdict.to_confirm]
    return "\n".join(lines)


def run_screening(
    screening: Screening, ask: Callable[[str], str], say: Callable[[str], None]
) -> dict[str, Verdict]:
    """The terminal conversation: question, answer, ... verdicts.  `ask` returns the answer."""
    turn = 0
    fact = screening.next_fact()
    while fact is not None:
        turn += 1
        text = ask(fact.question).strip()
        if text.lower() in ("quit", "stop", "exit"):
            break
        if text.lower() in ("why", "why?", "why do you ask?"):
            say(fact.why)
            for title, line in screening.why(fact.id):
                say(f"  {title}: {line}")
            continue
        if text.lower() in ("skip", "unknown", "?"):
            screening.skip(fact.id, text, turn)
        else:
            outcome = screening.answer(text, turn, asked=fact.id)
            for rejected in outcome.rejected:
                say(rejected.message)
            if not outcome.understood:
                say(
                    f"Sorry, I could not use that. Please give {fact.hint or 'yes, no or unknown'}."
                )
            for record in outcome.recorded:
                label = screening.facts[record.fact].label
                say(f"  noted {label}: {describe(record.value)}")
            for verdict in outcome.newly_decided:
                if verdict.status == "ineligible":
                    say(verdict.explain())
        fact = screening.next_fact()
    verdicts = screening.verdicts()
    say("")
    for verdict in verdicts.values():
        say(render_verdict(verdict))
    return verdicts


def screen_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screen a patient in the terminal.")
    parser.add_argument("--trials", help="comma-separated trial slugs (default: all open trials)")
    args = parser.parse_args(argv)
    try:
        trials = load_trials()
    except DefinitionError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    if args.trials:
        wanted = [s.strip() for s in args.trials.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in trials]
        if unknown:
            print(f"ERROR unknown trial(s) {unknown}; open: {list(trials)}", file=sys.stderr)
            return 2
        trials = {s: trials[s] for s in wanted}
    print("Open trials: " + "; ".join(t.short_title for t in trials.values()))
    print("Answer in your own words; 'why' explains a question, 'skip' leaves it unknown.\n")

    def ask(question: str) -> str:
        try:
            return input(f"{question}\n> ")
        except EOFError:
            return "stop"

    run_screening(Screening(trials), ask, print)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(screen_main())
