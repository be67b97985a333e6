"""Review: the coordinator queue, sign-off and overrule, and the append-only audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.core.db import utcnow
from api.review.models import AuditEvent
from api.users.models import User

VERDICTS = ("eligible", "ineligible", "incomplete")
REVIEW_STATES = ("pending", "signed_off", "overruled")


class ReviewError(ValueError):
    pass


def record_event(
    db: Session,
    *,
    actor: User | None,
    action: str,
    screening_id: str | None = None,
    trial: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event.  The only write the application ever makes to the audit trail."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        screening_id=screening_id,
        trial=trial,
        before=before,
        after=after,
        reason=reason,
    )
    db.add(event)
    db.flush()
    return event


def list_events(
    db: Session,
    *,
    screening_id: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[AuditEvent]]:
    query = select(AuditEvent)
    if screening_id:
        query = query.where(AuditEvent.screening_id == screening_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(AuditEvent.id).limit(limit).offset(offset))
    return total, list(rows)


def review_verdict(
    db: Session,
    *,
    reviewer: User,
    screening_id: str,
    trial: str,
    action: str,
    reason: str,
    status: str | None = None,
):
    """Sign off (`status` None) or overrule (`status` = the reviewer's verdict) one verdict."""
    from api.screenings.models import VerdictRecord

    row = db.scalar(
        select(VerdictRecord).where(
            VerdictRecord.screening_id == screening_id, VerdictRecord.trial == trial
        )
    )
    if row is None:
        raise LookupError("no verdict for this trial in this screening")
    if not reason.strip():
        raise ReviewError("a reason is required")
    if action == "sign_off":
        if status is not None:
            raise ReviewError("sign_off takes no status; use overrule to change the verdict")
        new_state, final = "signed_off", None
    elif action == "overrule":
        if status not in VERDICTS:
            raise ReviewError(f"overrule needs status, one of {', '.join(VERDICTS)}")
        if status == row.status:
            raise ReviewError("overrule must change the verdict; use sign_off to agree")
        new_state, final = "overruled", status
    else:
        raise ReviewError("action must be sign_off or overrule")
    before = {
        "status": row.status,
        "review_state": row.review_state,
        "final_status": row.final_status,
    }
    row.review_state, row.final_status = new_state, final
    row.reviewed_by_id, row.reviewed_at, row.review_reason = reviewer.id, utcnow(), reason.strip()
    record_event(
        db,
        actor=reviewer,
        action=action,
        screening_id=screening_id,
        trial=trial,
        before=before,
        after={"status": row.status, "review_state": new_state, "final_status": final},
        reason=reason.strip(),
    )
    db.commit()
    return row


def queue_query(
    *,
    trial: str | None = None,
    verdict: str | None = None,
    review_state: str | None = None,
    clinician: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> Select:
    """Verdict rows joined to their screening and clinician, filtered; newest first."""
    from api.screenings.models import Screening, VerdictRecord

    query = (
        select(VerdictRecord, Screening, User)
        .join(Screening, VerdictRecord.screening_id == Screening.id)
        .join(User, Screening.clinician_id == User.id)
    )
    if trial:
        query = query.where(VerdictRecord.trial == trial)
    if verdict:
        effective = func.coalesce(VerdictRecord.final_status, VerdictRecord.status)
        query = query.where(effective == verdict)
    if review_state:
        query = query.where(VerdictRecord.review_state == review_state)
    if clinician:
        query = query.where((User.id == clinician) | (User.email == clinician.strip().lower()))
    if date_from:
        query = query.where(Screening.created_at >= datetime.combine(date_from, time(), UTC))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time(), UTC)
        query = query.where(Screening.created_at < end)
    if status:
        query = query.where(Screening.status == status)
    return query.order_by(Screening.created_at.desc(), Screening.id, VerdictRecord.trial)


def queue(db: Session, *, limit: int = 50, offset: int = 0, **filters: Any):
    query = queue_query(**filters)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, list(db.execute(query.limit(limit).offset(offset)).all())
