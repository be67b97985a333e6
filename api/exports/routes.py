from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.core.db import DbSession
from api.core.security import require_role
from api.exports import service
from api.review.schemas import QueueFilters
from api.review.service import record_event
from api.users.models import User

router = APIRouter(prefix="/api/exports", tags=["exports"])
Staff = Annotated[User, Depends(require_role("coordinator", "admin"))]

CSV_RESPONSE = {
    200: {
        "description": "The screening log, one row per screening and trial: "
        + ", ".join(service.COLUMNS),
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get("/screening-log.csv", response_class=Response, responses=CSV_RESPONSE)
def screening_log(
    db: DbSession, staff: Staff, filters: Annotated[QueueFilters, Query()]
) -> Response:
    """Screening log as CSV (date screened, trial, eligible Y/N, reason for screen fail,
    clinician, review state); the same filters as the review queue."""
    body = service.screening_log_csv(db, **filters.model_dump())
    record_event(
        db,
        actor=staff,
        action="screening_log_export",
        after={k: str(v) for k, v in filters.model_dump().items() if v is not None},
    )
    db.commit()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="screening-log.csv"'},
    )
