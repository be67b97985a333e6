"""The error answers every endpoint may give, described once so OpenAPI lists them.

Every refusal is `{"detail": "<reason>"}`; request validation (422) keeps FastAPI's list of
problems, or a single reason when a service refuses the content (unknown trial, blank text).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorRead(BaseModel):
    """Why the request was refused."""

    detail: str


class ValidationErrorRead(BaseModel):
    """A field-by-field list (the request's shape) or one reason (its content)."""

    detail: str | list[dict[str, Any]]


class UnavailableRead(BaseModel):
    """Nothing was stored or forwarded; send the same request again shortly."""

    detail: str
    retry: bool = True


DATABASE_DOWN = "The screening database is not answering; nothing was stored, please resend."


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorRead, "description": description}


# What any signed-in endpoint can answer: the body limits run before routing, authentication
# and roles on every route, and ids the caller may not see are 404 whether or not they exist.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request (e.g. an invalid Content-Length)."),
    401: _error("Not signed in, or the token or session is not valid."),
    403: _error("Your role may not do this."),
    404: _error("Not found, or not yours to see."),
    413: _error("The request body is too large."),
    415: _error("The body is not JSON."),
    422: {"model": ValidationErrorRead, "description": "The request is not valid."},
    503: {"model": UnavailableRead, "description": "Unavailable for now; resend (retry: true)."},
}

CONFLICT = {409: _error("Conflicts with the current state; the reason says what to do.")}
