"""What every page shares: templates, the security headers, the signed-in user, CSRF checks,
and mounting the pages on the app."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.core.security import csrf_ok, csrf_token
from api.users import service as users
from api.users.models import User

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# No inline script or style, nothing from another origin, no framing, forms post here only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The OpenAPI pages load Swagger UI from a CDN; they keep their own (no) policy.
UNPAGED = ("/api/", "/docs", "/redoc", "/openapi.json")
SIGNIN_COOKIE = "screener_signin"


class SignInNeeded(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""


class NotAllowed(Exception):
    """Signed in, but this page or form is not for this user (or the CSRF token is wrong)."""


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every page and static file."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(UNPAGED):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in PAGE_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(request.app.state.settings.session_cookie)


def signed_in(request: Request, db: Session) -> User | None:
    cookie = session_cookie(request)
    if not cookie:
        return None
    return users.user_for_session(db, cookie=cookie, settings=request.app.state.settings)


def page_user(request: Request, db: Session, *roles: str) -> User:
    """The signed-in user (SignInNeeded otherwise); NotAllowed when the role is wrong."""
    user = signed_in(request, db)
    if user is None:
        raise SignInNeeded
    if roles and user.role not in roles:
        raise NotAllowed(f"This page is for the role {' or '.join(roles)}.")
    return user


def page_csrf(request: Request) -> str:
    cookie = session_cookie(request)
    return csrf_token(cookie, request.app.state.settings.secret_key) if cookie else ""


def check_csrf(request: Request, form: Any) -> None:
    cookie = session_cookie(request)
    if not cookie or not csrf_ok(
        form.get("csrf_token"), cookie, request.app.state.settings.secret_key
    ):
        raise NotAllowed("This form has expired or did not come from this site; reload.")


def signin_csrf(request: Request, value: str) -> str:
    return csrf_token(f"signin:{value}", request.app.state.settings.secret_key)


def new_signin_value() -> str:
    return secrets.token_urlsafe(24)


def render(
    request: Request, name: str, user: User | None = None, status_code: int = 200, **context: Any
) -> Response:
    context.update(user=user, csrf=page_csrf(request) if user else "")
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and headers, and the sign-in redirect."""
    from api.pages import admin, clinician, review, signin

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (signin, clinician, review, admin):
        app.include_router(module.router, include_in_schema=False)

    async def to_signin(_request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    def forbidden_page(request: Request, exc: Exception) -> Response:
        db = request.app.state.sessionmaker()
        try:
            user = signed_in(request, db)
            return render(request, "error.html", user, 403, message=str(exc), title="Not allowed")
        finally:
            db.close()

    async def forbidden(request: Request, exc: Exception) -> Response:
        # The page names who is signed in: a database query, kept off the event loop.
        return await run_in_threadpool(forbidden_page, request, exc)

    app.add_exception_handler(SignInNeeded, to_signin)
    app.add_exception_handler(NotAllowed, forbidden)
