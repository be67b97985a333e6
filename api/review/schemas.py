from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from api.screenings.schemas import UserBrief


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["sign_off", "overrule"]
    reason: StrictStr = Field(min_length=1, max_length=2000, description="Required.")
    status: Literal["eligible", "ineligible", "incomplete"] | None = Field(
        None, description="overrule: the reviewer's verdict."
    )


def _calendar_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would otherwise read "0" or "1700000000" as a Unix time, and a
    typo would silently filter on 1970."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("use a calendar date, YYYY-MM-DD")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


class QueueFilters(BaseModel):
    trial: str | None = None
    verdict: Literal["eligible", "ineligible", "incomplete"] | None = None
    review_state: Literal["pending", "signed_off", "overruled"] | None = None
    clinician: str | None = Field(None, description="User id or email.")
    date_from: CalendarDate | None = None
    date_to: CalendarDate | None = None
    status: Literal["in_progress", "complete"] | None = None


class QueueItem(BaseModel):
    screening_id: str
    screened_at: datetime
    screening_status: str
    clinician: UserBrief
    patient_ref: str | None
    trial: str
    title: str
    status: str
    effective_status: str
    review_state: str
    reviewed_by: UserBrief | None
    reviewed_at: datetime | None


class QueuePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[QueueItem]


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor: UserBrief | None
    action: str
    screening_id: str | None
    trial: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditRead]
