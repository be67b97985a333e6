"""Who a Teams user is here, and which screening a Teams conversation is on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.core.db import Base, UTCDateTime, new_id, utcnow
from api.screenings.models import Screening
from api.users.models import User


class TeamsUserLink(Base):
    """An admin's statement that this Entra ID (AAD) user is this screener account.  Teams
    users without a link are refused: the screener never guesses who is asking."""

    __tablename__ = "teams_user_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    aad_object_id: Mapped[str] = mapped_column(String(36), unique=True, index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TeamsConversation(Base):
    """A Teams conversation and the screening it is on now ("new screening" moves it on; the
    earlier screenings stay whole in the screenings table)."""

    __tablename__ = "teams_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(String(500), unique=True, index=True)
    tenant_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_url: Mapped[str] = mapped_column(String(500))
    screening_id: Mapped[str | None] = mapped_column(ForeignKey("screenings.id"), nullable=True)
    # The activity that started the current screening: Teams delivers an activity again when
    # the answer was slow, and the same start must not open a second screening.
    started_by_activity: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    screening: Mapped[Screening | None] = relationship()
