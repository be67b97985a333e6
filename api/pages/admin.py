"""The admin's page: users (create) and their API tokens (create, shown once; revoke)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from api.core.db import DbSession
from api.pages.web import check_csrf, page_user, render
from api.users import service as users
from api.users.models import ROLES, ApiToken, User

router = APIRouter()


def _users_page(
    request: Request,
    db: DbSession,
    admin: User,
    error: str = "",
    created_token: str = "",
    status: int = 200,
) -> Response:
    tokens: dict[str, list[ApiToken]] = {}
    for token in db.scalars(select(ApiToken).order_by(ApiToken.created_at)):
        tokens.setdefault(token.user_id, []).append(token)
    return render(
        request,
        "users.html",
        admin,
        status,
        title="Users and tokens",
        people=users.list_users(db),
        tokens=tokens,
        roles=ROLES,
        error=error,
        created_token=created_token,
    )


@router.get("/admin/users")
def users_page(request: Request, db: DbSession) -> Response:
    return _users_page(request, db, page_user(request, db, "admin"))


@router.post("/admin/users")
async def create_user(request: Request, db: DbSession) -> Response:
    admin = page_user(request, db, "admin")
    form = await request.form()
    check_csrf(request, form)
    password = str(form.get("password") or "") or None
    try:
        users.create_user(
            db,
            email=str(form.get("email") or "")[:254],
            role=str(form.get("role") or ""),
            password=password[:1000] if password else None,
            name=str(form.get("name") or "")[:200],
        )
    except users.UserError as exc:
        db.rollback()
        return _users_page(request, db, admin, error=f"{exc}.", status=422)
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/tokens")
async def create_token(user_id: str, request: Request, db: DbSession) -> Response:
    admin = page_user(request, db, "admin")
    form = await request.form()
    check_csrf(request, form)
    owner = db.get(User, user_id[:32])
    name = str(form.get("name") or "").strip()[:100]
    if owner is None or not name:
        error = "No such user." if owner is None else "Give the token a name."
        return _users_page(request, db, admin, error=error, status=422)
    _, secret = users.create_token(db, user=owner, name=name, settings=request.app.state.settings)
    db.commit()
    # Shown once, in this answer only (the page is never cached).
    return _users_page(request, db, admin, created_token=secret, status=201)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(token_id: str, request: Request, db: DbSession) -> Response:
    page_user(request, db, "admin")
    form = await request.form()
    check_csrf(request, form)
    users.revoke_token(db, token_id=token_id[:32])
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)
