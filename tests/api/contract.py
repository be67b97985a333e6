"""The conversations recorded from the real assistant, and how a payload is compared with them.

`python tests/api/contract.py` (from .venv-app, with the model trained) plays them against a
real Rasa stack and writes tests/api/recorded/real_payloads.json; test_fakebot_contract.py
checks the fake bot against that file, and (slow) the file against the real bot.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from criteria.screening import with_texts

RECORDED = Path(__file__).parent / "recorded" / "real_payloads.json"
BOTH = ["primary-rt", "oligomet-rt"]
# (name, metadata of the start, the clinician's messages after it)
CONVERSATIONS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("trials-given", {"trials": BOTH}, ["Lung adenocarcinoma, confirmed by histology."]),
    ("trials-asked", {"trials": None}, []),
    ("unknown-answer", {"trials": ["primary-rt"]}, ["I don't know"]),
    (
        "restart-asked-back",
        {"trials": BOTH},
        ["Lung adenocarcinoma, confirmed by histology.", "restart", "yes"],
    ),
    ("taken-back", {"trials": BOTH}, ["Lung adenocarcinoma, confirmed by histology.", "undo"]),
]


def payload_of(replies: list[dict[str, Any]]) -> dict[str, Any]:
    """The screening payload the API uses: the last custom reply's."""
    customs = [r["custom"]["screening"] for r in replies if "screening" in (r.get("custom") or {})]
    assert customs, replies
    return customs[-1]


def contract_of(replies: list[dict[str, Any]]) -> dict[str, Any]:
    """What must be the same from the fake and the real bot: the payload's fields, the asking
    object exactly, the verdict statuses, the facts recorded, and the question's buttons."""
    payload = payload_of(replies)
    asking = payload["asking"]
    question = [r for r in replies if asking and r.get("text") == asking["question"]]
    return {
        "payload_keys": sorted(payload),
        "reply_keys": sorted({k for r in replies for k in r} - {"text", "buttons", "custom"}),
        "asking": asking,
        "question_buttons": question[-1].get("buttons") if question else None,
        "status": payload["status"],
        "verdicts": {slug: v["status"] for slug, v in payload["verdicts"].items()},
        "verdict_keys": sorted({k for v in payload["verdicts"].values() for k in v}),
        "state_keys": sorted(payload["state"]),
        "records": {  # the words by turn: `texts` (criteria Screening.to_dict)
            fact: {k: r.get(k) for k in ("value", "text", "turn", "source")}
            for fact, r in (
                (f, with_texts(r, payload["state"].get("texts") or {}))
                for f, r in payload["state"]["records"].items()
            )
        },
        "restarted": payload.get("restarted"),
    }


def play(send: Any) -> dict[str, list[dict[str, Any]]]:
    """Each conversation's turns as contracts; `send(sender, message, metadata)` -> replies."""
    played = {}
    for name, metadata, messages in CONVERSATIONS:
        sender = f"contract-{name}"
        turns = [contract_of(send(sender, "/start_screening", metadata))]
        turns += [contract_of(send(sender, text, {})) for text in messages]
        played[name] = turns
    return played


def record() -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    import stack

    with stack.bot_stack() as running:
        played = play(lambda s, m, md: stack.send(running.rasa, s, m, md))
    RECORDED.write_text(json.dumps(played, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RECORDED}")


if __name__ == "__main__":
    record()
