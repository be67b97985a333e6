"""`POST /api/messages` (the Bot Framework messaging endpoint) and the admin's Teams links.

The messaging endpoint has no screener login: the Bot Connector's signed token is its only
credential, checked in full (api/teams/auth.py) before the activity is read, so a refused
request stores nothing.  The links are admin-only, like user management.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, status
from microsoft_agents.activity import Activity
from pydantic import ValidationError

from api.core.config import Settings
from api.core.db import DbSession
from api.core.errors import ErrorRead
from api.core.security import require_role
from api.screenings.routes import Bot, user_brief
from api.teams import service
from api.teams.auth import KeysUnavailable, SigningKeys, TeamsAuthError, TokenRules, check_token
from api.teams.connector import BotConnector
from api.teams.models import TeamsUserLink
from api.teams.schemas import GUID_PATTERN, ActivityHandled, TeamsLinkCreate, TeamsLinkRead
from api.users.models import User
from api.users.service import get_user_by_email

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["teams"])
Admin = Annotated[User, Depends(require_role("admin"))]
AadObjectId = Annotated[str, Path(pattern=GUID_PATTERN, description="Entra ID object id")]


@dataclass
class TeamsRuntime:
    keys: SigningKeys
    rules: TokenRules
    connector: BotConnector

    def close(self) -> None:
        self.keys.close()
        self.connector.close()


class TeamsNotConfigured(ValueError):
    pass


def build_runtime(settings: Settings) -> TeamsRuntime | None:
    """The Teams machinery when `SCREENER_TEAMS_APP_ID` is set; None (Teams off) otherwise."""
    if not settings.teams_app_id:
        return None
    if not settings.teams_app_password:
        raise TeamsNotConfigured("SCREENER_TEAMS_APP_PASSWORD is needed with SCREENER_TEAMS_APP_ID")
    if settings.teams_app_type == "single_tenant" and not settings.teams_tenant_id:
        raise TeamsNotConfigured("a single-tenant bot needs SCREENER_TEAMS_TENANT_ID")
    return TeamsRuntime(
        keys=SigningKeys(
            settings.teams_openid_metadata_url,
            ttl=settings.teams_keys_ttl,
            timeout=settings.teams_http_timeout,
        ),
        rules=TokenRules(
            app_id=settings.teams_app_id,
            issuers=tuple(settings.teams_token_issuers),
            clock_skew=settings.teams_clock_skew,
        ),
        connector=BotConnector(
            app_id=settings.teams_app_id,
            app_password=settings.teams_app_password,
            token_url=settings.teams_token_url(),
            scope=settings.teams_token_scope,
            timeout=settings.teams_http_timeout,
        ),
    )


async def raw_body(request: Request) -> bytes:
    return await request.body()


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorRead, "description": description}


@router.post(
    "/messages",
    response_model=ActivityHandled,
    responses={
        400: _error("The activity is not a Bot Framework activity."),
        401: _error("Not from the Bot Connector for this bot: the token or serviceUrl is wrong."),
        403: _error("The conversation's tenant is not served by this bot."),
        413: _error("The request body is too large."),
        415: _error("The body is not JSON."),
        422: _error("The body contains NUL characters."),
        404: _error("Microsoft Teams is not configured on this server."),
        503: _error("The Bot Connector's signing keys cannot be fetched now; retry later."),
    },
)
def messages(
    request: Request, db: DbSession, bot: Bot, body: Annotated[bytes, Depends(raw_body)]
) -> ActivityHandled:
    """The Bot Framework messaging endpoint that Azure Bot Service calls for Teams."""
    teams: TeamsRuntime | None = request.app.state.teams
    if teams is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Microsoft Teams is not configured")
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = None
    fields = data if isinstance(data, dict) else {}
    service_url = fields.get("serviceUrl")
    channel_id = fields.get("channelId")
    try:
        check_token(
            request.headers.get("authorization"),
            keys=teams.keys,
            rules=teams.rules,
            service_url=service_url if isinstance(service_url, str) else None,
            channel_id=channel_id if isinstance(channel_id, str) else None,
        )
    except KeysUnavailable as exc:
        log.warning("Teams: refused a request: %s", exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    except TeamsAuthError as exc:
        log.warning("Teams: refused a request: %s", exc)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"refused: {exc}", headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    try:
        activity = Activity.model_validate(fields)
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"not a valid activity ({exc.error_count()} error(s))"
        ) from exc
    if activity.conversation is None or not activity.conversation.id:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the activity names no conversation")
    if not service.tenant_allowed(activity, request.app.state.settings):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this tenant is not served by this bot")
    outcome = service.handle_activity(
        db,
        activity=activity,
        bot=bot,
        connector=teams.connector,
        settings=request.app.state.settings,
    )
    log.info(
        "Teams activity %s: %s, %d repl(ies) sent", activity.type, outcome.kind, len(outcome.sent)
    )
    return ActivityHandled(kind=outcome.kind)


# ---- admin: account links -----------------------------------------------------------------


def link_read(link: TeamsUserLink) -> TeamsLinkRead:
    return TeamsLinkRead(
        aad_object_id=link.aad_object_id, user=user_brief(link.user), created_at=link.created_at
    )


@router.get("/teams/links", response_model=list[TeamsLinkRead])
def list_links(db: DbSession, _admin: Admin) -> list[TeamsLinkRead]:
    """Which Teams users (Entra ID object ids) are which screener accounts."""
    return [link_read(link) for link in service.list_links(db)]


@router.put("/teams/links/{aad_object_id}", response_model=TeamsLinkRead)
def put_link(
    aad_object_id: AadObjectId, body: TeamsLinkCreate, db: DbSession, admin: Admin
) -> TeamsLinkRead:
    """Link a Teams user to a screener account (replacing any earlier link)."""
    user = get_user_by_email(db, email=body.email)
    if user is None:
        raise HTTPException(422, f"no user {body.email}")
    try:
        link = service.link_user(db, aad_object_id=aad_object_id, user=user, created_by=admin)
    except service.LinkError as exc:
        raise HTTPException(422, str(exc)) from exc
    db.commit()
    return link_read(link)


@router.delete("/teams/links/{aad_object_id}", response_model=TeamsLinkRead)
def delete_link(aad_object_id: AadObjectId, db: DbSession, admin: Admin) -> TeamsLinkRead:
    """Unlink a Teams user (their next message is refused); answers the removed link."""
    link = service.get_link(db, aad_object_id=aad_object_id)
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such link")
    removed = link_read(link)
    service.unlink_user(db, aad_object_id=aad_object_id, actor=admin)
    db.commit()
    return removed
