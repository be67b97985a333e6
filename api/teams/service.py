"""A Teams message through the same screening service as the web chat.

The Teams user (their Entra ID object id) must be linked to a screener account by an admin;
otherwise they get a polite refusal and nothing is stored.  Each Teams conversation is on one
screening at a time: the first message starts one, "new screening" starts another, and every
other message is the clinician's answer, sent through `api.screenings.service.send_message`
exactly as `POST /api/screenings/{id}/messages` does, so transcripts, verdicts, evidence and
the review queue are the same whichever door a screening came through.  A card button or a
messageBack carries its answer in `value`; an `<at>` mention of the bot is not part of it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import Activity
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core.config import Settings
from api.core.db import utcnow
from api.review.service import record_event
from api.screenings import service as screenings
from api.screenings.bot_client import BotClient
from api.screenings.models import COMPLETE, Screening
from api.teams import cards
from api.teams.connector import Connector, ConnectorError
from api.teams.models import TeamsConversation, TeamsUserLink
from api.users.models import User

log = logging.getLogger(__name__)

NOT_LINKED = (
    "Sorry, I don't know you yet: your Teams account is not linked to a trial screener "
    "account. Please ask the screener's administrator to link it; nothing you wrote was kept."
)
WELCOME = (
    "Hello! I prescreen patients for the open clinical trials. Send any message to start a "
    'screening, and say "new screening" at any time to start another.'
)
STARTED = "Starting a new screening."
NOT_KEPT = (
    "Your message was not kept as an answer: a screening starts with its own questions. "
    "Please answer them below."
)
GREETINGS = {"hi", "hello", "hey", "good morning", "good afternoon", "help", "screen", "screening"}
NOT_YOURS = (
    'This conversation\'s screening was started by another clinician. Say "new screening" to '
    "start your own."
)
NOTHING_TO_RESEND = "Nothing to resend: every message has been answered."
EMPTY = "Please type an answer."
NEW_COMMANDS = {"new screening", "new", "start", "start screening", "restart screening"}
RESEND_COMMANDS = {"resend", "retry"}
_AT_NAME = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class LinkError(ValueError):
    pass


@dataclass
class Outcome:
    """What handling one activity did: its kind, and the activities sent back to Teams."""

    kind: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    delivered_to_teams: bool = True


# ---- account links ------------------------------------------------------------------------


def link_user(
    db: Session, *, aad_object_id: str, user: User, created_by: User | None = None
) -> TeamsUserLink:
    """Link (or re-link) an Entra ID user to a screener account; the audit trail keeps who
    linked whom (no actor when done on the server's command line)."""
    if not GUID.match(aad_object_id):
        raise LinkError("the Entra ID object id must be a GUID")
    if not user.active:
        raise LinkError(f"{user.email} is not active")
    aad = aad_object_id.lower()
    link = db.scalar(select(TeamsUserLink).where(TeamsUserLink.aad_object_id == aad))
    before = {"aad_object_id": aad, "user": link.user.email} if link is not None else None
    if link is None:
        link = TeamsUserLink(aad_object_id=aad, user_id=user.id)
        db.add(link)
    record_event(
        db,
        actor=created_by,
        action="teams_link",
        before=before,
        after={"aad_object_id": aad, "user": user.email},
    )
    link.user_id = user.id
    link.user = user
    link.created_by_id = created_by.id if created_by else None
    db.flush()
    return link


def get_link(db: Session, *, aad_object_id: str) -> TeamsUserLink | None:
    return db.scalar(
        select(TeamsUserLink).where(TeamsUserLink.aad_object_id == aad_object_id.lower())
    )


def unlink_user(db: Session, *, aad_object_id: str, actor: User | None = None) -> bool:
    link = get_link(db, aad_object_id=aad_object_id)
    if link is None:
        return False
    record_event(
        db,
        actor=actor,
        action="teams_unlink",
        before={"aad_object_id": link.aad_object_id, "user": link.user.email},
    )
    db.delete(link)
    db.flush()
    return True


def list_links(db: Session) -> list[TeamsUserLink]:
    return list(db.scalars(select(TeamsUserLink).order_by(TeamsUserLink.created_at)))


def linked_user(db: Session, aad_object_id: str | None) -> User | None:
    if not aad_object_id:
        return None
    link = get_link(db, aad_object_id=aad_object_id)
    return link.user if link is not None and link.user.active else None


# ---- reading an activity ------------------------------------------------------------------


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    found = tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)
    return str(found) if found else None


