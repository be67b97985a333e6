"""Request limits answered before routing: body size (413), JSON content type (415) and NUL
characters (422); page bounds for list endpoints."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from fastapi import Query

Scope = dict[str, Any]

# A page offset past this is not a page anybody can reach; unbounded, it overflows the
# database's 64-bit integer and turns a typo into a 500.
MAX_OFFSET = 1_000_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]


async def _reply(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


NUL_REFUSED = "text must not contain NUL (\\u0000) characters"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


FORM = "application/x-www-form-urlencoded"


def _is_page_form(path: str, content_type: str) -> bool:
    """The browser pages (everything outside /api) post plain HTML forms."""
    return not path.startswith("/api/") and content_type.split(";", 1)[0].strip().lower() == FORM


def _form_has_nul(body: bytes) -> bool:
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return False  # the page answers 422 for the body itself
    return any("\x00" in k or "\x00" in v for k, v in fields)


def _body_has_nul(body: bytes) -> bool:
    """Only JSON's escape can carry a NUL into a string; parse just when it appears at all."""
    if b"\\u0000" not in body and b"\x00" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: the route answers 422 for the body itself


class RequestLimitMiddleware:
    """Bodies larger than `max_bytes` get 413; a non-empty body that is not JSON (or, outside
    /api, an HTML form) gets 415; a NUL
    in the path, query or a JSON string gets 422, because PostgreSQL cannot store or even
    compare it (a 500 otherwise) and no clinician types one."""

    def __init__(self, app: Any, max_bytes: int = 64 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = unquote(scope.get("query_string", b"").decode("latin-1"))
        if "\x00" in scope.get("path", "") or "\x00" in query:
            await _reply(send, 422, NUL_REFUSED)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        too_big = f"request body larger than {self.max_bytes} bytes"
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(send, 400, "invalid Content-Length")
                return
            if int(length) > self.max_bytes:
                await _reply(send, 413, too_big)
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reply(send, 413, too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get("content-type", "")
        form = _is_page_form(scope.get("path", ""), content_type)
        if body and not form and not _is_json(content_type):
            await _reply(send, 415, "send the body as JSON (Content-Type: application/json)")
            return
        if _form_has_nul(body) if form else _body_has_nul(body):
            await _reply(send, 422, NUL_REFUSED)
            return
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
