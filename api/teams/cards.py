"""What a screening turn looks like in Teams: message activities with suggested actions for
quick replies, and an Adaptive Card with the verdict per trial once the screening is complete.

Built with the Agents SDK's activity schema (microsoft-agents-activity), so what goes to the
Bot Connector has the Bot Framework's field names and shapes.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    SuggestedActions,
)

from api.screenings.models import Message, VerdictRecord

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # what Teams renders on desktop, web and mobile
NEW_SCREENING = "new screening"
RESEND = "resend"
VERDICT_WORDS = {
    "eligible": "Eligible",
    "ineligible": "Not eligible",
    "incomplete": "Not decided yet",
}
VERDICT_COLOURS = {"eligible": "Good", "ineligible": "Attention", "incomplete": "Warning"}


def as_json(activity: Activity) -> dict[str, Any]:
    return activity.model_dump(mode="json", by_alias=True, exclude_none=True)


def text_activity(text: str, quick_replies: list[tuple[str, str]] | None = None) -> Activity:
    """A plain message; quick replies become suggested actions (imBack: the click comes back
    as the clinician's message with the value as its text)."""
    activity = Activity(type=ActivityTypes.message, text=text, text_format="plain")
    if quick_replies:
        activity.suggested_actions = SuggestedActions(
            actions=[
                CardAction(type="imBack", title=title[:50], value=value)
                for title, value in quick_replies
            ]
        )
    return activity


def quick_replies(message: Message, asking: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The bot's buttons for this reply, else the quick replies of the question being asked."""
    if message.buttons:
        return [(b["title"] or b["payload"], b["payload"] or b["title"]) for b in message.buttons]
    options = (asking or {}).get("quick_replies") or []
    return [(str(o), str(o)) for o in options if isinstance(o, str | int | float) and str(o)]


def turn_activities(replies: list[Message], asking: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The bot's replies of one turn, in order; the last text carries the quick replies."""
    shown = [m for m in replies if m.text or m.buttons]
    out = []
    for i, message in enumerate(shown):
        last = i == len(shown) - 1
        choices = quick_replies(message, asking) if (message.buttons or last) else []
        out.append(as_json(text_activity(message.text or "Choose one:", choices)))
    return out


def _criterion_lines(verdict: VerdictRecord) -> list[dict[str, Any]]:
    """The deciding criteria: the protocol line and the clinician's own words for it."""
    by_id = {c.get("id"): c for c in verdict.criteria or []}
    items: list[dict[str, Any]] = []
    for reason in verdict.reasons or [] if verdict.status == "ineligible" else []:
        criterion = by_id.get(reason, {"text": reason, "evidence": []})
        items.append(
            {"type": "TextBlock", "text": f"• {criterion.get('text') or reason}", "wrap": True}
        )
        for e in criterion.get("evidence") or []:
            said = e.get("text")
            label = e.get("label") or e.get("fact")
            shown = f"{label}: {e.get('display')}" if e.get("display") is not None else label
            line = f"{shown} — “{said}”" if said else f"{shown} ({e.get('source')})"
            items.append(
                {
                    "type": "TextBlock",
                    "text": line,
                    "wrap": True,
                    "isSubtle": True,
                    "spacing": "None",
                }
            )
    return items


def verdict_card(verdicts: list[VerdictRecord], screening_id: str) -> dict[str, Any]:
    """The Adaptive Card summing up a screening: per trial the verdict, the deciding criteria
    with the clinician's words, and what to confirm at enrollment."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": "Screening result", "size": "Large", "weight": "Bolder"},
        {
            "type": "TextBlock",
            "text": "Prescreening only: a coordinator reviews every verdict.",
            "wrap": True,
            "isSubtle": True,
        },
    ]
    for v in verdicts:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    {
                        "type": "TextBlock",
                        "text": v.title or v.trial,
                        "weight": "Bolder",
                        "wrap": True,
                    },
                    {
                        "type": "TextBlock",
                        "text": VERDICT_WORDS.get(v.status, v.status),
                        "color": VERDICT_COLOURS.get(v.status, "Default"),
                        "weight": "Bolder",
                    },
                    *_criterion_lines(v),
                    *(
                        [
                            {"type": "TextBlock", "text": "Confirm at enrollment:", "wrap": True},
                            *(
                                {
                                    "type": "TextBlock",
                                    "text": f"• {c}",
                                    "wrap": True,
                                    "spacing": "None",
                                }
                                for c in v.to_confirm
                            ),
                        ]
                        if v.status == "eligible" and v.to_confirm
                        else []
                    ),
                    *(
                        [
                            {
                                "type": "TextBlock",
                                "text": "Still unknown: " + ", ".join(v.unknown_facts),
                                "wrap": True,
                            }
                        ]
                        if v.status == "incomplete" and v.unknown_facts
                        else []
                    ),
                ],
            }
        )
    body.append(
        {
            "type": "TextBlock",
            "text": f"Screening {screening_id}",
            "isSubtle": True,
            "size": "Small",
        }
    )
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "actions": [
            {"type": "Action.Submit", "title": "New screening", "data": {"answer": NEW_SCREENING}}
        ],
    }
    activity = Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=card)],
    )
    return as_json(activity)


def answer_from_value(value: Any) -> str | None:
    """The answer a card button carries: Action.Submit data or a messageBack value,
    `{"answer": "..."}`; anything else is not an answer."""
    if isinstance(value, dict) and isinstance(value.get("answer"), str):
        return value["answer"]
    return None
