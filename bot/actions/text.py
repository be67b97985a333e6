"""What a message is, and how replies are worded.  No Rasa here, only strings."""

from __future__ import annotations

import re

from criteria import INELIGIBLE, Screening, Trial, Verdict

_ALL = re.compile(r"\b(?:all|both|every|everything|each|any)\b", re.I)
_QUESTION = re.compile(r"\?|\b(?:which|what)\b", re.I)

# Words that confirm an out-of-form intent; without one, a message classified as such an
# intent while a question is pending is treated as an answer (the classifier may be wrong).
INTENT_WORDS = {
    "why": re.compile(
        r"\bwhy\b|\breason\b|\bwhat for\b|\bneed(?:ed)? (?:this|that|to know)|"
        r"\bwhat(?:'?s| is) (?:this|that|it) for\b|\bwhat does (?:it|that) matter\b|\brelevan",
        re.I,
    ),
    "help": re.compile(
        r"\bhelp\b|\bhow (?:does|do)\b|\bwhat can\b|\binstructions?\b|\bconfus|\blost\b|"
        r"\bstuck\b|\bwhat (?:do|should) i (?:do|say|type)\b",
        re.I,
    ),
    "stop": re.compile(r"\bstop\b|\bquit\b|\bcancel\b|\bend\b|\benough\b|\bexit\b|\babort\b", re.I),
    "restart_screening": re.compile(
        r"\brestart\b|\bstart (?:over|again)\b|\breset\b|\bnew (?:patient|screening)\b|"
        r"\bfrom (?:the )?(?:start|beginning|scratch)\b",
        re.I,
    ),
    "list_trials": re.compile(r"\btrials?\b|\bstud(?:y|ies)\b|\bprotocols?\b|\bopen\b", re.I),
    "start_screening": re.compile(r"^/start_screening|\bscreen(?:ing)?\b", re.I),
    "go_back": re.compile(
        r"\bgo(?:ing)? back\b|\bstep back\b|\bback (?:up|one)\b|\bun-?do\b|\brevert\b|"
        r"\btake (?:it|that|this|my (?:last )?answer) back\b|\bprevious question\b|"
        r"\blast (?:question|answer)\b|\bscratch that\b",
        re.I,
    ),
}


def not_usable(kind: str | None, length: int = 0) -> str:
    """A clear reply for a message that is not an answer; the screening stays where it was."""
    return {
        "empty": "I received an empty message.",
        "long": f"That message is very long ({length:,} characters); I only read short answers. "
        "Please answer the question in a sentence.",
        "emoji": "I can't read answers from emoji alone.",
        "foreign": "I'm sorry, I can only screen in English.",
    }.get(kind or "", "That doesn't look like an answer to my question.")


# ---- trials ------------------------------------------------------------------------------------

_COMMON = {"stage", "nsclc", "lung", "cancer", "radiotherapy", "local", "tumor", "tumour", "iv"}


def trial_keys(trial: Trial) -> list[str]:
    """Words that name a trial: its slug, its short title, and the distinctive parts of both."""
    keys = [trial.slug, trial.slug.replace("-", " "), trial.short_title.lower()]
    keys += [p for p in trial.slug.split("-") if len(p) >= 4 and p not in _COMMON]
    return keys


def chosen_trials(text: str, trials: dict[str, Trial]) -> list[str] | None:
    """The trials a message picks: all of them, some by name, or None if it names none."""
    norm = (text or "").lower()
    named = [
        slug
        for slug, trial in trials.items()
        if any(re.search(r"\b" + re.escape(k), norm) for k in trial_keys(trial))
    ]
    if named:
        return named
    if _ALL.search(norm) and not _QUESTION.search(norm):
        return list(trials)
    return None


def trial_list(trials: dict[str, Trial]) -> str:
    lines = [f"• {t.short_title} — {t.title.rstrip('.')}" for t in trials.values()]
    return "Open trials:\n" + "\n".join(lines)


# ---- verdicts ----------------------------------------------------------------------------------


def _quote(evidence: tuple[dict, ...] | list[dict]) -> str:
    quotes = []
    for e in evidence:
        if e.get("text") and e["text"] not in quotes:
            quotes.append(e["text"])
    return "; ".join(f'"{q}"' for q in quotes)


def ineligible_now(verdict: Verdict) -> str:
    """Said at once when a trial becomes ineligible."""
    reasons = []
    for r in verdict.reasons:
        said = _quote(r.evidence)
        reasons.append(f"“{r.text.rstrip(';.')}”" + (f" — you said {said}" if said else ""))
    return f"✗ {verdict.title}: not eligible. " + "; ".join(reasons) + "."


def _section(heading: str, items: list[str]) -> str:
    """A heading with one indented line per item, or nothing at all when there are no items."""
    if not items:
        return ""
    return "\n" + heading + ":\n" + "\n".join(f"  {item}" for item in items)


def _passing(verdict: Verdict, kind: str) -> list[str]:
    """The criteria of one kind the patient passes, each with the clinician's words."""
    return [
        f"“{c.text.rstrip(';.')}” — {_quote(c.evidence)}"
        for c in verdict.criteria
        if c.type == kind and c.passes and c.evidence
    ]


def summary_lines(screening: Screening) -> list[str]:
    """One message per trial: the verdict, the deciding criteria with the clinician's words,
    and what must still be confirmed at enrollment.

    An eligible trial lists its inclusions under "Met" and its exclusions under "No exclusion
    found": an exclusion that is "met" would exclude the patient, so it is never called met.
    """
    lines = []
    for verdict in screening.verdicts().values():
        if verdict.status == INELIGIBLE:
            lines.append(ineligible_now(verdict))
            continue
        if verdict.status == "eligible":
            head = f"✓ {verdict.title}: eligible at prescreening."
            body = _section("Met", _passing(verdict, "inclusion")) + _section(
                "No exclusion found", _passing(verdict, "exclusion")
            )
        else:
            head = (
                f"? {verdict.title}: incomplete — still unknown: "
                + ", ".join(verdict.unknown_facts)
                + "."
            )
            body = (
                "\nUndecided: "
                + "; ".join(f"“{r.text.rstrip(';.')}”" for r in verdict.reasons)
                + "."
            )
        confirm = _section("Confirm at enrollment", [f"- {c}" for c in verdict.to_confirm])
        lines.append("\n".join(line.rstrip() for line in (head + body + confirm).split("\n")))
    return lines


def short_status(screening: Screening) -> str:
    parts = [f"{v.title}: {v.status}" for v in screening.verdicts().values()]
    return "Screening complete — " + "; ".join(parts) + ". Say “restart” to start over."


HELP = (
    "I prescreen a patient against the open trials, one question at a time. Answer in your "
    "own words (“He is 58”, “ECOG 1”, “WBC 5.4”); you can give several facts at once. "
    "You can also say: “why do you ask?”, “don't know” or “pending”, “skip”, correct an "
    "earlier answer (“sorry, she is 68, not 72”), “go back” or “undo” (takes back your last "
    "answer and asks it again), “which trials are open?”, “restart” or “stop”."
)
