"""Bodies of the Teams endpoints: the admin's account links, and the messaging endpoint's
answer to the Bot Connector."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.screenings.schemas import UserBrief

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class TeamsLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field(
        min_length=3, max_length=254, description="The screener account to link to."
    )


class TeamsLinkRead(BaseModel):
    aad_object_id: str = Field(description="The Teams user's Entra ID object id.")
    user: UserBrief
    created_at: datetime


class ActivityHandled(BaseModel):
    """What the bot did with the activity (its replies went to the Bot Connector)."""

    kind: str
