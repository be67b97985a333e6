from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    email: StrictStr = Field(min_length=3, max_length=254)
    password: StrictStr = Field(min_length=1, max_length=1000)


class UserCreate(Strict):
    email: StrictStr = Field(min_length=3, max_length=254)
    role: Literal["clinician", "coordinator", "admin"]
    name: StrictStr = Field("", max_length=200)
    password: StrictStr | None = Field(
        None, min_length=8, max_length=1000, description="Omit for a token-only user."
    )


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime


class TokenCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=100)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown once, store it now.")


class Ok(BaseModel):
    ok: bool = True


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many browser sessions were ended.")
