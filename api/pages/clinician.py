"""The clinician's pages: home (start a screening, past screenings) and the screening page
(chat beside the live verdict panel).  The chat's messages go through the JSON API
(`POST /api/screenings/{id}/messages`) from the page's script; the panel is re-rendered here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.core.db import DbSession
from api.pages import panel as view
from api.pages.web import check_csrf, page_user, render
from api.review.service import record_event
from api.screenings import service as screenings
from api.screenings.models import Screening
from api.screenings.routes import get_bot
from api.screenings.service import STAFF
from api.users.models import User

router = APIRouter()


def _home(request: Request, db: DbSession, error: str = "", status: int = 200) -> Response:
    user = page_user(request, db)
    total, rows = screenings.list_screenings(db, user=user, limit=50)
    past = [
        {
            "id": s.id,
            "patient_ref": s.patient_ref
            if screenings.can_see_patient_ref(user=user, screening=s)
            else None,
            "clinician": s.clinician.email,
            "status": s.status,
            "created_at": s.created_at,
            "review_state": screenings.review_state(s),
            "verdicts": [
                (v.trial, view.STATUS_WORDS.get(v.effective_status, v.effective_status))
                for v in s.verdicts
            ],
        }
        for s in rows
    ]
    trials = [t.summary() for t in screenings.open_trials().values()]
    return render(
        request,
        "home.html",
        user,
        status,
        title="Home",
        trials=trials,
        past=past,
        total=total,
        error=error,
    )


@router.get("/home")
def home(request: Request, db: DbSession) -> Response:
    return _home(request, db)


@router.post("/screenings/new")
async def start_screening(request: Request, db: DbSession) -> Response:
    user = page_user(request, db, "clinician")
    form = await request.form()
    check_csrf(request, form)
    trials = [str(t) for t in form.getlist("trials")] or None
    patient_ref = str(form.get("patient_ref") or "").strip()
    if len(patient_ref) > 100:
        return _home(request, db, "The patient reference is longer than 100 characters.", 422)
    try:
        turn = screenings.create_screening(
            db, user=user, bot=get_bot(request), trials=trials, patient_ref=patient_ref or None
        )
    except screenings.Invalid as exc:
        return _home(request, db, str(exc), 422)
    return RedirectResponse(f"/screenings/{turn.screening.id}", status_code=303)


def _visible(request: Request, db: DbSession, screening_id: str) -> tuple[User, Screening | None]:
    user = page_user(request, db)
    try:
        return user, screenings.get_visible(db, user=user, screening_id=screening_id)
    except screenings.NotFound:
        return user, None


def not_found(request: Request, user: User) -> Response:
    return render(
        request,
        "error.html",
        user,
        404,
        title="Not found",
        message="There is no screening here, or it is not yours to open.",
    )


@router.get("/screenings/{screening_id}")
def screening_page(screening_id: str, request: Request, db: DbSession) -> Response:
    user, screening = _visible(request, db, screening_id)
    if screening is None:
        return not_found(request, user)
    if screening.clinician_id != user.id and user.role in STAFF:
        return RedirectResponse(f"/review/{screening.id}", status_code=303)
    record_event(db, actor=user, action="transcript_read", screening_id=screening.id)
    db.commit()
    return render(
        request,
        "screening.html",
        user,
        title="Screening",
        screening=screening,
        lines=view.chat_lines(screening),
        quick=view.quick_replies(screening),
        unanswered=view.unanswered(screening),
        panel=view.panel(screening),
        max_chars=request.app.state.settings.max_message_chars,
    )


@router.get("/screenings/{screening_id}/panel")
def screening_panel(screening_id: str, request: Request, db: DbSession) -> Response:
    """The verdict panel alone, which the page's script swaps in after every turn."""
    user, screening = _visible(request, db, screening_id)
    if screening is None:
        return not_found(request, user)
    return render(request, "panel.html", user, panel=view.panel(screening), correctable=True)