def tenant_allowed(activity: Activity, settings: Settings) -> bool:
    """Single-tenant: only the hospital's own tenant.  Multi-tenant: the listed tenants, or
    any when none is listed."""
    tenant = tenant_of(activity)
    if settings.teams_app_type == "single_tenant":
        return tenant is not None and tenant == settings.teams_tenant_id
    return not settings.teams_tenants or tenant in settings.teams_tenants


def _bot_mentions(activity: Activity) -> set[str]:
    """The `<at>...</at>` texts that mention the bot itself (Teams lists each mention as an
    entity naming who is mentioned)."""
    bot_id = activity.recipient.id if activity.recipient else None
    found = set()
    for entity in activity.entities or []:
        mentioned = getattr(entity, "mentioned", None)
        said = getattr(entity, "text", None)
        if mentioned is not None and getattr(mentioned, "id", None) == bot_id and said:
            found.add(said)
    return found


def clinician_text(activity: Activity) -> str:
    """The clinician's words: the text without the mention of the bot (a colleague mentioned
    in the answer keeps their name), or a button's answer."""
    ours = _bot_mentions(activity)
    name = activity.recipient.name if activity.recipient else None

    def unmention(m: re.Match[str]) -> str:
        is_bot = m.group(0) in ours or (name is not None and m.group(1).strip() == name)
        return " " if is_bot else m.group(1)

    text = _AT_NAME.sub(unmention, activity.text or "")
    text = " ".join(text.replace("&nbsp;", " ").split())
    if text:
        return text
    return (cards.answer_from_value(activity.value) or "").strip()


