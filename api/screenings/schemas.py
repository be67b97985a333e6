"""Request and response bodies of the screening API, and the bot's screening payload."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

MAX_TEXT = 5000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---- the Rasa contract (lenient: the bot may add fields) ----------------------------------


class Button(BaseModel):
    title: str
    payload: str


class Asking(Lenient):
    fact: str | None = None
    question: str | None = None
    expected: Any = None
    quick_replies: list[Any] = Field(default_factory=list)


class Evidence(Lenient):
    fact: str
    label: str | None = None
    value: Any = None
    display: str | None = None
    text: str | None = None
    turn: int | None = None
    source: str | None = None


class CriterionOut(Lenient):
    id: str
    type: str | None = None
    text: str | None = None
    status: str | None = None
    passes: bool | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    enrollment: str | None = None
    correction: str | None = None
    note: str | None = None


class BotVerdict(Lenient):
    trial: str | None = None
    title: str = ""
    status: Literal["eligible", "ineligible", "incomplete"]
    reasons: list[str] = Field(default_factory=list)
    criteria: list[CriterionOut] = Field(default_factory=list)
    to_confirm: list[str] = Field(default_factory=list)
    unknown_facts: list[str] = Field(default_factory=list)
    version: str = ""


class BotScreening(Lenient):
    asking: Asking | None = None
    recorded: list[Any] = Field(default_factory=list)
    rejected: list[Any] = Field(default_factory=list)
    corrected: list[Any] = Field(default_factory=list)
    status: Literal["in_progress", "complete"]
    verdicts: dict[str, BotVerdict] = Field(default_factory=dict)
    state: dict[str, Any] | None = None
    restarted: bool = False  # the clinician asked to start over: facts may go


# ---- requests -----------------------------------------------------------------------------


class ScreeningCreate(Strict):
    trials: list[StrictStr] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="Trial slugs (GET /api/trials); omit or null to let the clinician pick.",
    )
    patient_ref: StrictStr | None = Field(
        None, max_length=100, description="Optional local patient reference (role-restricted)."
    )


class MessageCreate(Strict):
    text: StrictStr = Field(min_length=1, max_length=MAX_TEXT)
    client_message_id: StrictStr | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Client-chosen id; sending the same id again is stored and forwarded once.",
    )


# ---- responses ----------------------------------------------------------------------------


class TrialRead(BaseModel):
    slug: str
    title: str
    short_title: str
    criteria_count: int
    version: str


class UserBrief(BaseModel):
    id: str
    email: str
    name: str
    role: str


class Reply(BaseModel):
    text: str
    buttons: list[Button] = Field(default_factory=list)


class ReviewRead(BaseModel):
    state: Literal["pending", "signed_off", "overruled"]
    final_status: str | None = None
    reviewed_by: UserBrief | None = None
    reviewed_at: datetime | None = None
    reason: str | None = None


class VerdictRead(BaseModel):
    trial: str
    title: str
    status: str = Field(description="The bot's verdict: eligible | ineligible | incomplete.")
    effective_status: str = Field(description="The verdict after review (overrule).")
    reasons: list[str]
    criteria: list[CriterionOut]
    to_confirm: list[str]
    unknown_facts: list[str]
    version: str = Field(description="Content hash of the trial file the verdict used.")
    updated_at: datetime
    review: ReviewRead


class TurnRead(BaseModel):
    """What one clinician message produced."""

    screening_id: str
    message_id: int = Field(description="The stored clinician message.")
    client_message_id: str | None = None
    delivered: bool = Field(description="False: the assistant did not answer; resend later.")
    duplicate: bool = Field(False, description="True: this client_message_id was seen before.")
    notice: str | None = Field(None, description="A message for the clinician when undelivered.")
    replies: list[Reply]
    asking: Asking | None = None
    status: Literal["in_progress", "complete"]
    verdicts: dict[str, VerdictRead]


class BotUnavailableRead(BaseModel):
    detail: str
    screening_id: str
    message_id: int
    client_message_id: str | None = None
    retry: bool = True


class TranscriptEntry(BaseModel):
    id: int
    seq: int
    sender: Literal["clinician", "bot", "system"]
    who: str = Field(description="The clinician's email, 'assistant' or 'system'.")
    text: str
    buttons: list[Button] = Field(default_factory=list)
    at: datetime
    client_message_id: str | None = None
    status: str | None = Field(None, description="Clinician messages: pending|answered|failed.")
    attempts: int = 0
    reply_to: int | None = None
    metadata: dict[str, Any] | None = Field(
        None, description="Bot: the screening payload of the turn. System: what went wrong."
    )


class ScreeningRead(BaseModel):
    id: str
    clinician: UserBrief
    patient_ref: str | None = Field(None, description="Shown to coordinators, admins, owner.")
    requested_trials: list[str] | None
    status: Literal["in_progress", "complete"]
    started: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    asking: Asking | None
    trial_versions: dict[str, str]
    review_state: Literal["none", "pending", "partial", "reviewed"]
    verdicts: list[VerdictRead]
    transcript: list[TranscriptEntry]


class ScreeningSummary(BaseModel):
    id: str
    clinician: UserBrief
    patient_ref: str | None = None
    status: str
    created_at: datetime
    completed_at: datetime | None
    review_state: str
    verdicts: dict[str, str] = Field(description="trial -> effective status")


class ScreeningPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ScreeningSummary]
