"""What the pages show of a screening: the chat lines, the verdict panel (each trial, each
criterion with the clinician's words, the confirmations, the recorded facts) and which turn of
the transcript each piece of evidence came from.  Plain dicts for the templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from api.screenings.models import ANSWERED, BOT, CLINICIAN, FAILED, PENDING, Screening
from api.screenings.service import START
from criteria.screening import with_texts

STATUS_WORDS = {
    "eligible": "Eligible",
    "ineligible": "Not eligible",
    "incomplete": "Incomplete",
    "met": "met",
    "not_met": "not met",
    "unknown": "unknown",
    "to_confirm": "confirm at enrollment",
}


@lru_cache
def fact_labels() -> dict[str, str]:
    from criteria import load_facts

    return {name: fact.label for name, fact in load_facts().items()}


def chat_lines(screening: Screening) -> list[dict[str, Any]]:
    """The transcript as the clinician saw it (the hidden start command left out)."""
    lines = []
    for m in screening.messages:
        if m.sender == CLINICIAN and m.text == START:
            continue
        if m.sender == BOT and not m.text and not m.buttons:
            continue  # the structured payload that ends each turn
        lines.append(
            {
                "id": m.id,
                "seq": m.seq,
                "sender": m.sender,
                "text": m.text,
                "buttons": [b["title"] for b in m.buttons or []],
                "status": m.status,
                "at": m.created_at,
            }
        )
    return lines


def quick_replies(screening: Screening) -> list[str]:
    """The buttons of the bot's last turn, while the screening is still asking."""
    if screening.status != "in_progress":
        return []
    titles: list[str] = []
    for m in reversed(screening.messages):
        if m.sender != BOT:
            break
        titles = [b["title"] for b in m.buttons or []] + titles
    return titles


def unanswered(screening: Screening) -> dict[str, Any] | None:
    """The clinician's last message if the assistant never answered it (to offer a resend)."""
    for m in reversed(screening.messages):
        if m.sender == CLINICIAN:
            if m.status in (FAILED, PENDING):
                return {"text": m.text, "client_message_id": m.client_message_id or ""}
            return None
        if m.sender == BOT:
            return None
    return None


def _turn_finder(screening: Screening) -> Any:
    """Finds the clinician message that said a piece of evidence: the one with its exact words,
    and when the same words were said more than once ("No"), the one at the evidence's turn
    (Rasa counts the clinician's messages it received, the start command first)."""
    said: dict[str, list[int]] = {}
    ordinal: dict[int, int] = {}
    for m in screening.messages:
        if m.sender != CLINICIAN:
            continue
        if m.status == ANSWERED:
            ordinal[m.id] = len(ordinal) + 1
        if m.text != START:
            said.setdefault(m.text, []).append(m.id)

    def find(text: str, turn: Any) -> int | None:
        candidates = said.get(text) or []
        exact = [c for c in candidates if ordinal.get(c) == turn]
        if exact:
            return exact[0]
        return candidates[-1] if candidates else None

    return find


def panel(screening: Screening) -> dict[str, Any]:
    labels = fact_labels()
    find_turn = _turn_finder(screening)
    verdicts = []
    for v in screening.verdicts:
        criteria = []
        for c in v.criteria or []:
            evidence = [
                {
                    "label": e.get("label") or labels.get(e.get("fact", ""), e.get("fact", "")),
                    "display": e.get("display") or "",
                    "text": e.get("text") or "",
                    "source": e.get("source") or "",
                    "message_id": find_turn(e.get("text") or "", e.get("turn")),
                }
                for e in c.get("evidence") or []
            ]
            criteria.append(
                {
                    "id": c.get("id"),
                    "type": c.get("type") or "",
                    "text": c.get("text") or "",
                    "status": c.get("status") or "unknown",
                    "status_words": STATUS_WORDS.get(c.get("status") or "", c.get("status")),
                    "decisive": c.get("id") in (v.reasons or []),
                    "evidence": evidence,
                    "correction": c.get("correction"),
                    "enrollment": c.get("enrollment"),
                }
            )
        verdicts.append(
            {
                "trial": v.trial,
                "title": v.title,
                "status": v.status,
                "effective_status": v.effective_status,
                "status_words": STATUS_WORDS.get(v.effective_status, v.effective_status),
                "review_state": v.review_state,
                "final_status": v.final_status,
                "review_reason": v.review_reason,
                "reviewed_by": v.reviewed_by.email if v.reviewed_by else None,
                "reviewed_at": v.reviewed_at,
                "version": v.version,
                "criteria": criteria,
                "to_confirm": v.to_confirm or [],
                "unknown_facts": v.unknown_facts or [],
            }
        )
    state = screening.bot_state or {}
    texts = state.get("texts") if isinstance(state.get("texts"), dict) else {}
    records = [with_texts(r, texts) for r in (state.get("records") or {}).values()]
    facts = [
        {
            "fact": r.get("fact"),
            "label": labels.get(r.get("fact", ""), r.get("fact", "")),
            "display": r.get("display") or "",
            "text": r.get("text") or "",
            "source": r.get("source") or "",
        }
        for r in records
        if isinstance(r, dict)
    ]
    return {"verdicts": verdicts, "facts": facts, "status": screening.status}