def _command(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


# ---- handling -----------------------------------------------------------------------------


class _Replier:
    """Sends replies into the activity's conversation, stopping at the first failure (the
    turn is stored either way; the clinician sees it in the transcript)."""

    def __init__(self, activity: Activity, connector: Connector) -> None:
        self.activity, self.connector = activity, connector
        self.sent: list[dict[str, Any]] = []
        self.ok = True

    def __call__(self, reply: dict[str, Any]) -> None:
        if not self.ok:
            return
        a = self.activity
        reply = {
            **reply,
            "conversation": {"id": a.conversation.id},
            "from": {"id": a.recipient.id, "name": a.recipient.name} if a.recipient else None,
            "recipient": {"id": a.from_property.id} if a.from_property else None,
            "replyToId": a.id,
        }
        reply = {k: v for k, v in reply.items() if v is not None}
        try:
            self.connector.send(
                service_url=a.service_url,
                conversation_id=a.conversation.id,
                activity=reply,
                reply_to_id=a.id,
            )
            self.sent.append(reply)
        except ConnectorError as exc:
            self.ok = False
            log.warning("Teams: a reply was not delivered: %s", exc)

    def text(self, text: str, choices: list[tuple[str, str]] | None = None) -> None:
        self(cards.as_json(cards.text_activity(text, choices)))


def handle_activity(
    db: Session, *, activity: Activity, bot: BotClient, connector: Connector, settings: Settings
) -> Outcome:
    reply = _Replier(activity, connector)
    kind = "ignored"
    if activity.type == "message":
        kind = _on_message(db, activity=activity, bot=bot, reply=reply, settings=settings)
    elif activity.type == "conversationUpdate":
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            reply.text(WELCOME)
            kind = "welcome"
    return Outcome(kind, reply.sent, reply.ok)


def _conversation(db: Session, activity: Activity) -> TeamsConversation | None:
    return db.scalar(
        select(TeamsConversation).where(
            TeamsConversation.conversation_id == activity.conversation.id
        )
    )


def _point_at(db: Session, activity: Activity, screening_id: str) -> None:
    conv = _conversation(db, activity)
    if conv is None:
        conv = TeamsConversation(conversation_id=activity.conversation.id)
        db.add(conv)
    conv.service_url = activity.service_url
    conv.tenant_id = tenant_of(activity)
    conv.screening_id = screening_id
    conv.started_by_activity = activity.id
    conv.updated_at = utcnow()
    try:
        db.commit()
    except IntegrityError:  # the same new conversation raced in: the later start wins
        db.rollback()
        conv = _conversation(db, activity)
        if conv is not None:
            conv.screening_id, conv.updated_at = screening_id, utcnow()
            db.commit()


def _on_message(
    db: Session, *, activity: Activity, bot: BotClient, reply: _Replier, settings: Settings
) -> str:
    aad = activity.from_property.aad_object_id if activity.from_property else None
    user = linked_user(db, aad)
    if user is None:
        reply.text(NOT_LINKED)
        return "not_linked"
    text = clinician_text(activity)
    if not text:
        reply.text(EMPTY)
        return "empty"
    command = _command(text)
    conv = _conversation(db, activity)
    screening_id = conv.screening_id if conv is not None else None
    try:
        before = _decided(db, screening_id)
        if activity.id and conv is not None and conv.started_by_activity == activity.id:
            return "duplicate"  # this start was handled when Teams first delivered it
        if command in NEW_COMMANDS or screening_id is None:
            turn = screenings.create_screening(db, user=user, bot=bot)
            _point_at(db, activity, turn.screening.id)
            reply.text(STARTED)
            if command not in NEW_COMMANDS | GREETINGS:
                reply.text(NOT_KEPT)
            before, kind = {}, "started"
        elif command in RESEND_COMMANDS:
            turn = screenings.retry_last(db, user=user, bot=bot, screening_id=screening_id)
            kind = "resent"
        else:
            turn = screenings.send_message(
                db,
                user=user,
                bot=bot,
                screening_id=screening_id,
                text=text,
                client_message_id=f"teams:{activity.id}"[:100] if activity.id else None,
                max_chars=settings.max_message_chars,
                stale_after=settings.rasa_timeout * 3,
            )
            kind = "answered"
    except (screenings.Forbidden, screenings.NotFound):
        reply.text(NOT_YOURS)
        return "not_yours"
    except screenings.Conflict as exc:
        if command in RESEND_COMMANDS:
            reply.text(NOTHING_TO_RESEND)
        else:
            reply.text(f"Sorry: {exc}.")
        return "conflict"
    except screenings.Invalid as exc:
        reply.text(f"Sorry: {exc}.")
        return "invalid"
    if turn.duplicate:  # Teams delivered the same activity again: answered the first time
        return "duplicate"
    if not turn.delivered:
        reply.text(turn.notice or screenings.UNAVAILABLE, [("Resend", cards.RESEND)])
        return "bot_unavailable"
    screening = turn.screening
    for activity_out in cards.turn_activities(turn.replies, screening.asking):
        reply(activity_out)
    # the verdict card when the screening completes, and again whenever a verdict changes
    if screening.status == COMPLETE and _decided(db, screening.id) != before:
        reply(cards.verdict_card(list(screening.verdicts), screening.id))
        kind = "complete"
    return kind


def _decided(db: Session, screening_id: str | None) -> dict[str, Any]:
    """What the clinician has been told is decided: status and verdicts, to know when the
    verdict card is news."""
    screening = db.get(Screening, screening_id) if screening_id else None
    if screening is None or screening.status != COMPLETE:
        return {}
    db.refresh(screening)
    return {v.trial: (v.status, tuple(v.reasons or [])) for v in screening.verdicts}
