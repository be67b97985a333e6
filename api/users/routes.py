from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from api.core.db import DbSession
from api.core.errors import CONFLICT, ErrorRead
from api.core.security import CSRF_HEADER, CurrentUser, csrf_ok, csrf_token, require_role
from api.review.service import record_event
from api.users import service
from api.users.models import ApiToken, User
from api.users.schemas import (
    LoginRequest,
    Ok,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserRead,
)

router = APIRouter(prefix="/api", tags=["users"])
Admin = Annotated[User, Depends(require_role("admin"))]


THROTTLED = {
    429: {"model": ErrorRead, "description": "Too many failed sign-ins; wait (Retry-After)."}
}


@router.post("/auth/login", response_model=UserRead, tags=["auth"], responses=THROTTLED)
def login(body: LoginRequest, request: Request, response: Response, db: DbSession) -> User:
    """Browser login: sets an HttpOnly session cookie.  Throttled per account and address.
    Requests that change something with that cookie must send the `X-CSRF-Token` header given
    here (and on `GET /api/auth/me`)."""
    settings = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    try:
        user = service.sign_in(
            db,
            throttle=request.app.state.sign_in_throttle,
            email=body.email,
            password=body.password,
            address=address,
        )
    except service.SignInThrottled as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    cookie = service.start_session(db, user=user, settings=settings)
    db.commit()
    service.set_session_cookie(response, cookie=cookie, settings=settings)
    response.headers[CSRF_HEADER] = csrf_token(cookie, settings.secret_key)
    return user


@router.post("/auth/logout", response_model=Ok, tags=["auth"])
def logout(request: Request, response: Response, db: DbSession) -> Ok:
    settings = request.app.state.settings
    cookie = request.cookies.get(settings.session_cookie)
    if cookie and service.user_for_session(db, cookie=cookie, settings=settings):
        # like every change made with the cookie: another site must not sign people out
        if not csrf_ok(request.headers.get(CSRF_HEADER), cookie, settings.secret_key):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {CSRF_HEADER} header")
        service.end_session(db, cookie=cookie, settings=settings)
        db.commit()
    response.delete_cookie(settings.session_cookie, path="/")
    return Ok()


@router.get("/auth/me", response_model=UserRead, tags=["auth"])
def me(user: CurrentUser, request: Request, response: Response) -> User:
    cookie = request.cookies.get(request.app.state.settings.session_cookie)
    if cookie and not request.headers.get("authorization"):
        response.headers[CSRF_HEADER] = csrf_token(cookie, request.app.state.settings.secret_key)
    return user


@router.get("/users", response_model=list[UserRead])
def list_users(db: DbSession, _admin: Admin) -> list[User]:
    return service.list_users(db)


@router.post("/users", response_model=UserRead, status_code=201, responses=CONFLICT)
def create_user(body: UserCreate, db: DbSession, _admin: Admin) -> User:
    try:
        user = service.create_user(
            db, email=body.email, role=body.role, password=body.password, name=body.name
        )
    except service.UserError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    db.commit()
    return user


@router.post("/users/{user_id}/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    user_id: str, body: TokenCreate, request: Request, db: DbSession, user: CurrentUser
) -> TokenCreated:
    """An API token for a user (admins: anyone; others: themselves).  Shown once."""
    if user.role != "admin" and user.id != user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you can create tokens only for yourself")
    owner = db.get(User, user_id)
    if owner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    token, secret = service.create_token(
        db, user=owner, name=body.name, settings=request.app.state.settings
    )
    db.commit()
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/users/{user_id}/sessions", response_model=SessionsEnded)
def end_sessions(user_id: str, db: DbSession, user: CurrentUser) -> SessionsEnded:
    """Sign a user out of every browser (admins: anyone; others: themselves)."""
    if user.role != "admin" and user.id != user_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you can end only your own sessions")
    owner = db.get(User, user_id)
    if owner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    ended = service.end_sessions(db, user=owner)
    record_event(db, actor=user, action="sessions_ended", after={"user": owner.id, "ended": ended})
    db.commit()
    return SessionsEnded(ended=ended)


@router.delete("/tokens/{token_id}", response_model=TokenRead)
def revoke_token(token_id: str, db: DbSession, user: CurrentUser) -> ApiToken:
    token = db.get(ApiToken, token_id)
    if token is None or (user.role != "admin" and token.user_id != user.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "token not found")
    service.revoke_token(db, token_id=token_id)
    db.commit()
    return token
