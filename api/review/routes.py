from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.core.db import DbSession
from api.core.limits import Offset
from api.core.security import require_role
from api.review import service
from api.review.schemas import (
    AuditPage,
    AuditRead,
    QueueFilters,
    QueueItem,
    QueuePage,
    ReviewCreate,
)
from api.screenings import service as screenings
from api.screenings.routes import user_brief, verdict_read
from api.screenings.schemas import VerdictRead
from api.users.models import User

router = APIRouter(prefix="/api", tags=["review"])
Staff = Annotated[User, Depends(require_role("coordinator", "admin"))]
Filters = Annotated[QueueFilters, Query()]


@router.get("/review/queue", response_model=QueuePage)
def review_queue(
    db: DbSession,
    _staff: Staff,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> QueuePage:
    """One row per (screening, trial) verdict, newest first, filtered."""
    total, rows = service.queue(db, limit=limit, offset=offset, **filters.model_dump())
    return QueuePage(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            QueueItem(
                screening_id=s.id,
                screened_at=s.created_at,
                screening_status=s.status,
                clinician=user_brief(u),
                patient_ref=s.patient_ref,
                trial=v.trial,
                title=v.title,
                status=v.status,
                effective_status=v.effective_status,
                review_state=v.review_state,
                reviewed_by=user_brief(v.reviewed_by) if v.reviewed_by else None,
                reviewed_at=v.reviewed_at,
            )
            for v, s, u in rows
        ],
    )


@router.post("/screenings/{screening_id}/verdicts/{trial}/review", response_model=VerdictRead)
def review_verdict(
    screening_id: str, trial: str, body: ReviewCreate, db: DbSession, reviewer: Staff
) -> VerdictRead:
    """Sign off or overrule one verdict, with a reason; appended to the audit trail."""
    screenings.get_visible(db, user=reviewer, screening_id=screening_id)
    try:
        row = service.review_verdict(
            db,
            reviewer=reviewer,
            screening_id=screening_id,
            trial=trial,
            action=body.action,
            reason=body.reason,
            status=body.status,
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return verdict_read(row)


@router.get("/audit", response_model=AuditPage)
def audit_trail(
    db: DbSession,
    _staff: Staff,
    screening_id: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> AuditPage:
    total, rows = service.list_events(
        db, screening_id=screening_id, action=action, limit=limit, offset=offset
    )
    return AuditPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            AuditRead(
                id=e.id,
                at=e.at,
                actor=user_brief(e.actor) if e.actor else None,
                action=e.action,
                screening_id=e.screening_id,
                trial=e.trial,
                before=e.before,
                after=e.after,
                reason=e.reason,
            )
            for e in rows
        ],
    )
