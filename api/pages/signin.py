"""Sign in and out.  The session is the same HttpOnly cookie as `POST /api/auth/login`; the
sign-in form carries its own CSRF token (tied to a short-lived cookie, as there is no session
yet), so another site cannot sign a browser in to an account of its choosing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.core.db import DbSession
from api.pages.web import (
    SIGNIN_COOKIE,
    check_csrf,
    new_signin_value,
    render,
    session_cookie,
    signed_in,
    signin_csrf,
)
from api.users import service as users

router = APIRouter()
WRONG = "Wrong email or password."


@router.get("/")
def root(request: Request, db: DbSession) -> Response:
    """The address `scripts/run` prints: home when signed in, else the sign-in page."""
    return RedirectResponse("/home" if signed_in(request, db) else "/sign-in", status_code=303)


def _signin_page(request: Request, error: str = "", email: str = "", status: int = 200):
    value = request.cookies.get(SIGNIN_COOKIE) or new_signin_value()
    response = render(
        request,
        "signin.html",
        None,
        status,
        title="Sign in",
        signin_token=signin_csrf(request, value),
        error=error,
        email=email,
    )
    response.set_cookie(
        SIGNIN_COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        max_age=3600,
        path="/sign-in",
    )
    return response


@router.get("/sign-in")
def signin_page(request: Request, db: DbSession) -> Response:
    if signed_in(request, db):
        return RedirectResponse("/home", status_code=303)
    return _signin_page(request)


@router.post("/sign-in")
async def signin(request: Request, db: DbSession) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")[:1000]
    value = request.cookies.get(SIGNIN_COOKIE)
    if not value or form.get("csrf_token") != signin_csrf(request, value):
        return _signin_page(request, "The sign-in form expired; please try again.", email, 400)
    address = request.client.host if request.client else "unknown"
    try:
        user = (
            users.sign_in(
                db,
                throttle=request.app.state.sign_in_throttle,
                email=email,
                password=password,
                address=address,
            )
            if email and password
            else None
        )
    except users.SignInThrottled as exc:
        page = _signin_page(
            request, f"Too many failed sign-ins. Try again in {exc.retry_after} s.", email, 429
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if user is None:
        return _signin_page(request, WRONG, email, 401)
    settings = request.app.state.settings
    cookie = users.start_session(db, user=user, settings=settings)
    db.commit()
    response = RedirectResponse("/home", status_code=303)
    users.set_session_cookie(response, cookie=cookie, settings=settings)
    response.delete_cookie(SIGNIN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def signout(request: Request, db: DbSession) -> Response:
    form = await request.form()
    cookie = session_cookie(request)
    if cookie and signed_in(request, db):
        check_csrf(request, form)
        users.end_session(db, cookie=cookie, settings=request.app.state.settings)
        db.commit()
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(request.app.state.settings.session_cookie, path="/")
    return response
