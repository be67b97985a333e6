"""The coordinator's pages: the review queue (the API's filters, the screening log download)
and a screening's review page (transcript beside the evidence, sign off or overrule with a
reason, the audit trail, the trial-rules version of each verdict)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.core.db import DbSession
from api.pages import panel as view
from api.pages.clinician import not_found
from api.pages.web import check_csrf, page_user, render
from api.review import service as review
from api.review.schemas import QueueFilters
from api.screenings import service as screenings
from api.screenings.service import STAFF

router = APIRouter()
PAGE = 50


def _filters(request: Request) -> tuple[QueueFilters, str]:
    raw = {k: v.strip() for k, v in request.query_params.items() if k in QueueFilters.model_fields}
    raw = {k: v for k, v in raw.items() if v}
    try:
        return QueueFilters(**raw), ""
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        return QueueFilters(), f"Filters not applied ({problems})."


@router.get("/review")
def queue_page(request: Request, db: DbSession) -> Response:
    user = page_user(request, db, *STAFF)
    filters, error = _filters(request)
    try:
        page = max(0, int(request.query_params.get("page", "0")))
    except ValueError:
        page = 0
    page = min(page, 1_000_000)
    total, rows = review.queue(db, limit=PAGE, offset=page * PAGE, **filters.model_dump())
    chosen = {k: str(v) for k, v in filters.model_dump().items() if v is not None}
    items = [
        {
            "screening_id": s.id,
            "screened_at": s.created_at,
            "clinician": u.email,
            "patient_ref": s.patient_ref,
            "trial": v.trial,
            "title": v.title,
            "status_words": view.STATUS_WORDS.get(v.effective_status, v.effective_status),
            "effective_status": v.effective_status,
            "review_state": v.review_state,
        }
        for v, s, u in rows
    ]
    return render(
        request,
        "queue.html",
        user,
        title="Review queue",
        items=items,
        total=total,
        page=page,
        pages=(total + PAGE - 1) // PAGE,
        chosen=chosen,
        query=urlencode(chosen),
        error=error,
        trials=list(screenings.open_trials()),
    )


def _review_page(
    request: Request, db: DbSession, screening_id: str, error: str = "", status: int = 200
) -> Response:
    user = page_user(request, db, *STAFF)
    try:
        screening = screenings.get_visible(db, user=user, screening_id=screening_id)
    except screenings.NotFound:
        return not_found(request, user)
    review.record_event(db, actor=user, action="transcript_read", screening_id=screening.id)
    db.commit()
    _, events = review.list_events(db, screening_id=screening.id, limit=500)
    return render(
        request,
        "review.html",
        user,
        status,
        title="Review",
        screening=screening,
        lines=view.chat_lines(screening),
        panel=view.panel(screening),
        events=events,
        error=error,
    )


@router.get("/review/{screening_id}")
def review_page(screening_id: str, request: Request, db: DbSession) -> Response:
    return _review_page(request, db, screening_id)


@router.post("/review/{screening_id}/{trial}")
async def review_verdict(
    screening_id: str, trial: str, request: Request, db: DbSession
) -> Response:
    user = page_user(request, db, *STAFF)
    form = await request.form()
    check_csrf(request, form)
    try:
        screenings.get_visible(db, user=user, screening_id=screening_id)
    except screenings.NotFound:
        return not_found(request, user)
    action = str(form.get("action") or "")
    status = str(form.get("status") or "") or None
    reason = str(form.get("reason") or "")
    if len(reason) > 2000:
        return _review_page(request, db, screening_id, "The reason is over 2000 characters.", 422)
    try:
        review.review_verdict(
            db,
            reviewer=user,
            screening_id=screening_id,
            trial=trial,
            action=action,
            reason=reason,
            status=status if action == "overrule" else None,
        )
    except LookupError as exc:
        return _review_page(request, db, screening_id, str(exc), 404)
    except review.ReviewError as exc:
        db.rollback()
        return _review_page(request, db, screening_id, f"{trial}: {exc}.", 422)
    return RedirectResponse(f"/review/{screening_id}#verdict-{trial}", status_code=303)
