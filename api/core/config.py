"""One typed Settings object, read from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCREENER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/screener.db",
        validation_alias=AliasChoices("DATABASE_URL", "SCREENER_DATABASE_URL"),
    )
    rasa_url: str = Field(
        "http://127.0.0.1:5005", validation_alias=AliasChoices("RASA_URL", "SCREENER_RASA_URL")
    )
    # Seconds to wait for one Rasa turn (connect + answer) before telling the clinician.
    rasa_timeout: float = 10.0
    # Messages this API process has in one Rasa server at once; the others wait their turn in
    # arrival order (api/core/fifo_gate.py: a burst of messages is answered sooner so; two keep
    # Rasa busy while one of them waits for the action server; bench/README).
    rasa_concurrency: int = Field(2, ge=1, le=100)
    # Database connections per API process. The API serves as many requests at once as these
    # can all serve (half of them on PostgreSQL, where a turn also holds a lock connection);
    # more wait at the door holding nothing (api/core/admission.py). Two replicas: twice this.
    db_connections: int = Field(15, ge=1, le=1000)
    # HMAC key for stored token and session hashes; set it in production.
    secret_key: str = DEV_SECRET
    session_cookie: str = "screener_session"
    session_hours: float = 12.0
    # API tokens stop working this many days after they were created (make a new one).
    token_days: float = 90.0
    cookie_secure: bool = False
    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 5000
    admin_email: str | None = None
    admin_password: str | None = None

    # ---- Microsoft Teams (api/teams; README "Microsoft Teams") ----
    # The bot's Microsoft App ID (the Azure Bot resource's app registration); unset = Teams off.
    teams_app_id: str | None = None
    # The app registration's client secret, for replies through the Bot Connector.
    teams_app_password: str | None = None
    # single_tenant: replies get tokens from this tenant, and only its conversations are served;
    # multi_tenant: tokens from the botframework.com tenant, any tenant (or teams_tenants).
    teams_app_type: Literal["single_tenant", "multi_tenant"] = "single_tenant"
    teams_tenant_id: str | None = None
    # Multi-tenant only: the tenants whose conversations are served (empty = any).
    teams_tenants: list[str] = Field(default_factory=list)
    # Where the Bot Connector's signing keys are published, and who signs its tokens.
    teams_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    teams_token_issuers: list[str] = Field(default_factory=lambda: ["https://api.botframework.com"])
    # Client-credentials token endpoint for replies; empty = derived from the app type.
    teams_token_endpoint: str | None = None
    teams_token_scope: str = "https://api.botframework.com/.default"
    # Seconds of clock difference tolerated on exp/nbf.
    teams_clock_skew: int = 60
    # Seconds to keep the signing keys before fetching them again (an unknown key id refetches).
    teams_keys_ttl: int = 6 * 3600
    # Seconds to wait for the token endpoint and the Bot Connector.
    teams_http_timeout: float = 10.0
    # Where the package command points validDomains (the public host of POST /api/messages).
    teams_public_host: str | None = None

    def teams_token_url(self) -> str:
        """The token endpoint for replies: the tenant's own for a single-tenant registration,
        botframework.com's for a multi-tenant one, unless set explicitly."""
        if self.teams_token_endpoint:
            return self.teams_token_endpoint
        tenant = self.teams_tenant_id if self.teams_app_type == "single_tenant" else None
        return f"https://login.microsoftonline.com/{tenant or 'botframework.com'}/oauth2/v2.0/token"


@lru_cache
def get_settings() -> Settings:
    return Settings()
