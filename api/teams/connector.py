"""Replies to Teams through the Bot Connector REST API, with a client-credentials token.

`POST {serviceUrl}/v3/conversations/{conversationId}/activities[/{replyToId}]` with
`Authorization: Bearer <token>`, the token from the configured token endpoint (the tenant's
for a single-tenant registration) and kept until a minute before it expires.  The serviceUrl is
the one the verified token vouched for (api/teams/auth.py), so the bearer token only goes where
the Bot Framework said.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)


class ConnectorError(Exception):
    """A reply could not be delivered to Teams (token endpoint or Bot Connector failed)."""


class Connector(Protocol):
    def send(
        self,
        *,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        reply_to_id: str | None = None,
    ) -> None: ...


class BotConnector:
    def __init__(
        self,
        *,
        app_id: str,
        app_password: str,
        token_url: str,
        scope: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.app_id, self.app_password = app_id, app_password
        self.token_url, self.scope = token_url, scope
        self._client = httpx.Client(timeout=timeout, transport=transport)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token and time.monotonic() < self._expires:
                return self._token
            try:
                r = self._client.post(
                    self.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.app_id,
                        "client_secret": self.app_password,
                        "scope": self.scope,
                    },
                )
                r.raise_for_status()
                body = r.json()
                token, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                raise ConnectorError(f"no token from the token endpoint ({exc!s:.200})") from exc
            self._token, self._expires = token, time.monotonic() + max(lifetime - 60, 0)
            return token

    def send(
        self,
        *,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        reply_to_id: str | None = None,
    ) -> None:
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}"
        url += "/activities" + (f"/{quote(reply_to_id, safe='')}" if reply_to_id else "")
        r = self._post(url, activity)
        if r.status_code == 401:  # the token was revoked or rotated early: once more, fresh
            with self._lock:
                self._token = None
            r = self._post(url, activity)
        if r.status_code >= 400:
            raise ConnectorError(f"the Bot Connector answered HTTP {r.status_code}")

    def _post(self, url: str, activity: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        try:
            return self._client.post(url, json=activity, headers=headers)
        except httpx.HTTPError as exc:
            raise ConnectorError(
                f"the Bot Connector did not answer ({type(exc).__name__})"
            ) from exc

    def close(self) -> None:
        self._client.close()
