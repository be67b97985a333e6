"""One typed Settings object, read from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
