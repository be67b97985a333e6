"""Screenings, their transcript (both sides) and the current verdict per trial."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, JSONType, UTCDateTime, new_id, utcnow
from api.users.models import User

IN_PROGRESS, COMPLETE = "in_progress", "complete"
# Message.sender
CLINICIAN, BOT, SYSTEM = "clinician", "bot", "system"
# Message.status of a clinician message
PENDING, ANSWERED, FAILED = "pending", "answered", "failed"


class Screening(Base):
    __tablename__ = "screenings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    clinician_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    patient_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    requested_trials: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    started: Mapped[bool] = mapped_column(default=False)  # the bot answered /start_screening
    asking: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    bot_state: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    clinician: Mapped[User] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="screening", order_by="Message.seq"
    )
    verdicts: Mapped[list[VerdictRecord]] = relationship(
        back_populates="screening", order_by="VerdictRecord.trial"
    )


class Message(Base):
    """One line of the transcript: the clinician's words, a bot reply, or a system notice."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("screening_id", "client_message_id"),
        # a turn finds the screening's last message by this index (migration 0003)
        Index("ix_messages_screening_seq", "screening_id", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, nullable=True)
    # Bot: the custom screening payload that came with this turn (on the last reply).
    # System: what went wrong (kind, detail, any partial replies).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    client_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="messages")
    user: Mapped[User | None] = relationship()


class VerdictRecord(Base):
    """The latest verdict the bot reported for one trial, with per-criterion evidence, and its
    review state.  Review history lives in the append-only audit trail."""

    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("screening_id", "trial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"), index=True)
    trial: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[str] = mapped_column(String(100), default="")
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    to_confirm: Mapped[list[str]] = mapped_column(JSONType, default=list)
    unknown_facts: Mapped[list[str]] = mapped_column(JSONType, default=list)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Review: pending | signed_off | overruled
    review_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    final_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reviewed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    screening: Mapped[Screening] = relationship(back_populates="verdicts")
    message: Mapped[Message | None] = relationship()  # the bot reply that reported it
    reviewed_by: Mapped[User | None] = relationship()

    @property
    def effective_status(self) -> str:
        return self.final_status or self.status
