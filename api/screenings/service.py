"""Screenings: store the clinician's message, forward it, store the replies and the verdicts.

Keyword-only functions taking the session.  The order of a turn is the product's promise:
1. the clinician's message is committed before anything is sent to Rasa;
2. it is forwarded (sender = screening id, the clinician in metadata);
3. the replies and the screening payload are stored as records (verdict rows with evidence);
4. if the bot is down, slow or silent, a system notice is stored instead and the message is
   marked failed; resending it (same client_message_id, or the retry endpoint) forwards it again.

The API, not Rasa, is the system of record.  Every message carries the stored screening (facts,
evidence, the fact being asked) as `screening_record` metadata, from which the bot rebuilds a
conversation it has lost (bot/actions/restore.py).  A bot answer that would drop facts already
recorded (a tracker store restored from an old backup, say) is never applied: the message goes
once more to a fresh conversation rebuilt from the record, and if that too would lose facts the
turn is refused with a notice and the stored screening stays as it was.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.review.service import record_event
from api.screenings.bot_client import BotClient, BotUnavailable
from api.screenings.models import (
    ANSWERED,
    BOT,
    CLINICIAN,
    COMPLETE,
    FAILED,
    IN_PROGRESS,
    PENDING,
    SYSTEM,
    Message,
    Screening,
    VerdictRecord,
)
from api.screenings.schemas import BotScreening
from api.users.models import User
from criteria.screening import with_texts

log = logging.getLogger(__name__)

START = "/start_screening"
UNAVAILABLE = "The screening assistant is not answering; your message is saved, please resend."
BEHIND = (
    "The screening assistant had lost some of this patient's answers; nothing was changed. "
    "Your message is saved, please resend."
)
RECORD = "screening_record"  # the metadata key bot/actions/restore.py reads
STAFF = ("coordinator", "admin")


class NotFound(LookupError):
    pass


class Forbidden(PermissionError):
    pass


class Conflict(RuntimeError):
    pass


class Invalid(ValueError):
    pass


@dataclass
class Turn:
    screening: Screening
    message: Message
    delivered: bool
    replies: list[Message] = field(default_factory=list)
    duplicate: bool = False
    notice: str | None = None


# One turn at a time per screening (Rasa keys its tracker by sender): a lock in this process,
# and on PostgreSQL an advisory lock too, so that API replicas sharing the database also take
# one screening's messages one at a time, in the order they got the lock.
# (weak: a screening's lock goes when no turn holds it, so the API's memory does not grow with
# the number of screenings it has served)
_locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


@contextmanager
def _lock(screening_id: str, db: Session) -> Iterator[None]:
    with _locks_guard:
        local = _locks.setdefault(screening_id, threading.Lock())
    with local:
        bind = db.get_bind()
        if bind.dialect.name != "postgresql":
            yield
            return
        key = int.from_bytes(hashlib.sha256(screening_id.encode()).digest()[:8], "big", signed=True)
        # its own connection: the session commits (and gives back its connection) mid-turn
        with bind.connect() as conn:
            conn.execute(sql("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sql("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


@lru_cache
def open_trials() -> dict[str, Any]:
    from criteria import load_trials

    return load_trials()


# ---- access -------------------------------------------------------------------------------


def can_see_patient_ref(*, user: User, screening: Screening) -> bool:
    return user.role in STAFF or screening.clinician_id == user.id


def get_visible(db: Session, *, user: User, screening_id: str) -> Screening:
    """The screening if this user may see it; NotFound otherwise (never says it exists)."""
    screening = db.get(Screening, screening_id) if len(screening_id) <= 32 else None
    if screening is None or (user.role not in STAFF and screening.clinician_id != user.id):
        raise NotFound("screening not found")
    return screening


def get_own(db: Session, *, user: User, screening_id: str) -> Screening:
    screening = get_visible(db, user=user, screening_id=screening_id)
    if screening.clinician_id != user.id:
        raise Forbidden("only the clinician who started a screening can continue it")
    return screening


def list_screenings(
    db: Session, *, user: User, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[Screening]]:
    query = select(Screening)
    if user.role not in STAFF:
        query = query.where(Screening.clinician_id == user.id)
    if status:
        query = query.where(Screening.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(Screening.created_at.desc(), Screening.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def review_state(screening: Screening) -> str:
    states = {v.review_state for v in screening.verdicts}
    if not states:
        return "none"
    if states == {"pending"}:
        return "pending"
    if "pending" in states:
        return "partial"
    return "reviewed"


@contextmanager
def _own_and_locked(db: Session, *, user: User, screening_id: str) -> Iterator[Screening]:
    """The user's screening, read once its turn lock is held: as the last turn left it, in one
    read (an id that is no screening of theirs takes a lock nobody else wants)."""
    with _lock(screening_id, db):
        yield get_own(db, user=user, screening_id=screening_id)


# ---- turns --------------------------------------------------------------------------------


def create_screening(
    db: Session,
    *,
    user: User,
    bot: BotClient,
    trials: list[str] | None = None,
    patient_ref: str | None = None,
) -> Turn:
    if trials is not None:
        known = open_trials()
        unknown = [t for t in trials if t not in known]
        if unknown:
            raise Invalid(f"unknown trial(s): {', '.join(unknown)}; see GET /api/trials")
        if not trials:
            raise Invalid("trials must name at least one trial, or be omitted")
        trials = list(dict.fromkeys(trials))
    screening = Screening(
        clinician_id=user.id,
        patient_ref=patient_ref.strip() if patient_ref and patient_ref.strip() else None,
        requested_trials=trials,
    )
    db.add(screening)
    db.flush()
    message = _append(db, screening, sender=CLINICIAN, user_id=user.id, text=START, status=PENDING)
    record_event(
        db,
        actor=user,
        action="screening_created",
        screening_id=screening.id,
        after={"trials": trials, "patient_ref_given": screening.patient_ref is not None},
    )
    db.commit()
    with _lock(screening.id, db):
        return _forward(db, screening=screening, message=message, user=user, bot=bot)


def send_message(
    db: Session,
    *,
    user: User,
    bot: BotClient,
    screening_id: str,
    text: str,
    client_message_id: str | None = None,
    max_chars: int = 5000,
    stale_after: float = 30.0,
) -> Turn:
    with _own_and_locked(db, user=user, screening_id=screening_id) as screening:
        if not text.strip():
            raise Invalid("text must not be blank")
        if len(text) > max_chars:
            raise Invalid(f"text is longer than {max_chars} characters")
        existing = None
        if client_message_id is not None:
            existing = db.scalar(
                select(Message).where(
                    Message.screening_id == screening.id,
                    Message.client_message_id == client_message_id,
                )
            )
        if existing is not None:
            message = existing
            if message.text != text:
                raise Conflict("this client_message_id was already used for a different text")
            if message.status == ANSWERED:
                return _stored_turn(db, screening=screening, message=message)
            if message.status == PENDING and message.created_at > utcnow() - timedelta(
                seconds=stale_after
            ):
                raise Conflict("this message is still being processed; retry shortly")
        counted = False
        if existing is None:
            try:
                message = _append(
                    db,
                    screening,
                    sender=CLINICIAN,
                    user_id=user.id,
                    text=text,
                    status=PENDING,
                    client_message_id=client_message_id,
                )
                # Forwarded right away (the usual turn): the attempt is counted in the same
                # commit that stores the message, one database commit fewer per turn.
                counted = screening.started
                if counted:
                    message.attempts += 1
                db.commit()
            except IntegrityError as exc:  # the same client_message_id raced in
                db.rollback()
                raise Conflict("this client_message_id is being processed; retry shortly") from exc
        if not screening.started:
            start = _start_message(db, screening)
            if start is not None and start.status != ANSWERED:
                turn = _forward(db, screening=screening, message=start, user=user, bot=bot)
                if not turn.delivered:
                    message.status = FAILED
                    db.commit()
                    return Turn(
                        screening,
                        message,
                        delivered=False,
                        replies=turn.replies,
                        notice=turn.notice,
                    )
        return _forward(
            db, screening=screening, message=message, user=user, bot=bot, counted=counted
        )


def _stored_turn(db: Session, *, screening: Screening, message: Message) -> Turn:
    replies = list(
        db.scalars(
            select(Message)
            .where(Message.reply_to_id == message.id, Message.sender == BOT)
            .order_by(Message.seq)
        )
    )
    return Turn(screening, message, delivered=True, replies=replies, duplicate=True)


def retry_last(db: Session, *, user: User, bot: BotClient, screening_id: str) -> Turn:
    """Forward again the last clinician message the bot did not answer."""
    with _own_and_locked(db, user=user, screening_id=screening_id) as screening:
        failed = db.scalar(
            select(Message)
            .where(
                Message.screening_id == screening.id,
                Message.sender == CLINICIAN,
                Message.status.in_([FAILED, PENDING]),
            )
            .order_by(Message.seq.desc())
        )
        if failed is None:
            raise Conflict("nothing to resend: every message has been answered")
        return _forward(db, screening=screening, message=failed, user=user, bot=bot)


def _start_message(db: Session, screening: Screening) -> Message | None:
    return db.scalar(
        select(Message)
        .where(
            Message.screening_id == screening.id, Message.sender == CLINICIAN, Message.text == START
        )
        .order_by(Message.seq)
    )


def _append(db: Session, screening: Screening, **fields: Any) -> Message:
    return _append_all(db, screening, [fields])[0]


def _append_all(db: Session, screening: Screening, rows: list[dict[str, Any]]) -> list[Message]:
    """Add messages at the end of the transcript, in order (one lookup for all).

    Not flushed: the turn's commit writes them with everything else it changed, in one flush
    (each flush has a fixed cost, and a turn used to make five)."""
    seq = db.scalar(select(func.max(Message.seq)).where(Message.screening_id == screening.id)) or 0
    messages = [
        Message(screening_id=screening.id, seq=seq + n, **{"attempts": 0, **fields})
        for n, fields in enumerate(rows, 1)
    ]
    db.add_all(messages)
    return messages


def _forward(
    db: Session,
    *,
    screening: Screening,
    message: Message,
    user: User,
    bot: BotClient,
    counted: bool = False,
) -> Turn:
    kind, detail, replies, payload = _ask_bot(
        db, screening=screening, message=message, bot=bot, counted=counted
    )
    lost = _lost_facts(screening, payload)
    if lost:
        # The bot's conversation is behind the record: rebuild it from the record, once.
        log.warning(
            "screening %s: the bot's answer would lose %d recorded fact(s); "
            "resending to a conversation rebuilt from the record",
            screening.id,
            len(lost),
        )
        screening.bot_state = {
            **(screening.bot_state or {}),
            CONVERSATION: _conversation(screening) + 1,
        }
        kind, detail, replies, payload = _ask_bot(db, screening=screening, message=message, bot=bot)
        lost = _lost_facts(screening, payload)
        if lost:
            kind, detail, payload = "behind", f"the answer would lose: {', '.join(lost)}", None
    if payload is None:
        notice_text = BEHIND if kind == "behind" else UNAVAILABLE
        log.warning("screening %s: bot turn failed (%s): %s", screening.id, kind, detail)
        message.status = FAILED
        notice = _append(
            db,
            screening,
            sender=SYSTEM,
            text=notice_text,
            reply_to_id=message.id,
            payload={
                "kind": kind,
                "detail": detail,
                "attempt": message.attempts,
                "partial_replies": replies,
            },
        )
        db.commit()
        return Turn(screening, message, delivered=False, replies=[notice], notice=notice_text)
    stored = _store_replies(db, screening=screening, message=message, replies=replies)
    _apply_payload(db, screening=screening, payload=payload, source=stored[-1], actor=user)
    message.status = ANSWERED
    screening.started = True
    screening.updated_at = utcnow()
    db.commit()
    return Turn(screening, message, delivered=True, replies=stored)


CONVERSATION = "conversation"  # in Screening.bot_state: which Rasa conversation holds it


def _conversation(screening: Screening) -> int:
    value = (screening.bot_state or {}).get(CONVERSATION, 0)
    return value if isinstance(value, int) else 0


def sender_of(screening: Screening) -> str:
    """The Rasa conversation (sender id) of a screening: its id, or id~N once rebuilt N times."""
    number = _conversation(screening)
    return screening.id if number == 0 else f"{screening.id}~{number}"


def record_of(screening: Screening) -> dict[str, Any] | None:
    """What the bot needs to rebuild this screening: the stored facts and the fact asked."""
    state = screening.bot_state
    if not state or not state.get("trials"):
        return None
    return {
        "state": {k: state.get(k) for k in ("trials", "versions", "records", "texts")},
        "asked": (screening.asking or {}).get("fact"),
        "status": screening.status,
    }


def _lost_facts(screening: Screening, payload: BotScreening | None) -> list[str]:
    """Facts on record that the bot's answer no longer has (unless the clinician restarted).

    Derived facts do not count: they follow another answer (a man is not pregnant) and go
    when that answer is corrected."""
    if payload is None or payload.restarted or not screening.bot_state:
        return []
    before = screening.bot_state.get("records") or {}
    after = (payload.state or {}).get("records") or {}
    answered = {
        fact
        for fact, record in before.items()
        if not (isinstance(record, dict) and record.get("source") == "derived")
    }
    return sorted(answered - set(after))


def _ask_bot(
    db: Session, *, screening: Screening, message: Message, bot: BotClient, counted: bool = False
) -> tuple[str | None, str, list[dict], BotScreening | None]:
    """One try: (failure kind or None, detail, the replies, the screening payload if usable).

    The attempt is committed before the message goes out (`counted`: it already was)."""
    metadata: dict[str, Any] = {
        "screening_id": screening.id,
        "clinician": screening.clinician_id,
        "trials": screening.requested_trials,
    }
    record = record_of(screening)
    if record is not None:
        metadata[RECORD] = record
    if not counted:
        message.attempts += 1
        db.commit()
    kind, detail, replies = None, "", []
    try:
        replies = bot.send(sender=sender_of(screening), message=message.text, metadata=metadata)
    except BotUnavailable as exc:
        kind, detail = exc.kind, exc.detail
    payload: BotScreening | None = None
    if kind is None:
        customs = [
            r["custom"]["screening"]
            for r in replies
            if isinstance(r.get("custom"), dict) and "screening" in r["custom"]
        ]
        if not replies:
            kind, detail = "silent", "the assistant returned no messages"
        elif not customs:
            kind, detail = "no_payload", "the reply had no screening payload (action server down?)"
        else:
            try:
                payload = BotScreening.model_validate(customs[-1])
            except ValidationError as exc:
                kind = "bad_payload"
                detail = f"the screening payload is malformed: {exc.error_count()} error(s)"
    return kind, detail, replies, payload


def _store_replies(
    db: Session, *, screening: Screening, message: Message, replies: list[dict]
) -> list[Message]:
    rows = []
    for reply in replies:
        custom = reply.get("custom")
        text = reply.get("text")
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in reply.get("buttons") or []
            if isinstance(b, dict)
        ]
        if isinstance(custom, dict):
            payload = custom
        elif text is None and not buttons:
            payload = {"other": reply}  # image, attachment...: kept, not shown as text
        else:
            payload = None
        rows.append(
            {
                "sender": BOT,
                "text": str(text or ""),
                "buttons": buttons or None,
                "payload": payload,
                "reply_to_id": message.id,
            }
        )
    return _append_all(db, screening, rows)


def _apply_payload(
    db: Session, *, screening: Screening, payload: BotScreening, source: Message, actor: User
) -> None:
    screening.asking = payload.asking.model_dump() if payload.asking else None
    texts = (payload.state or {}).get("texts")
    texts = texts if isinstance(texts, dict) else {}
    conversation = _conversation(screening)
    screening.bot_state = dict(payload.state or {})
    if conversation:
        screening.bot_state[CONVERSATION] = conversation
    screening.status = COMPLETE if payload.status == "complete" else IN_PROGRESS
    if screening.status == COMPLETE and screening.completed_at is None:
        screening.completed_at = utcnow()
    with db.no_autoflush:  # the turn's changes are written once, by its commit
        current = {v.trial: v for v in screening.verdicts}
    for slug, verdict in payload.verdicts.items():
        row = current.get(slug)
        if row is None:
            row = VerdictRecord(screening_id=screening.id, trial=slug)
            db.add(row)
            screening.verdicts.append(row)
        elif row.review_state != "pending" and row.status != verdict.status:
            # The clinician changed an answer after review: the review no longer holds.
            record_event(
                db,
                actor=actor,
                action="review_reset",
                screening_id=screening.id,
                trial=slug,
                before={
                    "status": row.status,
                    "review_state": row.review_state,
                    "final_status": row.final_status,
                },
                after={"status": verdict.status, "review_state": "pending"},
                reason="the verdict changed after review",
            )
            row.review_state, row.final_status = "pending", None
            row.reviewed_by_id = row.reviewed_at = row.review_reason = None
        row.title = verdict.title
        row.status = verdict.status
        row.version = verdict.version
        row.reasons = verdict.reasons
        # the bot quotes the clinician by turn (criteria Screening.snapshot); stored verdicts
        # keep the words in every evidence entry, as coordinators read them
        row.criteria = [
            {**c.model_dump(), "evidence": [with_texts(e.model_dump(), texts) for e in c.evidence]}
            for c in verdict.criteria
        ]
        row.to_confirm = verdict.to_confirm
        row.unknown_facts = verdict.unknown_facts
        row.message = source  # its id once the commit writes it
        row.updated_at = utcnow()
