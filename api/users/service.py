"""Users, tokens and sessions.  Keyword-only functions taking the session."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from api.core.config import Settings
from api.core.db import utcnow
from api.core.security import hash_password, hash_token, new_secret, verify_password
from api.users.models import ROLES, ApiToken, User, WebSession
from api.users.throttle import SignInThrottle


class UserError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(db: Session, *, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    db: Session, *, email: str, role: str, password: str | None = None, name: str = ""
) -> User:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    email = normalise_email(email)
    if "@" not in email:
        raise UserError("email must contain @")
    if get_user_by_email(db, email=email) is not None:
        raise UserError(f"a user with email {email} already exists")
    if password is not None and len(password) < 8:
        raise UserError("password must be at least 8 characters")
    user = User(
        email=email,
        role=role,
        name=name,
        password_hash=hash_password(password) if password else None,
    )
    db.add(user)
    db.flush()
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.created_at, User.email)))


def set_session_cookie(response: Response, *, cookie: str, settings: Settings) -> None:
    """The browser session cookie, the same from the JSON login and the sign-in page:
    HttpOnly, SameSite=Strict, Secure when configured, expiring with the session."""
    response.set_cookie(
        settings.session_cookie,
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=int(settings.session_hours * 3600),
        path="/",
    )


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account or address: wait `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def sign_in(
    db: Session, *, throttle: SignInThrottle, email: str, password: str, address: str
) -> User | None:
    """Check a password, throttled per account and per address, every failure and refusal
    audited; one door for the JSON login and the sign-in page.  Raises SignInThrottled."""
    from api.review.service import record_event

    email = normalise_email(email)
    wait = throttle.retry_after(email=email, address=address)
    if wait is not None:
        record_event(
            db,
            actor=None,
            action="sign_in_throttled",
            after={"email": email, "address": address, "retry_after": wait},
        )
        db.commit()
        raise SignInThrottled(wait)
    user = authenticate(db, email=email, password=password)
    if user is None:
        throttle.failed(email=email, address=address)
        record_event(
            db, actor=None, action="sign_in_failed", after={"email": email, "address": address}
        )
        db.commit()
        return None
    throttle.succeeded(email=email)
    return user


def authenticate(db: Session, *, email: str, password: str) -> User | None:
    user = get_user_by_email(db, email=email)
    ok = verify_password(password, user.password_hash if user else None)
    return user if ok and user is not None and user.active else None


def create_token(db: Session, *, user: User, name: str, settings: Settings) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its HMAC is stored."""
    secret = new_secret("sct")
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(secret, settings.secret_key),
        prefix=secret[:10],
    )
    db.add(token)
    db.flush()
    return token, secret


def user_for_token(db: Session, *, token: str, settings: Settings) -> User | None:
    row = db.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == hash_token(token, settings.secret_key))
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.created_at < utcnow() - timedelta(days=settings.token_days):
        return None  # expired: tokens are for integrations, which get a new one in time
    return row.user


def revoke_token(db: Session, *, token_id: str) -> ApiToken | None:
    row = db.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def start_session(db: Session, *, user: User, settings: Settings) -> str:
    cookie = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            user_id=user.id,
            token_hash=hash_token(cookie, settings.secret_key),
            expires_at=utcnow() + timedelta(hours=settings.session_hours),
        )
    )
    db.flush()
    return cookie


def user_for_session(db: Session, *, cookie: str, settings: Settings) -> User | None:
    row = db.scalar(
        select(WebSession)
        .options(joinedload(WebSession.user))  # one query for both: this runs on every request
        .where(WebSession.token_hash == hash_token(cookie, settings.secret_key))
    )
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user


def end_session(db: Session, *, cookie: str, settings: Settings) -> None:
    row = db.scalar(
        select(WebSession).where(WebSession.token_hash == hash_token(cookie, settings.secret_key))
    )
    if row is not None:
        db.delete(row)


def end_sessions(db: Session, *, user: User) -> int:
    """Sign a user out everywhere (a lost laptop, a role change): every browser session ends."""
    rows = list(db.scalars(select(WebSession).where(WebSession.user_id == user.id)))
    for row in rows:
        db.delete(row)
    return len(rows)


def ensure_admin(
    db: Session, *, email: str | None = None, password: str | None = None
) -> tuple[User | None, str | None]:
    """The first admin, once.  Returns (user, generated password) when it created one, else
    (None, None) because an admin exists already."""
    if db.scalar(select(func.count()).select_from(User).where(User.role == "admin")):
        return None, None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(15)
    user = create_user(
        db, email=email or "admin@localhost", role="admin", password=password, name="Administrator"
    )
    return user, generated
