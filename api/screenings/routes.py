from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from api.core.db import DbSession
from api.core.errors import CONFLICT
from api.core.limits import Offset
from api.core.security import CurrentUser
from api.review.service import record_event
from api.screenings import service
from api.screenings.bot_client import BotClient
from api.screenings.models import Message, Screening, VerdictRecord
from api.screenings.schemas import (
    BotUnavailableRead,
    MessageCreate,
    Reply,
    ReviewRead,
    ScreeningCreate,
    ScreeningPage,
    ScreeningRead,
    ScreeningSummary,
    TranscriptEntry,
    TrialRead,
    TurnRead,
    UserBrief,
    VerdictRead,
)
from api.users.models import User

router = APIRouter(prefix="/api", tags=["screenings"])


def get_bot(request: Request) -> BotClient:
    return request.app.state.bot


Bot = Annotated[BotClient, Depends(get_bot)]
UNAVAILABLE_RESPONSE = {
    503: {"model": BotUnavailableRead, "description": "The assistant did not answer; resend."},
    **CONFLICT,
}


# ---- serialisers --------------------------------------------------------------------------


def user_brief(user: User) -> UserBrief:
    return UserBrief(id=user.id, email=user.email, name=user.name, role=user.role)


def verdict_read(row: VerdictRecord) -> VerdictRead:
    return VerdictRead(
        trial=row.trial,
        title=row.title,
        status=row.status,
        effective_status=row.effective_status,
        reasons=row.reasons or [],
        criteria=row.criteria or [],
        to_confirm=row.to_confirm or [],
        unknown_facts=row.unknown_facts or [],
        version=row.version,
        updated_at=row.updated_at,
        review=ReviewRead(
            state=row.review_state,
            final_status=row.final_status,
            reviewed_by=user_brief(row.reviewed_by) if row.reviewed_by else None,
            reviewed_at=row.reviewed_at,
            reason=row.review_reason,
        ),
    )


def turn_response(turn: service.Turn) -> TurnRead | JSONResponse:
    screening = turn.screening
    if not turn.delivered:
        body = BotUnavailableRead(
            detail=turn.notice or service.UNAVAILABLE,
            screening_id=screening.id,
            message_id=turn.message.id,
            client_message_id=turn.message.client_message_id,
        )
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return turn_read(turn)


def turn_read(turn: service.Turn) -> TurnRead:
    screening = turn.screening
    return TurnRead(
        screening_id=screening.id,
        message_id=turn.message.id,
        client_message_id=turn.message.client_message_id,
        delivered=turn.delivered,
        duplicate=turn.duplicate,
        notice=turn.notice,
        replies=[
            Reply(text=m.text, buttons=m.buttons or []) for m in turn.replies if m.text or m.buttons
        ],
        asking=screening.asking,
        status=screening.status,
        verdicts={v.trial: verdict_read(v) for v in screening.verdicts},
    )


def transcript_entry(m: Message) -> TranscriptEntry:
    who = {"bot": "assistant", "system": "system"}.get(m.sender)
    return TranscriptEntry(
        id=m.id,
        seq=m.seq,
        sender=m.sender,
        who=who or (m.user.email if m.user else "unknown"),
        text=m.text,
        buttons=m.buttons or [],
        at=m.created_at,
        client_message_id=m.client_message_id,
        status=m.status,
        attempts=m.attempts,
        reply_to=m.reply_to_id,
        metadata=m.payload,
    )


def screening_read(screening: Screening, user: User) -> ScreeningRead:
    show_ref = service.can_see_patient_ref(user=user, screening=screening)
    return ScreeningRead(
        id=screening.id,
        clinician=user_brief(screening.clinician),
        patient_ref=screening.patient_ref if show_ref else None,
        requested_trials=screening.requested_trials,
        status=screening.status,
        started=screening.started,
        created_at=screening.created_at,
        updated_at=screening.updated_at,
        completed_at=screening.completed_at,
        asking=screening.asking,
        trial_versions={v.trial: v.version for v in screening.verdicts},
        review_state=service.review_state(screening),
        verdicts=[verdict_read(v) for v in screening.verdicts],
        transcript=[transcript_entry(m) for m in screening.messages],
    )


# ---- routes -------------------------------------------------------------------------------


@router.get("/trials", response_model=list[TrialRead])
def list_trials(_user: CurrentUser) -> list[TrialRead]:
    """Open trials: slug, verbatim title, criteria count, trial file version."""
    return [TrialRead(**t.summary()) for t in service.open_trials().values()]


@router.post(
    "/screenings",
    response_model=TurnRead,
    status_code=status.HTTP_201_CREATED,
    responses={201: {"description": "Created; `delivered` is false if the assistant is down."}},
)
def create_screening(body: ScreeningCreate, db: DbSession, user: CurrentUser, bot: Bot):
    """Start a screening.  The screening is stored even when the assistant is not answering
    (then `delivered` is false, `notice` says so, and the next message or `/retry` starts it)."""
    turn = service.create_screening(
        db, user=user, bot=bot, trials=body.trials, patient_ref=body.patient_ref
    )
    return turn_read(turn)


@router.get("/screenings", response_model=ScreeningPage)
def list_screenings(
    db: DbSession,
    user: CurrentUser,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(in_progress|complete)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> ScreeningPage:
    """Clinicians: their own screenings; coordinators and admins: all."""
    total, rows = service.list_screenings(db, user=user, status=status_, limit=limit, offset=offset)
    return ScreeningPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            ScreeningSummary(
                id=s.id,
                clinician=user_brief(s.clinician),
                patient_ref=s.patient_ref
                if service.can_see_patient_ref(user=user, screening=s)
                else None,
                status=s.status,
                created_at=s.created_at,
                completed_at=s.completed_at,
                review_state=service.review_state(s),
                verdicts={v.trial: v.effective_status for v in s.verdicts},
            )
            for s in rows
        ],
    )


@router.get("/screenings/{screening_id}", response_model=ScreeningRead)
def get_screening(screening_id: str, db: DbSession, user: CurrentUser) -> ScreeningRead:
    """Transcript (both sides), verdicts with per-criterion evidence, versions, review state.
    Every read is recorded in the audit trail."""
    screening = service.get_visible(db, user=user, screening_id=screening_id)
    record_event(db, actor=user, action="transcript_read", screening_id=screening.id)
    db.commit()
    return screening_read(screening, user)


@router.post(
    "/screenings/{screening_id}/messages", response_model=TurnRead, responses=UNAVAILABLE_RESPONSE
)
def send_message(
    screening_id: str,
    body: MessageCreate,
    request: Request,
    db: DbSession,
    user: CurrentUser,
    bot: Bot,
):
    """Send the clinician's message; it is stored before it is forwarded.  On 503 it is saved:
    send it again (same client_message_id) or POST .../retry."""
    settings = request.app.state.settings
    turn = service.send_message(
        db,
        user=user,
        bot=bot,
        screening_id=screening_id,
        text=body.text,
        client_message_id=body.client_message_id,
        max_chars=settings.max_message_chars,
        stale_after=settings.rasa_timeout * 3,
    )
    return turn_response(turn)


@router.post(
    "/screenings/{screening_id}/retry", response_model=TurnRead, responses=UNAVAILABLE_RESPONSE
)
def retry(screening_id: str, db: DbSession, user: CurrentUser, bot: Bot):
    """Forward again the last message the assistant did not answer."""
    return turn_response(service.retry_last(db, user=user, bot=bot, screening_id=screening_id))
