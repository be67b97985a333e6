"""Password hashing (pwdlib, argon2), token hashing, and the current-user dependencies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from pwdlib import PasswordHash

from api.core.db import DbSession
from api.users.models import User

password_hash = PasswordHash.recommended()
# Verifying against this keeps the time of "unknown email" close to "wrong password".
_DUMMY_HASH = password_hash.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if not hashed:
        password_hash.verify(password, _DUMMY_HASH)
        return False
    return password_hash.verify(password, hashed)


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_token(token: str, key: str) -> str:
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()


CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token(session_cookie: str, key: str) -> str:
    """The CSRF token of a browser session: derived from the session cookie, so nothing more is
    stored, and another site (which cannot read the HttpOnly cookie) cannot compute it."""
    return hmac.new(key.encode(), f"csrf:{session_cookie}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(given: str | None, session_cookie: str, key: str) -> bool:
    return bool(given) and hmac.compare_digest(given, csrf_token(session_cookie, key))


def current_user(request: Request, db: DbSession) -> User:
    from api.users import service as users

    settings = request.app.state.settings
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Authorization header must be 'Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        user = users.user_for_token(db, token=token.strip(), settings=settings)
    else:
        cookie = request.cookies.get(settings.session_cookie)
        user = users.user_for_session(db, cookie=cookie, settings=settings) if cookie else None
        # A browser sends the cookie by itself; a change needs the session's CSRF token too.
        if (
            user is not None
            and request.method not in SAFE_METHODS
            and not csrf_ok(request.headers.get(CSRF_HEADER), cookie, settings.secret_key)
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"missing or wrong {CSRF_HEADER} header: reload the page and try again",
            )
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Not authenticated: send a bearer token or log in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable:
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"This needs the role {' or '.join(roles)}"
            )
        return user

    return check
