from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.screenings.schemas import UserBrief


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["sign_off", "overrule"]
    reason: StrictStr = Field(min_length=1, max_length=2000, description="Required.")
    status: Literal["eligible", "ineligible", "incomplete"] | None = Field(
        None, description="overrule: the reviewer's verdict."
    )


class QueueFilters(BaseModel):
    trial: str | None = None
    verdict: Literal["eligible", "ineligible", "incomplete"] | None = None
    review_state: Literal["pending", "signed_off", "overruled"] | None = None
    clinician: str | None = Field(None, description="User id or email.")
    date_from: date | None = None
    date_to: date | None = None
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
